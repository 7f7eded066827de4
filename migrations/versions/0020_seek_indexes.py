"""The contact list's sort indexes end in the id, so a page is found by seeking

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 20:30:00

SQLite's indexes already end in the rowid (the id); PostgreSQL's did not, so ORDER BY
sort_name, id re-sorted every page and a seek to (sort_name, id) could not be one range.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_contacts_account_id_sort_name": ["account_id", "sort_name"],
    "ix_contacts_account_id_updated_at": ["account_id", "updated_at"],
    "ix_contacts_account_id_company_order": [
        "account_id", sa.text("(company_key IS NULL)"), "company_key", "sort_name",
    ],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="contacts")
        op.create_index(name, "contacts", [*columns, "id"])


def downgrade() -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="contacts")
        op.create_index(name, "contacts", columns)
