"""Login sessions kept on the server, so that logging out really ends a login; dates out
of the range people mean (before 1900, after 2200) are brought into it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:50:00
"""

import sqlalchemy as sa
from alembic import op

from crm.db import UTC

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# (table, column, is a date) that a user or a file could set before the range was enforced.
DATED = [
    ('follow_ups', 'due_at', False),
    ('pitches', 'sent_at', False),
    ('pitches', 'replied_at', False),
    ('releases', 'release_date', True),
]


def upgrade() -> None:
    op.create_table(
        'login_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('user_agent', sa.String(length=300), nullable=False),
        sa.Column('ip_address', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC(), nullable=False),
        sa.Column('last_seen_at', UTC(), nullable=False),
        sa.Column('expires_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash')),
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_login_sessions_expires_at'), ['expires_at'], unique=False
        )

    # Repair: a stored year 1 or 9999 broke every page that showed it, and the reminder pass.
    # Such dates are moved to the nearest end of the range, where a person can see and fix them.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column, is_date in DATED:
        low, high = ('1900-01-01', '2200-12-31') if is_date else (
            '1900-01-01 00:00:00', '2200-12-31 23:59:59'
        )
        if sqlite:  # stored as ISO text: compare the text's year
            low_cond = f"substr({column}, 1, 4) < '1900'"
            high_cond = f"substr({column}, 1, 4) > '2200'"
            low_value = f"'{low}'" if is_date else f"'{low}.000000'"
            high_value = f"'{high}'" if is_date else f"'{high}.000000'"
        else:
            low_cond = f"{column} < '{low}'"
            high_cond = f"{column} > '{high}'"
            low_value = f"'{low}'" if is_date else f"'{low}+00'"
            high_value = f"'{high}'" if is_date else f"'{high}+00'"
        op.execute(f"UPDATE {table} SET {column} = {low_value} WHERE {low_cond}")
        op.execute(f"UPDATE {table} SET {column} = {high_value} WHERE {high_cond}")


def downgrade() -> None:
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))
    op.drop_table('login_sessions')
