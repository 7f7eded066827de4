"""Search at word starts, over every field people search by

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 19:50:00

Each contact's search text is worked out again: it now holds the title, city, country,
tags and genres too, as folded words each after a space (crm.text.search_text). On SQLite
the FTS5 index changes from trigrams (substrings anywhere) to the unicode61 tokenizer with
prefix indexes (word starts); PostgreSQL's trigram index serves word starts as it is.
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FIELDS = ("first_name", "last_name", "email", "title", "city", "country", "notes")
BATCH = 5_000

UPDATE_TRIGGER = (
    "CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts BEGIN "
    "INSERT INTO contacts_fts(contacts_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
)


def _fts(tokenize: str, prefix: str = "") -> str:
    return (
        "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, content='contacts', "
        f"content_rowid='id', tokenize='{tokenize}'{prefix})"
    )


def _search_texts(connection, make_text) -> None:
    """Work every contact's search text out again, a batch at a time."""
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                f"SELECT c.id, {', '.join('c.' + f for f in FIELDS)}, co.name "
                "FROM contacts c LEFT JOIN companies co ON co.id = c.company_id "
                "WHERE c.id > :last ORDER BY c.id LIMIT :batch"
            ),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            return
        ids = [r[0] for r in rows]
        extra = defaultdict(list)
        for contact_id, word in connection.execute(
            sa.text(
                "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id "
                "WHERE ct.contact_id BETWEEN :first AND :last "
                "UNION ALL SELECT contact_id, email FROM contact_emails "
                "WHERE contact_id BETWEEN :first AND :last"
            ),
            {"first": ids[0], "last": ids[-1]},
        ):
            extra[contact_id].append(word)
        connection.execute(
            sa.text("UPDATE contacts SET search_text = :text WHERE id = :id"),
            [
                {"id": r[0], "text": make_text(*(v or "" for v in r[1:]), *extra[r[0]])}
                for r in rows
            ],
        )
        last = ids[-1]


def upgrade() -> None:
    from crm.text import search_text

    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER contacts_fts_update")
        op.execute("DROP TABLE contacts_fts")
    _search_texts(connection, search_text)
    if sqlite:
        op.execute(_fts("unicode61 remove_diacritics 2", ", prefix='1 2 3'"))
        op.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")
        op.execute(UPDATE_TRIGGER)


def downgrade() -> None:
    from crm.text import fold

    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER contacts_fts_update")
        op.execute("DROP TABLE contacts_fts")
    _search_texts(connection, lambda *parts: fold(" ".join(parts)))
    if sqlite:
        op.execute(_fts("trigram"))
        op.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")
        op.execute(UPDATE_TRIGGER)
