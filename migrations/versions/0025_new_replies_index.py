"""The dashboard's newest replies come from an index of the account's messages by
direction and time, not from sorting every message of the account on each load (an
account that sends from its mailbox keeps one a pitch, and one an answer)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 20:20:00
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pitch_messages") as batch_op:
        batch_op.drop_index("ix_pitch_messages_account_id")
        batch_op.create_index(
            "ix_pitch_messages_account_id_direction_at", ["account_id", "direction", "at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("pitch_messages") as batch_op:
        batch_op.drop_index("ix_pitch_messages_account_id_direction_at")
        batch_op.create_index("ix_pitch_messages_account_id", ["account_id"])
