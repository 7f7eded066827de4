"""accounts and contacts

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 18:30:33.997080
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('artist_name', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts'))
    )
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('label', 'management', 'agency', 'publisher', 'pr', 'media', 'playlist', 'other', name='companykind', native_enum=False, length=20), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_companies_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('account_id', 'key', name=op.f('uq_companies_account_id_key'))
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('tag', 'genre', name='tagkind', native_enum=False, length=10), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_tags_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('account_id', 'kind', 'key', name=op.f('uq_tags_account_id_kind_key'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('last_login_at', crm.db.UTC(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_users_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_account_id'), ['account_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_key', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('role', sa.Enum('ar', 'manager', 'booking_agent', 'label_exec', 'publicist', 'curator', 'press', 'producer', 'other', name='role', native_enum=False, length=20), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=120), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('instagram', sa.String(length=300), nullable=False),
    sa.Column('twitter', sa.String(length=300), nullable=False),
    sa.Column('tiktok', sa.String(length=300), nullable=False),
    sa.Column('linkedin', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('do_not_contact', sa.Boolean(), nullable=False),
    sa.Column('sort_name', sa.String(length=220), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('last_contacted_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contacts_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_contacts_company_id_companies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('account_id', 'email_key', name=op.f('uq_contacts_account_id_email_key'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_account_id_country', ['account_id', 'country'], unique=False)
        batch_op.create_index('ix_contacts_account_id_role', ['account_id', 'role'], unique=False)
        batch_op.create_index('ix_contacts_account_id_sort_name', ['account_id', 'sort_name'], unique=False)
        batch_op.create_index('ix_contacts_account_id_updated_at', ['account_id', 'updated_at'], unique=False)
        batch_op.create_index('ix_contacts_company_id', ['company_id'], unique=False)

    op.create_table('contact_tags',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_tags_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_contact_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'tag_id', name=op.f('pk_contact_tags'))
    )
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.create_index('ix_contact_tags_tag_id_contact_id', ['tag_id', 'contact_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_tags_tag_id_contact_id')

    op.drop_table('contact_tags')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_company_id')
        batch_op.drop_index('ix_contacts_account_id_updated_at')
        batch_op.drop_index('ix_contacts_account_id_sort_name')
        batch_op.drop_index('ix_contacts_account_id_role')
        batch_op.drop_index('ix_contacts_account_id_country')

    op.drop_table('contacts')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_account_id'))

    op.drop_table('users')
    op.drop_table('tags')
    op.drop_table('companies')
    op.drop_table('accounts')
