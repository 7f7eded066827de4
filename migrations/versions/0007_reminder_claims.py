"""reminder claims

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 20:01:54.009628
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_digest_on', sa.Date(), nullable=True))

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_follow_ups_claim_token'), ['claim_token'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_claim_token'))
        batch_op.drop_column('claim_token')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('last_digest_on')

