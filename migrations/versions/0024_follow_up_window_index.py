"""The follow-ups' index by account, state and due time also holds the pitch's id, so the
pitch list's "follow-up due" filter counts its pitches from the index alone

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 15:55:00
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_ups") as batch_op:
        batch_op.drop_index("ix_follow_ups_account_id_state_due_at")
        batch_op.create_index(
            "ix_follow_ups_account_id_state_due_at_pitch_id",
            ["account_id", "state", "due_at", "pitch_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_ups") as batch_op:
        batch_op.drop_index("ix_follow_ups_account_id_state_due_at_pitch_id")
        batch_op.create_index(
            "ix_follow_ups_account_id_state_due_at", ["account_id", "state", "due_at"]
        )
