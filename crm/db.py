"""The database: engine, one session per request (or CLI command), the declarative Base,
and the `flask --app crm db ...` commands that apply Alembic migrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, cast

import click
from flask import Flask, current_app, g
from flask.cli import AppGroup
from sqlalchemy import Connection, DateTime, Engine, MetaData, Table, Update, create_engine, event
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTC(TypeDecorator):
    """Timestamps are stored in UTC; SQLite forgets the zone, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given for a UTC column")
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


intpk = Annotated[int, mapped_column(primary_key=True)]
created_at = Annotated[dt.datetime, mapped_column(UTC, default=utcnow, nullable=False)]
updated_at = Annotated[
    dt.datetime, mapped_column(UTC, default=utcnow, onupdate=utcnow, nullable=False)
]


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def make_engine(url: str) -> Engine:
    """An engine with SQLite tuned for a web app: WAL, a busy timeout, foreign keys on."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, connect_args=_postgres_settings(parsed))
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # pysqlite's own transaction handling is left on; these are per-connection settings.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MB of page cache (the default is 2 MB): a 100,000-row import updates eight
        # indexes in random order, and thrashes a small cache.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    return engine


def _postgres_settings(url) -> dict:
    """The planner told that reading a page at random costs little more than reading it in
    order (1.1, not the default 4, which is for spinning disks): a team's contact book sits
    in memory or on SSD. With 4, a search matching a few thousand of 100,000 contacts was
    planned as a scan of every row's search text (160 ms) instead of the trigram index
    (26 ms). And no parallel workers for one query: a page's queries read an index range
    each, and starting workers cost more than they saved (on 2 cores at 1,000,000
    contacts, the first page of the list took 21 ms with them, 12 ms without; a rare
    label's page 72 against 40). A DATABASE_URL that sets its own `options` keeps them."""
    if url.get_backend_name() != "postgresql" or "options" in url.query:
        return {}
    return {"options": "-c random_page_cost=1.1 -c max_parallel_workers_per_gather=0"}


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["crm.db"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.cli.add_command(db_cli)


def get_session() -> Session:
    """The session of the current request or CLI command, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["crm.db"]()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        # Anything not committed by the view is rolled back: a failed request writes nothing.
        session.rollback()
        session.close()


def table_of(model: Any) -> Table:
    """A model's Table (SQLAlchemy types `__table__` as any FromClause)."""
    return model.__table__


def rows_changed(result: Result) -> int:
    """How many rows an UPDATE or DELETE matched (a claim that won, a login that ended)."""
    return cast(CursorResult, result).rowcount


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """The unit of work of a view, command or job: commit on success, roll back on error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def engine_of(session: Session) -> Engine:
    """The engine behind a session, for work on a connection of its own."""
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def touch(session: Session, statement: Update) -> None:
    """Record a use (a session's last request, a token's last call) on a connection of its
    own, committed at once: a page that only reads commits nothing, and a busy database
    must not turn a read into an error, so a touch that cannot be written is skipped."""
    try:
        with engine_of(session).connect() as connection, connection.begin():
            waits = None
            if connection.dialect.name == "sqlite":
                # Wait a moment for a busy database, not the 15 s a save waits; then give
                # the pooled connection back with the timeout it had.
                waits = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
                connection.exec_driver_sql("PRAGMA busy_timeout=200")
            try:
                connection.execute(statement)
            finally:
                if waits is not None:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(waits)}")
    except OperationalError:
        pass


# --- migrations -------------------------------------------------------------------------

# Schema objects that migrations create but SQLAlchemy cannot reflect (virtual tables, their
# shadow tables, expression and operator-class indexes): left out of model/database compares.
NOT_REFLECTED = (
    "contacts_fts",
    "search_index_pauses",
    "ix_contacts_search_trgm",
    "ix_contacts_account_id_company_order",
)


def include_in_compare(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's include_object hook: skip what crm.db.NOT_REFLECTED lists."""
    return not (name and name.startswith(NOT_REFLECTED))


def alembic_config(url: str):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> list[str]:
    """Apply the migrations up to `revision`; returns the ones applied, oldest first, as
    "revision: message" lines."""
    from alembic import command
    from alembic.script import ScriptDirectory

    before = current_revision(url)  # also creates the SQLite file's folder when needed
    cfg = alembic_config(url)
    command.upgrade(cfg, revision)
    after = current_revision(url)
    if after == before:
        return []
    scripts = ScriptDirectory.from_config(cfg)
    applied = list(scripts.iterate_revisions(after, before))
    return [f"{s.revision}: {s.doc}" for s in reversed(applied)]


db_cli = AppGroup("db", help="Database schema (Alembic migrations in migrations/).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    applied = upgrade(current_app.config["DATABASE_URL"], revision)
    for line in applied:
        click.echo(f"Applied {line}")
    click.echo(
        f"Database is up to date ({len(applied)} migration{'s' if len(applied) != 1 else ''}"
        " applied)."
        if applied
        else "Database is up to date (nothing to apply)."
    )


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Step the schema back to REVISION (e.g. -1 or base)."""
    from alembic import command

    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_cli.command("current")
def current_command() -> None:
    """Show the revision the database is at."""
    from alembic import command

    command.current(alembic_config(current_app.config["DATABASE_URL"]))


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True
    )
