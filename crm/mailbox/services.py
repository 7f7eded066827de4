"""Connecting and disconnecting an artist's mailbox, and what it says about itself. The
password is checked against both servers, then stored encrypted; it is never returned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.fields import Cleaned
from crm.mailbox import secrets
from crm.mailbox.connect import check_login, clean_mailbox
from crm.models import Account, Mailbox, User
from crm.scope import owned_by

FIELDS = (
    "email", "display_name", "smtp_host", "smtp_port", "smtp_security", "imap_host",
    "imap_port", "imap_security", "username", "daily_limit", "send_window", "min_gap_seconds",
)  # fmt: skip


def mailbox_of(session: Session, user: User) -> Mailbox | None:
    return session.scalar(select(Mailbox).where(Mailbox.user_id == user.id))


def mailbox_for_account(session: Session, account: Account) -> Mailbox | None:
    """The connected mailbox an account's pitches go out from (today one user per account)."""
    return session.scalar(
        select(Mailbox)
        .where(owned_by(Mailbox, account), Mailbox.connected)
        .order_by(Mailbox.id)
        .limit(1)
    )


def connect_mailbox(
    session: Session, user: User, raw: Mapping[str, object], password: str, key: str
) -> tuple[Mailbox | None, Cleaned]:
    """Check the settings, log in to both servers, and only then store them (the password
    encrypted). Returns the mailbox, or None with the errors: field rules by field, and the
    servers' own refusals under "smtp" and "imap"."""
    existing = mailbox_of(session, user)
    if not password and existing is not None and existing.connected:
        password = secrets.decrypt(key, existing.password_encrypted)  # changing other settings
    cleaned = clean_mailbox(raw)
    if not password:
        cleaned.add_error("password", "Enter the mailbox's password (an app password).")
    if not cleaned.ok:
        return None, cleaned
    for side, messages in check_login(cleaned.values, password).items():
        for message in messages:
            cleaned.add_error(side, message)
    if not cleaned.ok:
        return None, cleaned
    mailbox = existing or Mailbox(user_id=user.id, account_id=user.account_id)
    _set_settings(mailbox, cleaned)
    # Logging the artist's own sent mail: on unless turned off; a change that does not
    # name it (a script putting a new daily limit) leaves it as it was.
    if raw.get("capture_sent") is not None:
        mailbox.capture_sent = bool(raw["capture_sent"])
    elif existing is None:
        mailbox.capture_sent = True
    mailbox.password_encrypted = secrets.encrypt(key, password)
    mailbox.paused_reason, mailbox.last_error = "", ""
    session.add(mailbox)
    session.flush()
    return mailbox, cleaned


def _set_settings(mailbox: Mailbox, cleaned: Cleaned) -> None:
    for name in FIELDS:
        setattr(mailbox, name, cleaned.values[name])


def disconnect_mailbox(session: Session, user: User) -> bool:
    mailbox = mailbox_of(session, user)
    if mailbox is None:
        return False
    session.delete(mailbox)
    session.flush()
    return True


RESTORED = (
    "Restored from a backup, which never holds a password: enter it below and Stagedoor"
    " connects once both servers accept it."
)


def keep_settings(session: Session, user: User, raw: Mapping[str, object]) -> Cleaned:
    """A mailbox's settings without its password (from a backup): kept, not connected, so
    the artist only types the password again. It sends and reads nothing until then. A
    mailbox the user already has stays as it is."""
    cleaned = clean_mailbox(raw)
    if not cleaned.ok or mailbox_of(session, user) is not None:
        return cleaned
    mailbox = Mailbox(user_id=user.id, account_id=user.account_id, password_encrypted="")
    _set_settings(mailbox, cleaned)
    mailbox.capture_sent = raw.get("capture_sent") is not False
    mailbox.paused_reason = RESTORED
    session.add(mailbox)
    session.flush()
    return cleaned


def servers_of(mailbox: Mailbox) -> dict:
    """The servers of a stored mailbox, in the shape connect.server reads."""
    return {
        "smtp_host": mailbox.smtp_host, "smtp_port": mailbox.smtp_port,
        "smtp_security": mailbox.smtp_security, "imap_host": mailbox.imap_host,
        "imap_port": mailbox.imap_port, "imap_security": mailbox.imap_security,
    }  # fmt: skip


def password_of(mailbox: Mailbox, key: str) -> str:
    return secrets.decrypt(key, mailbox.password_encrypted)


def describe(mailbox: Mailbox | None) -> dict:
    """The contract's view of a mailbox: every setting, never the password."""
    if mailbox is None:
        return {"connected": False} | {name: None for name in FIELDS} | {
            "capture_sent": None, "last_sync_at": None, "last_error": None,
        }  # fmt: skip
    values: dict[str, object] = {name: getattr(mailbox, name) for name in FIELDS}
    values["smtp_security"] = mailbox.smtp_security.value
    values["imap_security"] = mailbox.imap_security.value
    return {
        "connected": mailbox.connected,
        **values,
        "capture_sent": mailbox.capture_sent,
        "last_sync_at": mailbox.last_sync_at,
        "last_error": mailbox.paused_reason or mailbox.last_error or "",
    }


def local_window(mailbox: Mailbox, timezone: str, now: dt.datetime) -> tuple[bool, dt.datetime]:
    """Whether `now` falls in the mailbox's send window (the user's days and hours), and
    when the window next opens (now, when it is open)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    window = mailbox.send_window or {}
    days = window.get("days") or [1, 2, 3, 4, 5]
    start = dt.time.fromisoformat(window.get("start", "09:00"))
    end = dt.time.fromisoformat(window.get("end", "18:00"))
    if end == dt.time(23, 59):
        end = dt.time.max  # "until 23:59" is the end of the day: a time input has no 24:00
    if local.isoweekday() in days and start <= local.time() < end:
        return True, now
    for ahead in range(0, 8):
        day = local.date() + dt.timedelta(days=ahead)
        opens = dt.datetime.combine(day, start, zone)
        if day.isoweekday() in days and opens > local:
            return False, opens.astimezone(dt.UTC)
    return False, now + dt.timedelta(days=7)
