"""Alembic environment: the URL comes from the `flask --app crm db` commands (or -x url=...)."""

from alembic import context

from crm.db import Base, include_in_compare, make_engine
from crm.models import *  # noqa: F401,F403  (every model, so autogenerate sees them)

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    # Batch mode lets the same migration alter tables on SQLite, which lacks ALTER COLUMN.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_in_compare,
    )
    with context.begin_transaction():
        context.run_migrations()
    # A migration may have rewritten a large table: the planner learns its new shape now.
    # (PRAGMA optimize analyses only the tables whose statistics have gone stale.)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA optimize")
    else:
        connection.exec_driver_sql("ANALYZE")
    connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
