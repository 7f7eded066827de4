"""The artist's mailbox: connected mailboxes (password encrypted), pitches that are
scheduled and sent from it, each pitch's thread of messages, bounced contact addresses

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:03:55.827238
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('smtp_host', sa.String(length=255), nullable=False),
    sa.Column('smtp_port', sa.Integer(), nullable=False),
    sa.Column('smtp_security', sa.Enum('ssl', 'starttls', 'none', name='security', native_enum=False, length=10), nullable=False),
    sa.Column('imap_host', sa.String(length=255), nullable=False),
    sa.Column('imap_port', sa.Integer(), nullable=False),
    sa.Column('imap_security', sa.Enum('ssl', 'starttls', 'none', name='security', native_enum=False, length=10), nullable=False),
    sa.Column('username', sa.String(length=254), nullable=False),
    sa.Column('password_encrypted', sa.Text(), nullable=False),
    sa.Column('daily_limit', sa.Integer(), nullable=False),
    sa.Column('send_window', sa.JSON(), nullable=False),
    sa.Column('min_gap_seconds', sa.Integer(), nullable=False),
    sa.Column('next_send_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('paused_reason', sa.Text(), nullable=False),
    sa.Column('last_sync_at', crm.db.UTC(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_mailboxes_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mailboxes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailboxes')),
    sa.UniqueConstraint('user_id', name=op.f('uq_mailboxes_user_id'))
    )
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailboxes_account_id'), ['account_id'], unique=False)

    op.create_table('pitch_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('pitch_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('out', 'in', name='direction', native_enum=False, length=4), nullable=False),
    sa.Column('kind', sa.Enum('pitch', 'follow_up', 'reply', 'auto_reply', 'bounce', name='messagekind', native_enum=False, length=12), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('at', crm.db.UTC(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_pitch_messages_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pitch_id'], ['pitches.id'], name=op.f('fk_pitch_messages_pitch_id_pitches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pitch_messages'))
    )
    with op.batch_alter_table('pitch_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pitch_messages_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pitch_messages_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_pitch_messages_pitch_id_at', ['pitch_id', 'at'], unique=False)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_status', sa.Enum('ok', 'bounced', name='emailstatus', native_enum=False, length=10), server_default='ok', nullable=False))

    with op.batch_alter_table('pitches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_at', crm.db.UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('delivery_error', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('send_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('send_claim', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('send_claimed_until', crm.db.UTC(timezone=True), nullable=True))
        batch_op.create_index('ix_pitches_message_id', ['message_id'], unique=False)
        batch_op.create_index('ix_pitches_status_send_at', ['status', 'send_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pitches', schema=None) as batch_op:
        batch_op.drop_index('ix_pitches_status_send_at')
        batch_op.drop_index('ix_pitches_message_id')
        batch_op.drop_column('send_claimed_until')
        batch_op.drop_column('send_claim')
        batch_op.drop_column('send_attempts')
        batch_op.drop_column('delivery_error')
        batch_op.drop_column('message_id')
        batch_op.drop_column('send_at')

    # Not in batch mode: rebuilding contacts on SQLite would drop its search triggers.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE contacts DROP COLUMN email_status')
    else:
        op.drop_column('contacts', 'email_status')

    with op.batch_alter_table('pitch_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_pitch_messages_pitch_id_at')
        batch_op.drop_index(batch_op.f('ix_pitch_messages_message_id'))
        batch_op.drop_index(batch_op.f('ix_pitch_messages_account_id'))

    op.drop_table('pitch_messages')
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailboxes_account_id'))

    op.drop_table('mailboxes')
