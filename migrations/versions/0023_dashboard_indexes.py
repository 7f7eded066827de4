"""Indexes for the dashboard and the board at 50,000 pitches: the board's newest pitches,
the reply rates by template, the follow-up emails going out, and one count of the pitches
by release, role and status (which replaces the count by role and status); and the
reminder pass's working set with the kind of follow-up in it

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 02:20:00
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_follow_ups_state_reminded_at_due_at", table_name="follow_ups")
    op.create_index(
        "ix_follow_ups_state_kind_reminded_at_due_at",
        "follow_ups",
        ["state", "kind", "reminded_at", "due_at"],
    )
    op.drop_index("ix_pitches_account_id_contact_role_status", table_name="pitches")
    op.create_index(
        "ix_pitches_account_id_release_id_contact_role_status",
        "pitches",
        ["account_id", "release_id", "contact_role", "status"],
    )
    op.create_index("ix_pitches_account_id_updated_at", "pitches", ["account_id", "updated_at"])
    op.create_index(
        "ix_pitches_account_id_template_id_status",
        "pitches",
        ["account_id", "template_id", "status"],
    )
    op.create_index(
        "ix_follow_ups_account_id_kind_state_due_at",
        "follow_ups",
        ["account_id", "kind", "state", "due_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_follow_ups_state_kind_reminded_at_due_at", table_name="follow_ups")
    op.create_index(
        "ix_follow_ups_state_reminded_at_due_at", "follow_ups", ["state", "reminded_at", "due_at"]
    )
    op.drop_index("ix_follow_ups_account_id_kind_state_due_at", table_name="follow_ups")
    op.drop_index("ix_pitches_account_id_template_id_status", table_name="pitches")
    op.drop_index("ix_pitches_account_id_updated_at", table_name="pitches")
    op.drop_index("ix_pitches_account_id_release_id_contact_role_status", table_name="pitches")
    op.create_index(
        "ix_pitches_account_id_contact_role_status",
        "pitches",
        ["account_id", "contact_role", "status"],
    )
