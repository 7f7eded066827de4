"""The artist's own mailbox (one per user): where their pitches go out from and their
replies come back to, and each pitch's thread of messages."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import UTC, Base, created_at, intpk, updated_at
from crm.models.accounts import User
from crm.models.contacts import _str_enum


class Security(enum.StrEnum):
    SSL = "ssl"  # implicit TLS (SMTP 465, IMAP 993)
    STARTTLS = "starttls"
    NONE = "none"  # plain text: only to a host on this machine (a local mail bridge)


def default_window() -> dict:
    return {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}


class Mailbox(Base):
    __tablename__ = "mailboxes"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    smtp_host: Mapped[str] = mapped_column(String(255))
    smtp_port: Mapped[int] = mapped_column(Integer)
    smtp_security: Mapped[Security] = mapped_column(_str_enum(Security, 10))
    imap_host: Mapped[str] = mapped_column(String(255))
    imap_port: Mapped[int] = mapped_column(Integer)
    imap_security: Mapped[Security] = mapped_column(_str_enum(Security, 10))
    username: Mapped[str] = mapped_column(String(254))
    # Fernet token of the password (crm.mailbox.secrets): never shown, logged or exported.
    # Empty for settings restored from a backup, which never holds a password.
    password_encrypted: Mapped[str] = mapped_column(Text)
    daily_limit: Mapped[int] = mapped_column(Integer, default=50)
    send_window: Mapped[dict] = mapped_column(JSON, default=default_window)
    min_gap_seconds: Mapped[int] = mapped_column(Integer, default=90)
    # Pacing: when this mailbox may send its next message (a claim moves it on).
    next_send_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    # Sending stops when the server refuses the login, until the artist reconnects.
    paused_reason: Mapped[str] = mapped_column(Text, default="")
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Reading the inbox (crm.mailbox.sync): where the last sync stopped, so each sync
    # fetches only what is new, and its claim, so two syncs never read it at once.
    inbox_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    inbox_last_uid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The artist's own sent mail (crm.mailbox.sent): logged as pitches unless turned off;
    # where the last read of the Sent folder stopped, as for the inbox.
    capture_sent: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    sent_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    sent_last_uid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sync_claimed_until: Mapped[dt.datetime | None] = mapped_column(UTC)
    sync_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_sync_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    user: Mapped[User] = relationship()

    @hybrid_property
    def connected(self) -> bool:
        """A password is stored, so the mailbox can send and be read. Settings restored from
        a backup wait, not connected, until the artist enters the password again."""
        return self.password_encrypted != ""


class Direction(enum.StrEnum):
    OUT = "out"
    IN = "in"


class MessageKind(enum.StrEnum):
    PITCH = "pitch"
    FOLLOW_UP = "follow_up"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


class PitchMessage(Base):
    """One message of a pitch's thread, oldest first: the pitch as sent, follow-ups, and
    what came back (text only: no HTML, no attachments)."""

    __tablename__ = "pitch_messages"
    __table_args__ = (
        Index("ix_pitch_messages_pitch_id_at", "pitch_id", "at"),
        # The dashboard's newest replies, read off in order (migration 0025).
        Index("ix_pitch_messages_account_id_direction_at", "account_id", "direction", "at", "id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(_str_enum(Direction, 4))
    kind: Mapped[MessageKind] = mapped_column(_str_enum(MessageKind, 12))
    sender: Mapped[str] = mapped_column(String(320), default="")
    recipient: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    message_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    at: Mapped[dt.datetime] = mapped_column(UTC)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
