"""Index-backed word-start search over contacts' folded `search_text`.

Every word of the query must start a word of the contact's search text (name, addresses,
company, title, city, country, notes, tags, genres): "ber" finds Berlin and Bernd, never
"Gerber"; "ravi schneider" finds Ravi Schneider, not Elena Schneider of Gravity Records.
Accents and case do not count (both sides are folded, see crm.text.search_words).

SQLite answers through an FTS5 table with the unicode61 tokenizer and prefix indexes for
one to three letters (`contacts_fts`, kept in step by triggers, migration 0017): each word
is a prefix query. PostgreSQL answers through a pg_trgm GIN index that serves
`search_text LIKE '% word%'` (the search text holds a space before every word). One SQL
construct, compiled per dialect, keeps the service code free of dialect checks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, and_, bindparam, case, literal
from sqlalchemy import text as sql_text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import Boolean

from crm.bulk import insert_rows, loads_in_bulk
from crm.models import Contact
from crm.text import fold, search_terms, search_words

FTS5_AUTOMERGE = 4  # FTS5's default
# Up to this many matches, a search is found from its matches: measured on 100,000 contacts,
# 3,000 matches take 13 ms that way and 21 ms the other; 24,000 take 59 against 30.
FEW_MATCHES = 5000


class ContactTextMatch(ColumnElement[bool]):
    """True for contacts whose search text has a word starting with each word of `query`."""

    inherit_cache = False
    type = Boolean()
    # A condition in its own right: without this, SQLite gets "(id IN (...)) = 1", which
    # hides the IN from the planner, so it cannot look the matches up by id.
    _is_implicitly_boolean = True

    def __init__(self, column, query: str):
        self.column = column
        self.terms = search_terms(query)


def _fts_match(terms: list[tuple[str, bool]]) -> str:
    """Each term as an FTS5 phrase (a prefix phrase where its last word may go on), all
    required. A term holds only letters, digits and spaces: nothing in it needs quoting."""
    return " AND ".join(f'"{words}"' + ("*" if open_end else "") for words, open_end in terms)


def _like(words: str, open_end: bool) -> str:
    """A LIKE pattern for the term's words in a row in the search text, from a word start
    (nothing in a term needs escaping: letters, digits and spaces)."""
    return f"% {words}%" if open_end else f"% {words} %"


@compiles(ContactTextMatch)
def _compile_default(element: ContactTextMatch, compiler, **kw) -> str:
    if not element.terms:
        return "1 = 0"  # nothing searchable typed (only punctuation): nothing matches
    likes = and_(*(element.column.like(_like(*term)) for term in element.terms))
    return compiler.process(likes, **kw)


@compiles(ContactTextMatch, "sqlite")
def _compile_sqlite(element: ContactTextMatch, compiler, **kw) -> str:
    if not element.terms:
        return "1 = 0"  # nothing searchable typed (only punctuation): nothing matches
    table = element.column.table.name
    param = compiler.process(bindparam(None, _fts_match(element.terms), unique=True), **kw)
    return (
        f"{compiler.process(element.column.table.c.id, **kw)} IN "
        f"(SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH {param})"
    )


def best_first(query: str) -> ColumnElement[int]:
    """An order for search results: 0 for the contact whose address is the query, or whose
    name is or starts with it (first name first, or last name first); 1 for the rest."""
    words = search_words(query)
    if not words:
        return literal(1)
    typed = " ".join(words)
    return case(
        (Contact.email_key == fold(query.strip()), 0),
        (Contact.search_text.startswith(" " + typed, autoescape=True), 0),
        (Contact.sort_name.startswith(typed, autoescape=True), 0),
        else_=1,
    )


def matches_few(session: Session, query: str) -> bool:
    """Does the search index match few contacts (of any account) for this query? Then the
    contact list is best found from the matches (looked up by id) rather than by walking
    the account's contacts in list order and testing each: for a name, 2 ms against 20."""
    if session.bind.dialect.name != "sqlite":
        return False  # PostgreSQL plans with statistics
    terms = search_terms(query)
    if not terms:
        return False
    found = session.scalar(
        sql_text(
            "SELECT count(*) FROM (SELECT rowid FROM contacts_fts "
            "WHERE contacts_fts MATCH :match LIMIT :limit)"
        ),
        {"match": _fts_match(terms), "limit": FEW_MATCHES},
    )
    return found < FEW_MATCHES


@contextmanager
def search_index_loading(connection: Connection, new_rows: int) -> Iterator[None]:
    """Around a large load on SQLite: FTS5 stops merging its index segments after every
    chunk (automerge 0) and takes it up again afterwards. Filling the index of 100,000
    contacts takes a third less time, and searches are as fast: FTS5 still merges a level
    that reaches 16 segments (crisismerge)."""
    if not loads_in_bulk(connection, new_rows):
        yield
        return
    configure = "INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('automerge', ?)"
    connection.exec_driver_sql(configure, (0,))
    yield
    connection.exec_driver_sql(configure, (FTS5_AUTOMERGE,))


def insert_contacts(connection: Connection, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert many contacts (tuples of values for `columns`, among them `id`), keeping the
    search index in step.

    On SQLite the per-row trigger is paused and the chunk indexed in one statement (see
    migration 0005); the caller's transaction must already hold the write lock, which it
    does once it has written anything."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        insert_rows(connection, Contact.__table__, columns, rows)
        return
    ids = [row[columns.index("id")] for row in rows]
    connection.exec_driver_sql("INSERT INTO search_index_pauses (id) VALUES (1)")
    try:
        insert_rows(connection, Contact.__table__, columns, rows)
        connection.execute(
            sql_text(
                "INSERT INTO contacts_fts(rowid, search_text) "
                "SELECT id, search_text FROM contacts WHERE id BETWEEN :first AND :last"
            ),
            {"first": min(ids), "last": max(ids)},
        )
    finally:
        connection.exec_driver_sql("DELETE FROM search_index_pauses")
