"""Further addresses per contact, and roles an import guessed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:06:24.400884
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contact_emails_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_emails_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_emails')),
    sa.UniqueConstraint('account_id', 'email_key', name=op.f('uq_contact_emails_account_id_email_key'))
    )
    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.create_index('ix_contact_emails_contact_id', ['contact_id'], unique=False)

    # A plain ADD COLUMN: no table rebuild on SQLite (the contact book may be large).
    op.add_column('contacts', sa.Column('role_inferred', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('contact_imports', sa.Column('default_role', sa.String(length=20), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('contact_imports', schema=None) as batch_op:
        batch_op.drop_column('default_role')
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild would lose the search triggers.
    op.drop_column('contacts', 'role_inferred')

    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_emails_contact_id')

    op.drop_table('contact_emails')
