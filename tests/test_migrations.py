"""The schema comes only from migrations, and the migrations match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from crm.db import Base, alembic_config, include_in_compare


# SQLite cannot reflect the expression index; crm.db.NOT_REFLECTED leaves it out of the compare.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_in_compare}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


# SQLite's batch mode reflects the tables it rebuilds and their neighbours; the expression
# index cannot be reflected, which is expected and harmless there.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_go_down_and_up_again(database_url):
    from alembic import command

    config = alembic_config(database_url)
    command.downgrade(config, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert {"accounts", "users", "contacts", "companies"} <= set(inspect(engine).get_table_names())
    engine.dispose()
