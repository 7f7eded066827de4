"""Dated notes on contacts, shown in the contact's timeline

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 22:21:04.712754
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('pitch_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contact_notes_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_contact_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_notes_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pitch_id'], ['pitches.id'], name=op.f('fk_contact_notes_pitch_id_pitches'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_notes'))
    )
    with op.batch_alter_table('contact_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_notes_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_contact_notes_contact_id_created_at', ['contact_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_notes_pitch_id'), ['pitch_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contact_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_notes_pitch_id'))
        batch_op.drop_index('ix_contact_notes_contact_id_created_at')
        batch_op.drop_index(batch_op.f('ix_contact_notes_account_id'))

    op.drop_table('contact_notes')
