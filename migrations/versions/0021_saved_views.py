"""Saved views of the contact list

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 20:40:00
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", crm.db.UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_saved_views_account_id_accounts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    op.create_index("ix_saved_views_account_id", "saved_views", ["account_id"])


def downgrade() -> None:
    op.drop_table("saved_views")
