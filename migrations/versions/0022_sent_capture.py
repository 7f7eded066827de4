"""The artist's own sent mail: a setting, and where the last read of the Sent folder stopped

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.add_column(
            sa.Column("capture_sent", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("sent_uidvalidity", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("sent_last_uid", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.drop_column("sent_last_uid")
        batch.drop_column("sent_uidvalidity")
        batch.drop_column("capture_sent")
