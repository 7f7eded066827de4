"""Sending pitches from the artist's mailbox, exactly once, at a human pace.

Queueing (`schedule_send`) gives each pitch the moment it is to go: spread over the send
window, `min_gap_seconds` apart, within the daily limit, so the page can say when each
will go. The pass (`send_due`, the `mailbox send-due` command and the worker) sends what
is due, and the follow-ups that are emails as replies in their pitch's thread. Each
pitch and follow-up is claimed in the database before it is sent (a conditional UPDATE
under a lease, FOR UPDATE SKIP LOCKED on PostgreSQL), and each message takes the mailbox's
pacing slot the same way, so passes running at once never send a pitch twice nor two
messages closer than the gap (with no gap, up to 50 pitches are claimed at once). A pass
that dies after claiming gives the pitches back when the lease runs out; the one window
left is a crash between the SMTP server's 250 and the commit that follows it at once (the
pitch would go again after the lease).

Each mailbox is its own unit: its failure is logged and recorded on it, never stopping
the others."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from crm.db import rows_changed, utcnow
from crm.mail_templates.services import merge_context, render_email
from crm.mailbox import compose
from crm.mailbox.connect import imap_session, said, sent_folder, server, smtp_session
from crm.mailbox.secrets import SecretError
from crm.mailbox.services import local_window, mailbox_for_account, password_of, servers_of
from crm.models import (
    Account,
    Contact,
    Direction,
    EmailStatus,
    EmailTemplate,
    FollowUp,
    FollowUpKind,
    FollowUpState,
    Mailbox,
    MessageKind,
    Pitch,
    PitchMessage,
    PitchStatus,
    TemplatePurpose,
)
from crm.pitches.services import PitchRefused, cancel_open_follow_ups, change_status
from crm.retry import CLAIM_LEASE, growing_delay
from crm.scope import owned_by

log = logging.getLogger("crm.mailbox")

LEASE = CLAIM_LEASE
MAX_ATTEMPTS = 8  # temporary failures; then the pitch waits for the artist


def backoff(attempts: int) -> dt.timedelta:
    """2, 8, 32 minutes... at most six hours between tries."""
    return growing_delay(attempts, first_minutes=2, factor=4)


# --- queueing -------------------------------------------------------------------------------


def why_not_sendable(contact: Contact) -> str | None:
    """Why a pitch to this contact cannot go from the mailbox (None when it can)."""
    if contact.do_not_contact:
        return f"{contact.display_name} is marked do-not-contact."
    if not contact.email:
        return f"{contact.display_name} has no email address."
    if contact.email_status == EmailStatus.BOUNCED:
        return (
            f"Email to {contact.email} bounced before; correct the address on"
            f" {contact.display_name}'s page first."
        )
    return None


def _sent_on(session: Session, account: Account, zone: ZoneInfo, day: dt.date) -> int:
    """Messages the account's mailbox sent, or is to send, on a local day."""
    start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
    end = start + dt.timedelta(days=1)
    sent = session.scalar(
        select(func.count(PitchMessage.id)).where(
            owned_by(PitchMessage, account),
            PitchMessage.direction == Direction.OUT,
            PitchMessage.at >= start,
            PitchMessage.at < end,
        )
    )
    queued = session.scalar(
        select(func.count(Pitch.id)).where(
            owned_by(Pitch, account),
            Pitch.status == PitchStatus.SCHEDULED,
            Pitch.send_at >= start,
            Pitch.send_at < end,
        )
    )
    return (sent or 0) + (queued or 0)


def plan_send_times(
    session: Session, account: Account, mailbox: Mailbox, count: int, earliest: dt.datetime
) -> list[dt.datetime]:
    """When each of `count` new messages will go: from `earliest` (or after the last one
    already queued), `min_gap_seconds` apart, inside the window, at most the daily limit a
    local day."""
    zone = ZoneInfo(account.timezone)
    last = session.scalar(
        select(func.max(Pitch.send_at)).where(
            owned_by(Pitch, account), Pitch.status == PitchStatus.SCHEDULED
        )
    )
    gap = dt.timedelta(seconds=mailbox.min_gap_seconds)
    moment = max(earliest, last + gap) if last else earliest
    per_day: dict[dt.date, int] = {}
    times = []
    for _ in range(count):
        for _guard in range(400):  # a year of days at most
            is_open, opens = local_window(mailbox, account.timezone, moment)
            if not is_open:
                moment = opens
                continue
            day = moment.astimezone(zone).date()
            if day not in per_day:
                per_day[day] = _sent_on(session, account, zone, day)
            if per_day[day] >= mailbox.daily_limit:
                next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
                moment = next_day.astimezone(dt.UTC)
                continue
            break
        per_day[moment.astimezone(zone).date()] += 1
        times.append(moment)
        moment = moment + gap
    return times


def schedule_send(
    session: Session,
    account: Account,
    pitch: Pitch,
    send_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Pitch:
    """Queue a pitch to go from the account's mailbox at `send_at` (or the next moment its
    pace, window and daily limit allow). PitchRefused says why it cannot."""
    now = now or utcnow()
    mailbox = mailbox_for_account(session, account)
    if mailbox is None:
        raise PitchRefused("Connect your mailbox first (Settings, then Mailbox).")
    problem = why_not_sendable(pitch.contact)
    if problem:
        raise PitchRefused(problem)
    if pitch.status not in (PitchStatus.DRAFT, PitchStatus.SCHEDULED):
        raise PitchRefused(f"This pitch is {pitch.status.label.lower()} already.")
    if not pitch.subject.strip():
        raise PitchRefused("The email needs a subject.", "subject")
    pitch.status = PitchStatus.SCHEDULED
    pitch.send_at = None  # not counted against its own slot
    session.flush()
    [planned] = plan_send_times(session, account, mailbox, 1, max(send_at or now, now))
    pitch.send_at = planned if send_at is None or planned > send_at else send_at
    pitch.delivery_error, pitch.send_attempts = "", 0
    pitch.updated_at = now
    session.flush()
    return pitch


def unschedule(session: Session, pitch: Pitch) -> None:
    """Hold a queued pitch: back to a draft."""
    if pitch.status == PitchStatus.SCHEDULED:
        pitch.status, pitch.send_at = PitchStatus.DRAFT, None
        session.flush()


# --- the pass -------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    bounced: int = 0
    deferred: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (mailbox id, error)


def _due(now: dt.datetime):
    return and_(
        Pitch.status == PitchStatus.SCHEDULED,
        Pitch.send_at <= now,
        or_(Pitch.send_claimed_until.is_(None), Pitch.send_claimed_until < now),
    )


def send_due(factory: sessionmaker, config, now: dt.datetime | None = None) -> SendResult:
    """One pass over every mailbox with something due."""
    now = now or utcnow()
    result = SendResult()
    with factory() as session:
        mailbox_ids = session.scalars(
            select(Mailbox.id)
            .where(
                Mailbox.connected,
                Mailbox.paused_reason == "",
                or_(
                    select(Pitch.id)
                    .where(Pitch.account_id == Mailbox.account_id, _due(now))
                    .exists(),
                    select(FollowUp.id)
                    .where(FollowUp.account_id == Mailbox.account_id, _follow_up_due(now))
                    .exists(),
                ),
            )
            .order_by(Mailbox.id)
        ).all()
    for mailbox_id in mailbox_ids:
        try:
            _send_for_mailbox(factory, config, mailbox_id, now, result)
        except Exception as exc:  # noqa: BLE001 - one mailbox never stops the others
            log.exception("mailbox %s: send pass failed", mailbox_id)
            result.failed.append((mailbox_id, f"{type(exc).__name__}: {exc}"))
    return result


def _take_slot(session: Session, mailbox: Mailbox, now: dt.datetime) -> bool:
    """The mailbox's next message may go now: claimed, so two passes keep the gap."""
    taken = rows_changed(
        session.execute(
            update(Mailbox)
            .where(
                Mailbox.id == mailbox.id,
                or_(Mailbox.next_send_at.is_(None), Mailbox.next_send_at <= now),
            )
            .values(next_send_at=now + dt.timedelta(seconds=mailbox.min_gap_seconds))
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return bool(taken)


def _claim(session: Session, model, due, order, token_column, until_column, account_id: int,
           now: dt.datetime, limit: int, *load) -> list:  # fmt: skip
    """Up to `limit` of the account's next due rows of `model` (pitches, or follow-up
    emails), claimed for this pass under one lease. The candidates are read first (locked,
    skipping rows another pass holds, on PostgreSQL), then claimed by an UPDATE that checks
    again that each is due and unclaimed: not one UPDATE over a LIMIT subquery, which
    PostgreSQL may evaluate more than once and so claim more rows than it returns. A pass
    that dies holding a claim gives the rest back when the lease runs out."""
    token = uuid.uuid4().hex
    for _attempt in range(20):
        candidates = select(model.id).where(model.account_id == account_id, due).order_by(*order)
        candidates = candidates.limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = session.scalars(candidates).all()
        if not ids:
            session.commit()
            return []
        claimed = rows_changed(
            session.execute(
                update(model)
                .where(model.id.in_(ids), due)
                .values({token_column: token, until_column: now + LEASE})
                .execution_options(synchronize_session=False)
            )
        )
        session.commit()
        if claimed:
            return list(
                session.scalars(
                    select(model)
                    .where(getattr(model, token_column) == token)
                    .order_by(*order)
                    .options(*load)
                    .execution_options(populate_existing=True)
                )
            )
    return []  # others are claiming as fast: they will send them


def _claim_next(session: Session, account_id: int, now: dt.datetime, limit: int = 1) -> list[Pitch]:
    return _claim(
        session, Pitch, _due(now), (Pitch.send_at, Pitch.id), "send_claim",
        "send_claimed_until", account_id, now, limit, selectinload(Pitch.contact),
        selectinload(Pitch.follow_ups),  # sending schedules them anew: loaded with the pitch
    )  # fmt: skip


BATCH = 50  # pitches claimed at once when there is no pause between messages


def _send_for_mailbox(factory, config, mailbox_id: int, now: dt.datetime, result) -> None:
    with factory(expire_on_commit=False) as session:
        mailbox = session.get(Mailbox, mailbox_id)
        account = session.get(Account, mailbox.account_id)
        is_open, _opens = local_window(mailbox, account.timezone, now)
        if not is_open:
            return  # queued pitches wait for the window (their send_at was planned in it)
        zone = ZoneInfo(account.timezone)
        day_start = dt.datetime.combine(now.astimezone(zone).date(), dt.time(), zone)
        sent_today = (
            session.scalar(
                select(func.count(PitchMessage.id)).where(
                    owned_by(PitchMessage, account),
                    PitchMessage.direction == Direction.OUT,
                    PitchMessage.at >= day_start.astimezone(dt.UTC),
                )
            )
            or 0
        )
        try:
            password = password_of(mailbox, config["MAILBOX_KEY"])
        except SecretError as exc:
            _pause(session, mailbox, str(exc))
            result.failed.append((mailbox_id, str(exc)))
            return
        claimed: list[Pitch | FollowUp] = []
        try:
            with _Connection(mailbox, password) as smtp:
                _send_claimed(session, config, smtp, mailbox, account, now, sent_today,
                              claimed, result)  # fmt: skip
        finally:
            if claimed:  # stopped early: what it held goes back at once, not after the lease
                try:
                    session.rollback()
                    _give_back(session, claimed)
                except Exception:  # noqa: BLE001 - then the lease gives them back
                    log.exception("mailbox %s: could not release its claims", mailbox_id)


def _send_claimed(session, config, smtp, mailbox, account, now, sent_today, claimed, result):
    """Claim and send, new pitches first, then follow-up emails, until nothing is due, the
    daily limit is reached or the server says stop. `claimed` holds what is claimed and not
    yet sent. With a pause between messages each one is claimed alone and takes the
    mailbox's pacing slot; with none, they are claimed in batches."""
    gap = mailbox.min_gap_seconds
    while sent_today < mailbox.daily_limit:
        if not claimed:
            size = 1 if gap else min(BATCH, mailbox.daily_limit - sent_today)
            claimed.extend(
                _claim_next(session, account.id, now, size)
                or _claim_next_follow_up(session, account.id, now, size)
            )
            if not claimed:
                return
        if gap and not _take_slot(session, mailbox, now):
            return  # the gap since the last message has not passed yet
        item = claimed.pop(0)
        deliver = _deliver if isinstance(item, Pitch) else _deliver_follow_up
        outcome = deliver(session, config, smtp, mailbox, account, item, now)
        if outcome == "sent":
            result.sent += 1
            sent_today += 1
        elif outcome == "bounced":
            result.bounced += 1
        elif outcome == "held":
            continue
        elif outcome == "deferred":
            result.deferred += 1
            return  # the server is unwell: the rest waits for the next pass
        else:  # paused
            result.failed.append((mailbox.id, mailbox.paused_reason))
            return


class _Connection:
    """The mailbox's connections for one pass: SMTP opened when the first message goes,
    IMAP when the first copy is filed in Sent, each once per pass (not once per message)."""

    def __init__(self, mailbox: Mailbox, password: str):
        self.mailbox, self.password = mailbox, password
        self._stack = ExitStack()
        self.client: smtplib.SMTP | None = None
        self._imap = None
        self.imap_error = ""  # set when IMAP failed: no further tries in this pass

    def __enter__(self) -> _Connection:
        return self

    def _open(self, session_of, side: str):
        return self._stack.enter_context(
            session_of(server(servers_of(self.mailbox), side), self.mailbox.username, self.password)
        )

    def send(self, message) -> dict:
        if self.client is None:
            self.client = self._open(smtp_session, "smtp")
        return self.client.send_message(message)

    def imap(self):
        if self._imap is None:
            self._imap = self._open(imap_session, "imap")
        return self._imap

    def __exit__(self, *exc) -> None:
        self._stack.close()


def _give_back(session: Session, items: list[Pitch | FollowUp]) -> None:
    """Claims this pass holds and will not send, released at once."""
    for item in items:
        if isinstance(item, Pitch):
            item.send_claim, item.send_claimed_until = None, None
        else:
            item.claim_token, item.claimed_until = None, None
    session.commit()


def _try_send(smtp: _Connection, message) -> tuple[str, str]:
    """Hand a message to the SMTP server: ("sent", ""), or ("bounce" | "defer" | "auth",
    the server's words): a permanent refusal of the recipient (5xx), a temporary failure
    (4xx, a connection that failed), or a refused login."""
    try:
        refused = smtp.send(message)
    except smtplib.SMTPAuthenticationError as exc:
        return "auth", f"The SMTP server refused the login: {said(exc)}"
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return ("bounce" if 500 <= code < 600 else "defer"), f"{code} {words}"
    except smtplib.SMTPDataError as exc:
        return ("bounce" if 500 <= exc.smtp_code < 600 else "defer"), said(exc)
    except (smtplib.SMTPException, OSError) as exc:
        return "defer", said(exc)
    if refused:  # the one recipient refused, with the message accepted for nobody
        code, text = next(iter(refused.values()))
        return ("bounce" if 500 <= code < 600 else "defer"), f"{code} {text!r}"
    return "sent", ""


def _deliver(session, config, smtp: _Connection, mailbox, account, pitch, now) -> str:
    contact = pitch.contact
    problem = why_not_sendable(contact)
    if problem:  # changed since it was queued (marked do-not-contact, say): held as a draft
        pitch.status, pitch.delivery_error = PitchStatus.DRAFT, f"Not sent: {problem}"
        _give_back(session, [pitch])
        return "held"
    msgid = compose.message_id(mailbox)
    message = compose.build(
        mailbox, to_name=contact.display_name, to_email=contact.email, subject=pitch.subject,
        body=pitch.body, msgid=msgid, now=now,
    )  # fmt: skip
    outcome, reason = _try_send(smtp, message)
    if outcome == "auth":
        _give_back(session, [pitch])
        _pause(session, mailbox, reason)
        _tell_artist(config, mailbox, account)
        return "paused"
    if outcome == "bounce":
        _bounce(session, pitch, reason, now)
        return "bounced"
    if outcome == "defer":
        return _defer(session, pitch, reason, now)
    _mark_sent(session, account, pitch, mailbox, msgid, message, now)
    _copy_to_sent(session, mailbox, smtp, message, now)
    return "sent"


# --- follow-up emails -------------------------------------------------------------------------


def _follow_up_due(now: dt.datetime):
    return and_(
        FollowUp.kind == FollowUpKind.EMAIL,
        FollowUp.state == FollowUpState.OPEN,
        FollowUp.due_at <= now,
        or_(FollowUp.claimed_until.is_(None), FollowUp.claimed_until < now),
        or_(FollowUp.next_attempt_at.is_(None), FollowUp.next_attempt_at <= now),
    )


def _claim_next_follow_up(
    session: Session, account_id: int, now: dt.datetime, limit: int = 1
) -> list[FollowUp]:
    return _claim(
        session, FollowUp, _follow_up_due(now), (FollowUp.due_at, FollowUp.id), "claim_token",
        "claimed_until", account_id, now, limit,
        selectinload(FollowUp.pitch).selectinload(Pitch.contact),
        selectinload(FollowUp.pitch).selectinload(Pitch.messages),  # the thread it replies in
        selectinload(FollowUp.pitch).selectinload(Pitch.release),  # for the merge fields
    )  # fmt: skip


def _follow_up_template(session: Session, account: Account, follow_up: FollowUp):
    if follow_up.template_id is not None:
        template = session.get(EmailTemplate, follow_up.template_id)
        if template is not None and template.account_id == account.id:
            return template
    return session.scalar(
        select(EmailTemplate)
        .where(
            owned_by(EmailTemplate, account),
            EmailTemplate.purpose == TemplatePurpose.FOLLOW_UP,
            EmailTemplate.archived_at.is_(None),
        )
        .order_by(EmailTemplate.id)
        .limit(1)
    )


def reply_subject(subject: str) -> str:
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def _deliver_follow_up(session, config, smtp, mailbox, account, follow_up, now) -> str:
    """The follow-up's email, as a reply in the pitch's thread (In-Reply-To the last
    message, References the whole thread, "Re: " the pitch's subject)."""
    pitch = follow_up.pitch
    template = _follow_up_template(session, account, follow_up)
    problem = why_not_sendable(pitch.contact) or (
        None if template is not None else "there is no follow-up template to send"
    )
    if problem or pitch.status != PitchStatus.SENT:
        # Replied or closed since it was scheduled (its follow-ups are cancelled then), or
        # it cannot go: the artist is reminded instead, so nothing is dropped silently.
        follow_up.kind, follow_up.claim_token, follow_up.claimed_until = (
            FollowUpKind.REMINDER, None, None,
        )  # fmt: skip
        follow_up.reminder_error = f"Not emailed: {problem}" if problem else ""
        session.commit()
        return "held"
    rendered = render_email(
        template.subject, template.body,
        merge_context(account, mailbox.user, pitch.contact, pitch.release),
    )  # fmt: skip
    thread = [pitch.message_id] + [
        m.message_id for m in pitch.messages if m.message_id and m.message_id != pitch.message_id
    ]
    msgid = compose.message_id(mailbox)
    message = compose.build(
        mailbox, to_name=pitch.contact.display_name, to_email=pitch.contact.email,
        subject=reply_subject(pitch.subject), body=rendered.body, msgid=msgid, now=now,
        in_reply_to=thread[-1], references=thread,
    )  # fmt: skip
    outcome, reason = _try_send(smtp, message)
    if outcome == "auth":
        follow_up.claim_token, follow_up.claimed_until = None, None
        _pause(session, mailbox, reason)
        _tell_artist(config, mailbox, account)
        return "paused"
    if outcome == "bounce":
        _bounce(session, pitch, reason, now)
        return "bounced"
    if outcome == "defer":
        follow_up.reminder_attempts += 1
        follow_up.reminder_error = f"Not sent yet: {reason}"[:1000]
        follow_up.next_attempt_at = now + backoff(follow_up.reminder_attempts)
        follow_up.claim_token, follow_up.claimed_until = None, None
        session.commit()
        return "deferred"
    follow_up.state, follow_up.completed_at, follow_up.reminded_at = (
        FollowUpState.DONE, now, now,
    )  # fmt: skip
    follow_up.state_reason = "emailed"
    follow_up.claim_token, follow_up.claimed_until, follow_up.reminder_error = None, None, ""
    _record_sent(session, pitch, mailbox, MessageKind.FOLLOW_UP, message, rendered.body, now)
    _copy_to_sent(session, mailbox, smtp, message, now)
    return "sent"


def _sent_message(pitch: Pitch, mailbox, kind, message, text: str, now) -> PitchMessage:
    """The message just sent, as the pitch's thread keeps it."""
    return PitchMessage(
        account_id=pitch.account_id, pitch_id=pitch.id, direction=Direction.OUT, kind=kind,
        sender=mailbox.email, recipient=pitch.contact.email,
        subject=str(message["Subject"]), message_id=str(message["Message-ID"]), at=now,
        text=text,
    )  # fmt: skip


def _record_sent(session, pitch: Pitch, mailbox, kind, message, text: str, now) -> None:
    """The message in the pitch's thread, committed at once (see _mark_sent)."""
    session.add(_sent_message(pitch, mailbox, kind, message, text, now))
    session.commit()


def _mark_sent(session, account, pitch, mailbox, msgid, message, now) -> None:
    # Committed at once: the SMTP server has the message, and the window in which a crash
    # could send it twice is this one transaction long (one flush, one commit).
    pitch.sent_at, pitch.message_id = now, msgid
    pitch.send_claim, pitch.send_claimed_until = None, None
    pitch.delivery_error = ""
    session.add(_sent_message(pitch, mailbox, MessageKind.PITCH, message, pitch.body, now))
    change_status(session, account, pitch, PitchStatus.SENT, now)
    session.commit()


def _bounce(session, pitch: Pitch, reason: str, now: dt.datetime) -> None:
    """A permanent refusal (5xx): the pitch is bounced and the address never used again
    until the artist edits it."""
    pitch.status, pitch.delivery_error = PitchStatus.BOUNCED, reason[:2000]
    pitch.send_claim, pitch.send_claimed_until = None, None
    pitch.contact.email_status = EmailStatus.BOUNCED
    cancel_open_follow_ups(session, pitch, "the address bounced")
    session.commit()


def _defer(session, pitch: Pitch, reason: str, now: dt.datetime) -> str:
    """A temporary failure: tried again later, with a growing delay, saying why."""
    pitch.send_attempts += 1
    pitch.delivery_error = f"Not sent yet (try {pitch.send_attempts}): {reason}"[:2000]
    pitch.send_claim, pitch.send_claimed_until = None, None
    if pitch.send_attempts >= MAX_ATTEMPTS:
        pitch.status = PitchStatus.DRAFT
        pitch.delivery_error = f"Not sent after {MAX_ATTEMPTS} tries: {reason}"[:2000]
    else:
        pitch.send_at = now + backoff(pitch.send_attempts)
    session.commit()
    return "deferred"


def _pause(session, mailbox: Mailbox, reason: str) -> None:
    mailbox.paused_reason = reason[:2000]
    session.commit()


def _tell_artist(config, mailbox: Mailbox, account: Account) -> None:
    """The artist hears of a refused login by email too (the instance's own SMTP server),
    since nothing goes out until they reconnect."""
    from crm.reminders.mail import MailError, SmtpSettings, build_message, send

    smtp = SmtpSettings.from_config(config)
    text = (
        f"Stagedoor could not log in to {mailbox.smtp_host} to send your pitches:\n\n"
        f"{mailbox.paused_reason}\n\nNothing was lost: your scheduled pitches wait. Connect"
        f" the mailbox again at {config['CRM_BASE_URL']}/mailbox/ and they will go out."
    )
    try:
        send(smtp, build_message(smtp, [mailbox.user.email], "Your pitches are on hold", text))
    except MailError:
        log.warning("mailbox %s: could not tell the artist about the refused login", mailbox.id)


def _copy_to_sent(session, mailbox: Mailbox, connection: _Connection, message, now) -> None:
    """A copy in the mailbox's Sent folder, so the artist's own mail client shows what
    went out. Gmail files what its SMTP server sends by itself: no second copy there."""
    if mailbox.smtp_host.endswith(("gmail.com", "googlemail.com")) or connection.imap_error:
        return
    try:
        client = connection.imap()
        folder = sent_folder(client)
        if folder is None:
            raise LookupError("the mailbox has no Sent folder")
        client.append(folder, message.as_bytes(), flags=[b"\\Seen"], msg_time=now)
    except Exception as exc:  # noqa: BLE001 - the pitch went; only its copy failed
        connection.imap_error = said(exc)
        mailbox.last_error = f"Sent, but no copy was filed in Sent: {said(exc)}"[:2000]
        session.commit()
