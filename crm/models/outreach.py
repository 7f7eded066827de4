"""Outreach: releases being pitched, query-email templates, pitches and their follow-ups."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import UTC, Base, created_at, intpk, updated_at
from crm.models.accounts import User
from crm.models.contacts import Contact, Role, _str_enum
from crm.models.mailbox import PitchMessage


class ReleaseKind(enum.StrEnum):
    SINGLE = "single"
    EP = "ep"
    ALBUM = "album"
    TOUR = "tour"
    SHOW = "show"

    @property
    def label(self) -> str:
        return {"ep": "EP"}.get(self.value, self.value.title())


class Release(Base):
    """What is being pitched: a single, EP, album, tour or show."""

    __tablename__ = "releases"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    artist_name: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[ReleaseKind] = mapped_column(
        _str_enum(ReleaseKind, 10), default=ReleaseKind.SINGLE
    )
    release_date: Mapped[dt.date | None] = mapped_column(Date)
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    epk_url: Mapped[str] = mapped_column(String(500), default="")
    isrc: Mapped[str] = mapped_column(String(12), default="")
    upc: Mapped[str] = mapped_column(String(13), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class TemplatePurpose(enum.StrEnum):
    AR_QUERY = "ar_query"
    MANAGER_QUERY = "manager_query"
    BOOKING_INQUIRY = "booking_inquiry"
    PLAYLIST_PITCH = "playlist_pitch"
    PRESS_PITCH = "press_pitch"
    FOLLOW_UP = "follow_up"
    THANK_YOU = "thank_you"
    OTHER = "other"

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS = {
    TemplatePurpose.AR_QUERY: "A&R query",
    TemplatePurpose.MANAGER_QUERY: "Manager query",
    TemplatePurpose.BOOKING_INQUIRY: "Booking inquiry",
    TemplatePurpose.PLAYLIST_PITCH: "Playlist pitch",
    TemplatePurpose.PRESS_PITCH: "Press pitch",
    TemplatePurpose.FOLLOW_UP: "Follow-up",
    TemplatePurpose.THANK_YOU: "Thank-you",
    TemplatePurpose.OTHER: "Other",
}


class EmailTemplate(Base):
    """A query email with merge fields ({{ contact.first_name }}, ...)."""

    __tablename__ = "email_templates"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[TemplatePurpose] = mapped_column(
        _str_enum(TemplatePurpose), default=TemplatePurpose.OTHER
    )
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTC)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class PitchStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # queued to go out from the artist's mailbox at send_at
    SENT = "sent"
    REPLIED = "replied"
    INTERESTED = "interested"
    WON = "won"
    DECLINED = "declined"
    NO_RESPONSE = "no_response"
    BOUNCED = "bounced"  # the contact's mail server refused it

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Statuses that mean the contact answered (or the pitch is over): follow-ups stop.
CLOSING_STATUSES = frozenset(
    {
        PitchStatus.REPLIED,
        PitchStatus.INTERESTED,
        PitchStatus.WON,
        PitchStatus.DECLINED,
        PitchStatus.NO_RESPONSE,
        PitchStatus.BOUNCED,
    }
)
# What a person sets by hand (a status menu, a drag, the API): "scheduled" comes from
# sending through the mailbox, "bounced" from the recipient's mail server.
MANUAL_STATUSES = tuple(
    s for s in PitchStatus if s not in (PitchStatus.SCHEDULED, PitchStatus.BOUNCED)
)
REPLY_STATUSES = frozenset(
    {PitchStatus.REPLIED, PitchStatus.INTERESTED, PitchStatus.WON, PitchStatus.DECLINED}
)


class Channel(enum.StrEnum):
    EMAIL = "email"
    DM = "dm"
    FORM = "form"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {"dm": "DM", "in_person": "In person"}.get(self.value, self.value.title())


class Pitch(Base):
    """One contact pitched, optionally for one release, with the email exactly as sent."""

    __tablename__ = "pitches"
    __table_args__ = (
        Index("ix_pitches_account_id_status", "account_id", "status"),
        Index("ix_pitches_account_id_release_id_status", "account_id", "release_id", "status"),
        # Covering the dashboard's one count of the pitches (by release, role and status).
        Index(
            "ix_pitches_account_id_release_id_contact_role_status",
            "account_id",
            "release_id",
            "contact_role",
            "status",
        ),  # fmt: skip
        Index("ix_pitches_contact_id", "contact_id"),
        Index("ix_pitches_template_id", "template_id"),
        # The board (the newest pitches first) and the reply rates by template, without
        # walking every pitch of the account.
        Index("ix_pitches_account_id_updated_at", "account_id", "updated_at"),
        Index("ix_pitches_account_id_template_id_status", "account_id", "template_id", "status"),
        # The send pass's working set: scheduled pitches by when they are to go.
        Index("ix_pitches_status_send_at", "status", "send_at"),
        Index("ix_pitches_message_id", "message_id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="SET NULL"))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("email_templates.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PitchStatus] = mapped_column(_str_enum(PitchStatus), default=PitchStatus.DRAFT)
    # The contact's role when pitched: "reply rate by role" counts what they were then.
    contact_role: Mapped[Role | None] = mapped_column(_str_enum(Role))
    channel: Mapped[Channel] = mapped_column(_str_enum(Channel, 12), default=Channel.EMAIL)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    # The days after sending at which follow-ups fall due; None: the account's cadence.
    cadence_days: Mapped[list | None] = mapped_column(JSON)
    # Sending from the artist's mailbox (crm.mailbox): when it is to go, the Message-ID it
    # went with (replies name it), why it did not go, and the send pass's claim.
    send_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    message_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    delivery_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    send_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    send_claim: Mapped[str | None] = mapped_column(String(32))
    send_claimed_until: Mapped[dt.datetime | None] = mapped_column(UTC)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    contact: Mapped[Contact] = relationship()
    release: Mapped[Release | None] = relationship()
    template: Mapped[EmailTemplate | None] = relationship()
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="pitch",
        order_by="FollowUp.due_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    messages: Mapped[list[PitchMessage]] = relationship(
        order_by="PitchMessage.at, PitchMessage.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class FollowUpState(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"  # the contact replied, or the pitch closed


class FollowUpKind(enum.StrEnum):
    REMINDER = "reminder"  # the artist is reminded to follow up
    EMAIL = "email"  # Stagedoor sends the template's email as a reply in the pitch's thread


class FollowUp(Base):
    """One dated task of a pitch: follow up, by a reminder to the artist or by an email
    that goes out by itself."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        # With the pitch's id, a window's pitches are counted from this index alone.
        Index(
            "ix_follow_ups_account_id_state_due_at_pitch_id",
            "account_id",
            "state",
            "due_at",
            "pitch_id",
        ),  # fmt: skip
        # The dashboard's "reminders keep failing" check looks at the few with attempts.
        Index("ix_follow_ups_account_id_reminder_attempts", "account_id", "reminder_attempts"),
        # The reminder pass's working set, open reminders not reminded yet, by due time:
        # the reminded ones that users leave open pile up, and must not be walked through
        # (with the kind in it too: else the planner takes the index below, which has them).
        Index(
            "ix_follow_ups_state_kind_reminded_at_due_at", "state", "kind", "reminded_at", "due_at"
        ),
        # The mailbox pass's follow-up emails, by due time; and one account's, for the
        # dashboard's "going out" (among its open reminders, which may be thousands).
        Index("ix_follow_ups_kind_state_due_at", "kind", "state", "due_at"),
        Index(
            "ix_follow_ups_account_id_kind_state_due_at", "account_id", "kind", "state", "due_at"
        ),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[dt.datetime] = mapped_column(UTC)
    state: Mapped[FollowUpState] = mapped_column(
        _str_enum(FollowUpState, 10), default=FollowUpState.OPEN
    )
    state_reason: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[FollowUpKind] = mapped_column(
        _str_enum(FollowUpKind, 10), default=FollowUpKind.REMINDER, server_default="reminder"
    )
    # For an email follow-up: the template it sends (None: the first follow-up template).
    # No foreign key, on purpose: adding one rebuilds the table on SQLite, and a template
    # deleted since is simply not found (the pass then takes the first follow-up template).
    template_id: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    # Reminder bookkeeping (crm.reminders): who claimed it until when, when it was sent.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTC)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    reminder_attempts: Mapped[int] = mapped_column(Integer, default=0)
    reminder_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    created_at: Mapped[created_at]

    pitch: Mapped[Pitch] = relationship(back_populates="follow_ups")

    @property
    def done(self) -> bool:
        return self.state != FollowUpState.OPEN

    @property
    def contact_name(self) -> str:
        """Who it follows up with, as the agenda's plain rows name them too."""
        return self.pitch.contact.display_name


class ContactNote(Base):
    """A dated note about a contact ("met at SXSW, send the EP in March"), added from the
    contact's page or with a logged reply; shown in the contact's timeline. The contact's
    own `notes` field stays the standing description that import and export carry."""

    __tablename__ = "contact_notes"
    __table_args__ = (Index("ix_contact_notes_contact_id_created_at", "contact_id", "created_at"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    # The pitch the note was written about (a logged reply), if any.
    pitch_id: Mapped[int | None] = mapped_column(
        ForeignKey("pitches.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    author: Mapped[User | None] = relationship()
