"""Dashboard indexes, and the contact's role kept on each pitch

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 20:17:52.197472
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_account_id_reminder_attempts', ['account_id', 'reminder_attempts'], unique=False)

    with op.batch_alter_table('pitches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_role', sa.Enum('ar', 'manager', 'booking_agent', 'label_exec', 'publicist', 'curator', 'press', 'producer', 'other', name='role', native_enum=False, length=20), nullable=True))
        batch_op.drop_index(batch_op.f('ix_pitches_account_id_release_id'))
        batch_op.create_index('ix_pitches_account_id_contact_role_status', ['account_id', 'contact_role', 'status'], unique=False)
        batch_op.create_index('ix_pitches_account_id_release_id_status', ['account_id', 'release_id', 'status'], unique=False)

    # Pitches made so far take their contact's current role.
    op.execute(
        "UPDATE pitches SET contact_role = "
        "(SELECT contacts.role FROM contacts WHERE contacts.id = pitches.contact_id)"
    )



def downgrade() -> None:
    with op.batch_alter_table('pitches', schema=None) as batch_op:
        batch_op.drop_index('ix_pitches_account_id_release_id_status')
        batch_op.drop_index('ix_pitches_account_id_contact_role_status')
        batch_op.create_index(batch_op.f('ix_pitches_account_id_release_id'), ['account_id', 'release_id'], unique=False)
        batch_op.drop_column('contact_role')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_account_id_reminder_attempts')

