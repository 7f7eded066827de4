"""Writing many rows at once (a 100,000-row import): the driver's executemany, and on
SQLite, secondary indexes built once after the load rather than row by row during it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    any_,
    bindparam,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import QueryableAttribute, Session

log = logging.getLogger("crm.bulk")

T = TypeVar("T")

# Below this many rows, maintaining the indexes row by row costs less than rebuilding them.
REBUILD_FROM_ROWS = 10_000
# From how many rows a PostgreSQL insert of insert_rows goes through COPY.
COPY_FROM_ROWS = 100
# SQLite's page cache during such a load, in KiB (as a negative number, as PRAGMA wants it).
LOAD_CACHE_SIZE = -16384
# From how many new rows a load is followed by fresh planner statistics.
ANALYZE_FROM_ROWS = 1_000
# SQLite's ANALYZE reads about this many rows of each index (enough for its planner).
SQLITE_ANALYSIS_LIMIT = 1_000


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple]
) -> None:
    """INSERT many rows, each a tuple of values for `columns`, each value through its
    column type's bind processor, as SQLAlchemy would: on SQLite through the driver's
    executemany (SQLAlchemy's own costs more per row than SQLite's insert, and an import
    writes 100,000), on PostgreSQL through COPY when there are many (psycopg's executemany
    is a round of statements; COPY streams the rows, the least work PostgreSQL has)."""
    if not rows:
        return
    name = connection.dialect.name
    if name == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        _copy(connection, table, columns, _bound(connection, table, columns, rows))
        return
    if name != "sqlite":
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    rows = _bound(connection, table, columns, rows)
    placeholders = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", rows
    )


def insert_returning(session: Session, entity: type[T], rows: list[dict]) -> Sequence[T]:
    """Insert many rows of a mapped class (dicts with the same keys) and give back the new
    objects, in one statement. On PostgreSQL the rows go as one array a column
    (`INSERT ... SELECT * FROM unnest(...) RETURNING`): a multi-row VALUES list of
    thousands of parameters is parsed by psycopg in Python on every call (it caches only
    statements of at most 50), the array statement is short and the same every time.
    Elsewhere, the ORM's own multi-row insert."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        return session.scalars(insert(entity).returning(entity), rows).all()
    table = entity.__table__  # type: ignore[attr-defined]
    columns = list(rows[0])
    arrays = [
        bindparam(None, [row[name] for row in rows], type_=ARRAY(table.c[name].type))
        for name in columns
    ]
    source: Select[Any] = select(literal_column("*")).select_from(func.unnest(*arrays))
    return session.scalars(insert(entity).from_select(columns, source).returning(entity)).all()


def with_defaults(table: Table, rows: list[dict]) -> tuple[list[str], list[tuple]] | None:
    """Rows given as dicts with the same keys, as columns and tuples for insert_rows, the
    columns they leave out given their Python-side defaults as SQLAlchemy's insert() would
    (a server default is the server's to fill). None when a default is SQL to work out."""
    given = list(rows[0])
    # (name, its ColumnDefault): typed loosely, as `arg` is on the scalar and callable kinds
    left_out: list[tuple[str, Any]] = [
        (c.name, c.default) for c in table.columns if c.name not in given and c.default is not None
    ]
    if any(not (default.is_scalar or default.is_callable) for _name, default in left_out):
        return None
    defaults = tuple(
        default.arg if default.is_scalar else default.arg(None) for _name, default in left_out
    )
    columns = [*given, *(name for name, _default in left_out)]
    return columns, [(*row.values(), *defaults) for row in rows]


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, known before the insert, so that one
    executemany or COPY without RETURNING (which SQLite can only do a row at a time)
    writes them all. On SQLite the caller's transaction must already hold the write lock
    (it has written something), so that nobody takes these ids before its insert."""
    if connection.dialect.name == "postgresql":
        return list(
            connection.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id'))"
                    " FROM generate_series(1, :count)"
                ),
                {"table": table.name, "count": count},
            )
        )
    start = connection.scalar(select(func.max(table.c.id))) or 0
    return list(range(start + 1, start + count + 1))


def _copy(connection: Connection, table: Table, columns: Sequence[str], rows: list) -> None:
    """COPY the rows in, on the session's own connection (so in its transaction)."""
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.dbapi_connection
    assert raw is not None  # a connection in use has its driver connection
    cursor = raw.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _bound(connection: Connection, table: Table, columns: Sequence[str], rows: list) -> list:
    """The rows with each value as the driver takes it (enums by value, UTC times, JSON)."""
    dialect = connection.dialect
    # The dialect's own form of each type: SQLite's DATETIME writes the text the ORM writes.
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    if any(processors):
        # Column by column: a column's values repeat (a timestamp, a role, a flag), so each
        # distinct value goes through its processor once.
        values = list(zip(*rows, strict=True))
        for index, processor in enumerate(processors):
            if processor is not None:
                values[index] = _processed(processor, values[index])
        rows = list(zip(*values, strict=True))
    return rows


def _processed(processor, column: tuple) -> list:
    try:
        distinct = {value: processor(value) for value in set(column)}
    except TypeError:  # unhashable values (JSON documents)
        return list(map(processor, column))
    return list(map(distinct.__getitem__, column))


def loads_in_bulk(connection: Connection, new_rows: int) -> bool:
    """Is a load of this many rows large enough for SQLite's bulk-load measures?"""
    return connection.dialect.name == "sqlite" and new_rows >= REBUILD_FROM_ROWS


@contextmanager
def bulk_load(connection: Connection, tables: Iterable[str], new_rows: int) -> Iterator[None]:
    """Around a load of about `new_rows` rows on SQLite: drop the secondary indexes of each
    of `tables` that holds fewer rows than that, and create them again after the load.

    One sort per index beats inserting every row into eight B-trees in random order (for
    100,000 contacts, 0.4 s against 3.6 s); and as the load then mostly appends, a smaller
    page cache serves it, which keeps the process's memory down. The caller's transaction
    already holds the database's write lock (or takes it here), readers keep seeing the
    indexes of the last commit, and an error rolls the drop back with the rest of the load
    (the caller rolls back on error). Unique indexes stay: they are rules, not speed-ups.
    Other databases keep their indexes (on PostgreSQL, DROP INDEX would lock every reader
    out of the table for the whole load)."""
    if not loads_in_bulk(connection, new_rows):
        yield
        return
    if not connection.connection.dbapi_connection.in_transaction:
        # pysqlite opens a transaction only on a write: without one, the drop below would
        # be committed at once, and stay dropped if the load failed.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    dropped: list[str] = []
    for table in tables:
        if connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() > new_rows:
            continue
        for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
            (table,),
        ).all():
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
            dropped.append(sql)
    cache_size = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = {LOAD_CACHE_SIZE}")
    try:
        yield
        for sql in dropped:
            connection.exec_driver_sql(sql)
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache_size)}")


def refresh_statistics(connection: Connection, tables: Iterable[str], new_rows: int) -> None:
    """After a load of `new_rows` rows into `tables`: fresh statistics for the planner, so
    that the next page is planned for the 100,000 contacts that are now there, not for the
    empty table that was (PostgreSQL's autovacuum gets there only later; SQLite never does
    by itself). On PostgreSQL, ANALYZE in the load's own transaction samples its rows and
    is undone with it; SQLite's is bounded by `analysis_limit`."""
    if new_rows < ANALYZE_FROM_ROWS:
        return
    names = ", ".join(f'"{table}"' for table in tables)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        for table in tables:
            connection.exec_driver_sql(f'ANALYZE "{table}"')
        return
    connection.exec_driver_sql(f"ANALYZE {names}")


VACUUM_AFTER_COMMIT = "crm.vacuum_after_commit"  # session.info: tables to vacuum once committed


def vacuum_after_commit(session: Session, tables: Iterable[str], new_rows: int) -> None:
    """After a load of `new_rows` rows on PostgreSQL: VACUUM the tables once the load is
    committed (it cannot run inside a transaction). It sets the visibility map, without
    which an index-only scan still reads each row's page: a list page walked 7,000
    contacts' heap pages (43 ms) for what the index alone answers after it (11 ms).
    Autovacuum gets there in its own time, or never where it is switched off."""
    if new_rows >= ANALYZE_FROM_ROWS and session.get_bind().dialect.name == "postgresql":
        session.info.setdefault(VACUUM_AFTER_COMMIT, set()).update(tables)


@event.listens_for(Session, "after_commit")
def _vacuum(session: Session) -> None:
    tables = session.info.pop(VACUUM_AFTER_COMMIT, None)
    if not tables:
        return
    names = ", ".join(f'"{table}"' for table in sorted(tables))
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {names}")
    except DBAPIError:  # the load is committed: a VACUUM that fails is autovacuum's to do
        log.warning("VACUUM %s after a load failed", names, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_vacuum(session: Session) -> None:
    session.info.pop(VACUUM_AFTER_COMMIT, None)


class FreshStatistics:
    """Statistics kept up with a large load while it runs, on PostgreSQL: the load's own
    look-ups (who has this chunk's addresses) were otherwise planned for the empty table it
    started from, and walked every row written so far for each of them (20,000 rows in,
    160 ms a query). ANALYZE each time the rows written have grown fourfold: a handful
    per load. SQLite plans those look-ups by the unique index without statistics."""

    def __init__(self, connection: Connection, tables: Iterable[str]):
        self.connection, self.tables = connection, tuple(tables)
        self.next_at = ANALYZE_FROM_ROWS

    def written(self, rows: int) -> None:
        """`rows` have been written so far."""
        if rows < self.next_at or self.connection.dialect.name != "postgresql":
            return
        refresh_statistics(self.connection, self.tables, rows)
        self.next_at = rows * 4


IN_LIST = 500  # values an IN (...) takes at once: well within both engines' limits
# Values one `= ANY(array)` takes at once on PostgreSQL (one parameter however many).
ARRAY_LIST = 10_000


def in_batches(session: Session, values: Iterable) -> Iterator[list]:
    """`values` (sorted, each once, empty ones left out) in lists that `among` takes."""
    wanted = sorted({value for value in values if value})
    size = ARRAY_LIST if session.get_bind().dialect.name == "postgresql" else IN_LIST
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


def among(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], values: list
) -> ColumnElement[bool]:
    """`column IN (values)`, in the form each engine takes best. On PostgreSQL, one array
    parameter (`= ANY(:values)`): a statement of a few hundred parameters is past psycopg's
    statement cache (50), so it is parsed in Python anew each time, which cost an import
    of 100,000 contacts a tenth of its time; an array keeps the statement short and the
    same. SQLite has no arrays: an IN list of at most IN_LIST values (see in_batches)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def which_of(session: Session, values: Iterable, *queries: Callable[[list], Select]) -> set:
    """Which of `values` the queries find (each given a batch of them, selecting the
    values it finds, with `among`): one question for a whole batch (an inbox's senders,
    say) rather than one a value."""
    found: set = set()
    for batch in in_batches(session, values):
        for query in queries:
            found.update(session.scalars(query(batch)))
    return found
