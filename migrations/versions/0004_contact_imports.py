"""contact imports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 19:04:07.207961
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_import_mappings_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings'))
    )
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_mappings_account_id'), ['account_id'], unique=False)

    op.create_table('contact_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('pending', 'running', 'done', 'failed', 'undone', name='importstatus', native_enum=False, length=20), nullable=False),
    sa.Column('encoding', sa.String(length=30), nullable=False),
    sa.Column('delimiter', sa.String(length=2), nullable=False),
    sa.Column('header', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('finished_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('undone_at', crm.db.UTC(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contact_imports_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_imports_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_imports'))
    )
    with op.batch_alter_table('contact_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_imports_account_id'), ['account_id'], unique=False)

    op.create_table('import_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('created', 'updated', name='changeaction', native_enum=False, length=10), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_import_changes_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_id'], ['contact_imports.id'], name=op.f('fk_import_changes_import_id_contact_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_changes'))
    )
    with op.batch_alter_table('import_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_changes_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_changes_import_id'), ['import_id'], unique=False)

    op.create_table('import_row_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['contact_imports.id'], name=op.f('fk_import_row_errors_import_id_contact_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_row_errors'))
    )
    with op.batch_alter_table('import_row_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_row_errors_import_id'), ['import_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('import_row_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_row_errors_import_id'))

    op.drop_table('import_row_errors')
    with op.batch_alter_table('import_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_changes_import_id'))
        batch_op.drop_index(batch_op.f('ix_import_changes_contact_id'))

    op.drop_table('import_changes')
    with op.batch_alter_table('contact_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_imports_account_id'))

    op.drop_table('contact_imports')
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_mappings_account_id'))

    op.drop_table('import_mappings')
