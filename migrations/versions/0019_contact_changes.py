"""Bulk changes to contacts, journaled so each can be undone

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 20:10:00
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", crm.db.UTC(timezone=True), nullable=False),
        sa.Column("undone_at", crm.db.UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_contact_changes_account_id_accounts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_contact_changes_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_changes")),
    )
    op.create_index("ix_contact_changes_account_id", "contact_changes", ["account_id"])
    op.create_table(
        "contact_change_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["change_id"], ["contact_changes.id"], name=op.f("fk_contact_change_items_change_id_contact_changes"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_change_items")),
    )
    op.create_index("ix_contact_change_items_change_id", "contact_change_items", ["change_id"])


def downgrade() -> None:
    op.drop_table("contact_change_items")
    op.drop_table("contact_changes")
