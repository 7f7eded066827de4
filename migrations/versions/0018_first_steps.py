"""The dashboard's first-steps checklist: when reminders were set, and whether it is hidden

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 20:00:00
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: no table rebuild on SQLite.
    op.add_column("accounts", sa.Column("reminders_set_at", crm.db.UTC(timezone=True), nullable=True))
    op.add_column(
        "accounts",
        sa.Column("first_steps_hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("first_steps_hidden")
        batch_op.drop_column("reminders_set_at")
