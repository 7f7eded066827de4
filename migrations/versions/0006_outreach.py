"""Outreach: releases, templates, pitches, follow-ups; cadence and reminder settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:40:38.393571
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('email_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('purpose', sa.Enum('ar_query', 'manager_query', 'booking_inquiry', 'playlist_pitch', 'press_pitch', 'follow_up', 'thank_you', 'other', name='templatepurpose', native_enum=False, length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('archived_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_email_templates_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_templates'))
    )
    with op.batch_alter_table('email_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_templates_account_id'), ['account_id'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('artist_name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('single', 'ep', 'album', 'tour', 'show', name='releasekind', native_enum=False, length=10), nullable=False),
    sa.Column('release_date', sa.Date(), nullable=True),
    sa.Column('stream_url', sa.String(length=500), nullable=False),
    sa.Column('epk_url', sa.String(length=500), nullable=False),
    sa.Column('isrc', sa.String(length=12), nullable=False),
    sa.Column('upc', sa.String(length=13), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_releases_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases'))
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_account_id'), ['account_id'], unique=False)

    op.create_table('pitches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'sent', 'replied', 'interested', 'won', 'declined', 'no_response', name='pitchstatus', native_enum=False, length=20), nullable=False),
    sa.Column('channel', sa.Enum('email', 'dm', 'form', 'in_person', name='channel', native_enum=False, length=12), nullable=False),
    sa.Column('sent_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('replied_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('cadence_days', sa.JSON(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_pitches_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_pitches_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_pitches_release_id_releases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['email_templates.id'], name=op.f('fk_pitches_template_id_email_templates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pitches'))
    )
    with op.batch_alter_table('pitches', schema=None) as batch_op:
        batch_op.create_index('ix_pitches_account_id_release_id', ['account_id', 'release_id'], unique=False)
        batch_op.create_index('ix_pitches_account_id_status', ['account_id', 'status'], unique=False)
        batch_op.create_index('ix_pitches_contact_id', ['contact_id'], unique=False)
        batch_op.create_index('ix_pitches_template_id', ['template_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('pitch_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('due_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('open', 'done', 'skipped', 'cancelled', name='followupstate', native_enum=False, length=10), nullable=False),
    sa.Column('state_reason', sa.String(length=200), nullable=False),
    sa.Column('completed_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('reminded_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('claimed_until', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('reminder_attempts', sa.Integer(), nullable=False),
    sa.Column('reminder_error', sa.Text(), nullable=False),
    sa.Column('next_attempt_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_follow_ups_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pitch_id'], ['pitches.id'], name=op.f('fk_follow_ups_pitch_id_pitches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_account_id_state_due_at', ['account_id', 'state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_pitch_id'), ['pitch_id'], unique=False)
        batch_op.create_index('ix_follow_ups_state_due_at', ['state', 'due_at'], unique=False)

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cadence_days', sa.JSON(), nullable=False, server_default='[7, 14]'))
        batch_op.add_column(sa.Column('reminders_enabled', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('digest_enabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('digest_hour', sa.Integer(), nullable=False, server_default='8'))
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('calendar_token')
        batch_op.drop_column('digest_hour')
        batch_op.drop_column('digest_enabled')
        batch_op.drop_column('reminders_enabled')
        batch_op.drop_column('cadence_days')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_state_due_at')
        batch_op.drop_index(batch_op.f('ix_follow_ups_pitch_id'))
        batch_op.drop_index('ix_follow_ups_account_id_state_due_at')

    op.drop_table('follow_ups')
    with op.batch_alter_table('pitches', schema=None) as batch_op:
        batch_op.drop_index('ix_pitches_template_id')
        batch_op.drop_index('ix_pitches_contact_id')
        batch_op.drop_index('ix_pitches_account_id_status')
        batch_op.drop_index('ix_pitches_account_id_release_id')

    op.drop_table('pitches')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_account_id'))

    op.drop_table('releases')
    with op.batch_alter_table('email_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_templates_account_id'))

    op.drop_table('email_templates')
