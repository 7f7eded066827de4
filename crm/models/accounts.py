"""Accounts own the data; users log in and belong to one account."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.db import UTC, Base, created_at, intpk

# Werkzeug's default, scrypt: memory-hard, as current guidance asks. The hash names its
# method, so a change here applies to new passwords and old ones still check.
PASSWORD_METHOD = "scrypt"


class Account(Base):
    """The workspace that owns contacts, releases, templates and pitches.

    Kept apart from `User` so a manager and an artist can later share one account.
    """

    __tablename__ = "accounts"

    id: Mapped[intpk]
    artist_name: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Days after sending at which a pitch's follow-ups fall due.
    cadence_days: Mapped[list] = mapped_column(JSON, default=lambda: [7, 14])
    # Step by step, what each follow-up of the cadence is: [{"kind": "email",
    # "template_id": 3}, ...]; a step not listed is a reminder.
    cadence_steps: Mapped[list | None] = mapped_column(JSON)
    # Reminder emails: on/off, a daily digest at a local hour.
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)
    last_digest_on: Mapped[dt.date | None] = mapped_column(Date)
    # When the reminder settings were first saved (a step of the dashboard's first steps).
    reminders_set_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    first_steps_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Secret part of the account's calendar feed URL; empty when the feed is off.
    calendar_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[created_at]

    users: Mapped[list[User]] = relationship(back_populates="account")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    # Counts password changes (login sessions live in login_sessions, crm.accounts.sessions).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[created_at]
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTC)

    account: Mapped[Account] = relationship(back_populates="users")
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", order_by="ApiToken.created_at.desc()"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # The token of the login session this object was loaded for (crm.accounts.sessions):
    # what Flask-Login keeps in the cookies, so that the cookies name a session, not a user.
    # Not a column: set by crm.accounts.sessions when the user is loaded or logs in.
    login_token = None  # type: str | None

    def get_id(self) -> str | None:
        return self.login_token


class ApiToken(Base):
    """A personal token for the JSON API. Only its SHA-256 is stored: the token itself is
    shown once, when it is made, and a leaked database does not leak working tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so a user can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[created_at]
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTC)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
