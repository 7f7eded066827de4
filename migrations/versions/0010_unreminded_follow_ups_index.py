"""The reminder pass finds open, unreminded follow-ups by due time without walking the
reminded ones that users leave open

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 22:23:35.218096
"""

from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(
            'ix_follow_ups_state_reminded_at_due_at', ['state', 'reminded_at', 'due_at'], unique=False
        )
        batch_op.drop_index('ix_follow_ups_state_due_at')


def downgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_state_due_at', ['state', 'due_at'], unique=False)
        batch_op.drop_index('ix_follow_ups_state_reminded_at_due_at')
