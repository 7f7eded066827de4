"""Follow-ups that are emails: a kind and a template on each follow-up, and cadence steps
that say which follow-up of the cadence is which

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 14:24:06.569391
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cadence_steps', sa.JSON(), nullable=True))

    op.add_column('follow_ups', sa.Column('kind', sa.Enum('reminder', 'email', name='followupkind', native_enum=False, length=10), server_default='reminder', nullable=False))
    op.add_column('follow_ups', sa.Column('template_id', sa.Integer(), nullable=True))
    op.create_index('ix_follow_ups_kind_state_due_at', 'follow_ups', ['kind', 'state', 'due_at'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_follow_ups_kind_state_due_at', table_name='follow_ups')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('template_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('cadence_steps')

