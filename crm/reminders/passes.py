"""The reminder pass: every follow-up that has come due is reminded exactly once.

A pass claims what it will send in the database first (a conditional UPDATE, with
FOR UPDATE SKIP LOCKED on PostgreSQL, so two passes never claim the same follow-up),
sends one email per account, and records what went out. A pass that dies after claiming
gives its follow-ups back when the lease runs out; an SMTP failure leaves them unsent, to
be retried with a growing delay and reported on the dashboard after repeated failures."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from crm.db import rows_changed
from crm.filters import format_local
from crm.models import (
    Account,
    Contact,
    Direction,
    FollowUp,
    FollowUpKind,
    FollowUpState,
    MessageKind,
    Pitch,
    PitchMessage,
    User,
)
from crm.reminders.mail import Mailer, MailError, SmtpSettings, build_message, send
from crm.retry import CLAIM_LEASE, growing_delay
from crm.scope import owned_by

log = logging.getLogger("crm.reminders")

LEASE = CLAIM_LEASE
ACCOUNTS_PER_CLAIM = 200
FAILURES_REPORTED = 3  # after this many failed attempts the dashboard says so


def backoff(attempts: int) -> dt.timedelta:
    """1, 5, 25 minutes... at most six hours between retries."""
    return growing_delay(attempts, first_minutes=1, factor=5)


@dataclass
class PassResult:
    sent_emails: int = 0
    reminded: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (account id, error)


def _due(now: dt.datetime):
    return and_(
        FollowUp.state == FollowUpState.OPEN,
        FollowUp.due_at <= now,
        FollowUp.reminded_at.is_(None),
        FollowUp.kind == FollowUpKind.REMINDER,  # the mailbox sends the email ones
        or_(FollowUp.claimed_until.is_(None), FollowUp.claimed_until < now),
        or_(FollowUp.next_attempt_at.is_(None), FollowUp.next_attempt_at <= now),
        # A correlated EXISTS, not an IN list of accounts: the planner then walks the
        # follow-ups by due time and stops early, instead of going account by account.
        select(Account.id)
        .where(Account.id == FollowUp.account_id, Account.reminders_enabled.is_(True))
        .exists(),
    )


def due_batch(now: dt.datetime):
    """The ids of the due follow-ups of the up to ACCOUNTS_PER_CLAIM accounts whose oldest
    due follow-up is oldest: whole accounts, so each gets one email listing all it has due.

    Index-backed at any size: the accounts come from the first rows of the index of open,
    unreminded follow-ups by due time, their follow-ups from the (account, state, due)
    index; neither grows with the follow-ups already reminded or done."""
    oldest = (
        select(FollowUp.account_id)
        .where(_due(now))
        .order_by(FollowUp.due_at)
        .limit(ACCOUNTS_PER_CLAIM * 5)
        .subquery()
    )
    accounts = select(oldest.c.account_id).distinct().limit(ACCOUNTS_PER_CLAIM)
    return select(FollowUp.id).where(FollowUp.account_id.in_(accounts.scalar_subquery()), _due(now))


def claim(session: Session, now: dt.datetime) -> str | None:
    """Mark the due follow-ups of a batch of accounts as this pass's; returns the claim
    token, or None when nothing is due."""
    token = uuid.uuid4().hex
    candidates = due_batch(now)
    if session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    # The conditions are checked again by the UPDATE itself: a row another pass claimed in
    # the meantime no longer matches, so no follow-up is ever claimed twice.
    result = session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(candidates.scalar_subquery()), _due(now))
        .values(claim_token=token, claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return token if rows_changed(result) else None


def signer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="reminder-settings")


def unsubscribe_token(secret_key: str, account_id: int) -> str:
    return signer(secret_key).dumps({"account": account_id})


def account_from_token(secret_key: str, token: str) -> int | None:
    try:
        data = signer(secret_key).loads(token)
    except BadSignature:
        return None
    return data.get("account") if isinstance(data, dict) else None


def compose(
    config,
    account: Account,
    users: list[User],
    follow_ups: Sequence[FollowUp],
    subject: str,
    came_back: Sequence[dict] = (),
) -> tuple[str, str, dict[str, str]]:
    """Text and HTML of a reminder (and, in a digest, what came back), its list headers."""
    base = config["CRM_BASE_URL"]
    token = unsubscribe_token(config["SECRET_KEY"], account.id)
    unsubscribe = f"{base}/reminders/unsubscribe/{token}"
    items = [
        {
            "contact": f.pitch.contact.display_name,
            "release": f.pitch.release.title if f.pitch.release else "general query",
            "due": format_local(f.due_at, account.timezone, "%a %d %b, %H:%M"),
            "sequence": f.sequence,
            "link": f"{base}/follow-ups/{f.id}",
        }
        for f in follow_ups
    ]
    context = {
        "items": items,
        "came_back": [dict(m, link=f"{base}/pitches/{m['pitch_id']}") for m in came_back],
        "subject": subject,
        "settings_url": f"{base}/reminders/settings",
        "unsubscribe_url": unsubscribe,
        "name": users[0].name if users else "",
    }
    text = render_template("reminders/email.txt", **context)
    html = render_template("reminders/email.html", **context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return text, html, headers


def send_due(
    factory: sessionmaker, config, now: dt.datetime, smtp: SmtpSettings | None = None
) -> PassResult:
    """One pass (the `reminders send-due` command and the worker's job)."""
    smtp = smtp or SmtpSettings.from_config(config)
    result = PassResult()
    with Mailer(smtp) as mailer:
        while True:
            with factory() as session:
                token = claim(session, now)
            if token is None:
                return result
            _send_claimed(factory, config, smtp, token, now, result, mailer)


def _send_claimed(
    factory, config, smtp, token, now, result: PassResult, mailer: Mailer | None = None
) -> None:
    mailer = mailer or Mailer(smtp)
    # Nothing is expired on commit: each account's commit would otherwise make the next
    # account's follow-ups, pitches and contacts load again, one query each.
    with factory(expire_on_commit=False) as session:
        claimed = session.scalars(
            select(FollowUp)
            .where(FollowUp.claim_token == token)
            .options(
                selectinload(FollowUp.pitch).selectinload(Pitch.contact),
                selectinload(FollowUp.pitch).selectinload(Pitch.release),
            )
            .order_by(FollowUp.due_at, FollowUp.id)
        ).all()
        by_account: dict[int, list[FollowUp]] = defaultdict(list)
        for follow_up in claimed:
            by_account[follow_up.account_id].append(follow_up)
        accounts = {
            account.id: account
            for account in session.scalars(
                select(Account)
                .where(Account.id.in_(list(by_account)))
                .options(selectinload(Account.users))
            )
        }
        for account_id, follow_ups in by_account.items():
            # Each account is a unit of its own: its bad data (a date no time zone can
            # hold, a template that fails) is logged and retried later, and never stops
            # the other accounts' reminders in this pass.
            try:
                _remind_account(
                    session, config, smtp, mailer, accounts[account_id], follow_ups, now, result
                )
            except Exception as exc:  # noqa: BLE001 - isolation is the point
                session.rollback()
                log.exception("reminders: account %s failed", account_id)
                _give_back(session, [f.id for f in follow_ups], now, f"{type(exc).__name__}: {exc}")
                result.failed.append((account_id, f"{type(exc).__name__}: {exc}"))


def _remind_account(
    session: Session,
    config,
    smtp: SmtpSettings,
    mailer: Mailer,
    account: Account,
    follow_ups: list[FollowUp],
    now: dt.datetime,
    result: PassResult,
) -> None:
    """One account's email about its claimed follow-ups, and the record of it."""
    account_id = account.id
    # Done or cancelled since the claim (the user was quicker): not reminded.
    ids = [f.id for f in follow_ups]
    open_ids = set(
        session.scalars(
            select(FollowUp.id).where(FollowUp.id.in_(ids), FollowUp.state == FollowUpState.OPEN)
        )
    )
    _release(session, [i for i in ids if i not in open_ids])
    still_open = [f for f in follow_ups if f.id in open_ids]
    if not still_open:
        return
    users = account.users
    count = len(still_open)
    subject = (
        f"{count} follow-up{'s' if count != 1 else ''} due: "
        + ", ".join(f.pitch.contact.display_name for f in still_open[:3])
        + ("…" if count > 3 else "")
    )
    text, html, headers = compose(config, account, users, still_open, subject)
    message = build_message(smtp, [u.email for u in users], subject, text, html, headers)
    try:
        mailer.send(message)
    except MailError as exc:
        _give_back(session, [f.id for f in still_open], now, str(exc))
        result.failed.append((account_id, str(exc)))
        return
    session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(list(open_ids)))
        .values(reminded_at=now, reminder_error="", claim_token=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    result.sent_emails += 1
    result.reminded += count


def _give_back(session: Session, ids: list[int], now: dt.datetime, error: str) -> None:
    """Claimed follow-ups that could not be reminded: released, with the error, to be tried
    again after a growing delay (one attempt more than each had)."""
    for follow_up in session.scalars(select(FollowUp).where(FollowUp.id.in_(ids))):
        follow_up.reminder_attempts += 1
        follow_up.reminder_error = error[:1000]
        follow_up.next_attempt_at = now + backoff(follow_up.reminder_attempts)
        follow_up.claim_token, follow_up.claimed_until = None, None
    session.commit()


def _release(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(
            update(FollowUp)
            .where(FollowUp.id.in_(ids))
            .values(claim_token=None, claimed_until=None)
        )
        session.commit()


def failing_reminders(session: Session, account: Account) -> str | None:
    """The last error, when reminders for this account keep failing (for the dashboard)."""
    return session.scalar(
        select(FollowUp.reminder_error)
        .where(
            owned_by(FollowUp, account),
            FollowUp.reminded_at.is_(None),
            FollowUp.state == FollowUpState.OPEN,
            FollowUp.reminder_attempts >= FAILURES_REPORTED,
        )
        .limit(1)
    )


# --- daily digest -------------------------------------------------------------------------


def _claim_digest(session: Session, account: Account, today: dt.date) -> bool:
    """Mark today's digest as this pass's, if no other pass has: a conditional UPDATE, so
    passes running at once (two workers on the hour) send each account one digest."""
    claimed = rows_changed(
        session.execute(
            update(Account)
            .where(
                Account.id == account.id,
                or_(Account.last_digest_on.is_(None), Account.last_digest_on != today),
            )
            .values(last_digest_on=today)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return bool(claimed)


def send_digests(
    factory: sessionmaker, config, now: dt.datetime, smtp: SmtpSettings | None = None
) -> int:
    """The daily digest of every account whose chosen local hour has come today and that
    has not had today's digest yet: a worker that was stopped sends one, not a flood. Each
    account is claimed before its digest is composed, and its failure is its own."""
    smtp = smtp or SmtpSettings.from_config(config)
    sent = 0
    with factory(expire_on_commit=False) as session:
        accounts = session.scalars(
            select(Account)
            .where(Account.digest_enabled.is_(True), Account.reminders_enabled.is_(True))
            .options(selectinload(Account.users))
        ).all()
        for account in accounts:
            try:
                local = now.astimezone(ZoneInfo(account.timezone))
                if local.hour < account.digest_hour or account.last_digest_on == local.date():
                    continue
                # Claimed first: a digest is a convenience, and two is worse than one late.
                if not _claim_digest(session, account, local.date()):
                    continue
                sent += _send_digest(session, config, smtp, account, local)
            except Exception:  # noqa: BLE001 - one account never stops the others
                session.rollback()
                log.exception("digest: account %s failed", account.id)
    return sent


# A digest lists at most this many of the answers that came back (the dashboard has all).
CAME_BACK_SHOWN = 20
CAME_BACK_WORDS = {
    MessageKind.REPLY: "replied",
    MessageKind.AUTO_REPLY: "answered automatically (away)",
    MessageKind.BOUNCE: "bounced",
}


def _came_back(session: Session, account: Account, since: dt.datetime) -> list[dict]:
    """The replies, automatic replies and bounces the inbox sync read since `since` (the
    start of yesterday, the digest's day before), newest first."""
    rows = session.execute(
        select(PitchMessage.kind, PitchMessage.text, PitchMessage.pitch_id, Contact.first_name,
               Contact.last_name, Contact.email)
        .join(Pitch, Pitch.id == PitchMessage.pitch_id)
        .join(Contact, Contact.id == Pitch.contact_id)
        .where(
            owned_by(PitchMessage, account),
            PitchMessage.direction == Direction.IN,
            PitchMessage.at >= since,
        )
        .order_by(PitchMessage.at.desc())
        .limit(CAME_BACK_SHOWN)
    ).all()  # fmt: skip
    return [
        {
            "contact": " ".join(p for p in (first, last) if p) or email or "A contact",
            "what": CAME_BACK_WORDS.get(kind, "wrote"),
            "snippet": " ".join((text or "").split())[:140],
            "pitch_id": pitch_id,
        }
        for kind, text, pitch_id, first, last, email in rows
    ]


def _send_digest(session: Session, config, smtp: SmtpSettings, account: Account, local) -> int:
    end_of_day = dt.datetime.combine(
        local.date() + dt.timedelta(days=1), dt.time(), ZoneInfo(account.timezone)
    )
    due = session.scalars(
        select(FollowUp)
        .where(
            owned_by(FollowUp, account),
            FollowUp.state == FollowUpState.OPEN,
            FollowUp.kind == FollowUpKind.REMINDER,
            FollowUp.due_at < end_of_day,
        )
        .options(
            selectinload(FollowUp.pitch).selectinload(Pitch.contact),
            selectinload(FollowUp.pitch).selectinload(Pitch.release),
        )
        .order_by(FollowUp.due_at)
    ).all()
    came_back = _came_back(session, account, end_of_day - dt.timedelta(days=2))
    if not due and not came_back:
        return 0
    parts = []
    if due:
        parts.append(f"{len(due)} follow-up{'s' if len(due) != 1 else ''} due or overdue")
    if came_back:
        parts.append(f"{len(came_back)} answer{'s' if len(came_back) != 1 else ''} came back")
    subject = "Today: " + ", ".join(parts)
    text, html, headers = compose(config, account, account.users, due, subject, came_back)
    recipients = [u.email for u in account.users]
    try:
        send(smtp, build_message(smtp, recipients, subject, text, html, headers))
    except MailError:
        # Given back, for the next hourly run; only if it is still this pass's claim.
        session.execute(
            update(Account)
            .where(Account.id == account.id, Account.last_digest_on == local.date())
            .values(last_digest_on=None)
        )
        session.commit()
        return 0
    return 1
