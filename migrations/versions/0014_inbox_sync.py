"""Reading the artist's inbox: where each mailbox's last sync stopped, and its claim

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 14:43:23.301006
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inbox_uidvalidity', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('inbox_last_uid', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sync_claimed_until', crm.db.UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sync_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_sync_at', crm.db.UTC(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.drop_column('next_sync_at')
        batch_op.drop_column('sync_failures')
        batch_op.drop_column('sync_claimed_until')
        batch_op.drop_column('inbox_last_uid')
        batch_op.drop_column('inbox_uidvalidity')

