"""Let bulk imports fill the SQLite search index in one statement per chunk

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 19:55:00

Filling contacts_fts row by row through its trigger costs about eight times more than one
INSERT ... SELECT. While a row exists in search_index_pauses the insert trigger stands
aside; crm.contacts.search.insert_contacts adds that row inside the import's transaction
(which holds SQLite's only write lock), indexes the chunk itself, and removes the row.
PostgreSQL's trigram index needs none of this.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INSERT_TRIGGER = (
    "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts {when}BEGIN "
    "INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE search_index_pauses (id INTEGER PRIMARY KEY)")
    op.execute("DROP TRIGGER contacts_fts_insert")
    op.execute(INSERT_TRIGGER.format(when="WHEN NOT EXISTS (SELECT 1 FROM search_index_pauses) "))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER contacts_fts_insert")
    op.execute(INSERT_TRIGGER.format(when=""))
    op.execute("DROP TABLE search_index_pauses")
