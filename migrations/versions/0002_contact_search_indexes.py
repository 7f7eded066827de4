"""Index-backed contact search, sort by company, and the never-contacted filter

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 18:50:00

SQLite gets an FTS5 trigram table over contacts.search_text, kept in step by triggers;
PostgreSQL a pg_trgm GIN index, which serves LIKE '%word%'. Both answer the contact
search of crm.contacts.search without scanning every contact.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE contacts_fts USING fts5("
    "search_text, content='contacts', content_rowid='id', tokenize='trigram')",
    "INSERT INTO contacts_fts(rowid, search_text) SELECT id, search_text FROM contacts",
    "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN "
    "INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN "
    "INSERT INTO contacts_fts(contacts_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts BEGIN "
    "INSERT INTO contacts_fts(contacts_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS contacts_fts_update",
    "DROP TRIGGER IF EXISTS contacts_fts_delete",
    "DROP TRIGGER IF EXISTS contacts_fts_insert",
    "DROP TABLE IF EXISTS contacts_fts",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_contacts_search_trgm ON contacts USING gin (search_text gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_contacts_search_trgm"]


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_key", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE contacts SET company_key = "
        "(SELECT companies.key FROM companies WHERE companies.id = contacts.company_id)"
    )
    op.create_index(
        "ix_contacts_account_id_company_order",
        "contacts",
        ["account_id", sa.text("(company_key IS NULL)"), "company_key", "sort_name"],
    )
    op.create_index(
        "ix_contacts_account_id_last_contacted_at",
        "contacts",
        ["account_id", "last_contacted_at"],
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
    op.drop_index("ix_contacts_account_id_last_contacted_at", table_name="contacts")
    op.drop_index("ix_contacts_account_id_company_order", table_name="contacts")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("company_key")
