"""Pitches and follow-ups: the one place where a status changes, and with it the follow-ups
are scheduled (on sent) or cancelled (on a reply, or when the pitch closes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session

from crm.bulk import among
from crm.contacts.services import add_note
from crm.db import rows_changed, utcnow
from crm.mail_templates.services import merge_context, render_email
from crm.models import (
    CLOSING_STATUSES,
    REPLY_STATUSES,
    Account,
    Channel,
    Contact,
    EmailStatus,
    EmailTemplate,
    FollowUp,
    FollowUpKind,
    FollowUpState,
    Pitch,
    PitchStatus,
    Release,
    User,
)
from crm.models.contacts import shown_name
from crm.scope import owned, owned_by

MAX_CADENCE_DAYS = 365
MAX_FOLLOW_UPS = 10


class PitchRefused(ValueError):
    """A pitch that may not be made (do-not-contact), with the field it concerns."""

    def __init__(self, message: str, field: str = "contact_id"):
        super().__init__(message)
        self.field = field


def clean_cadence(value: object) -> list[int]:
    """Days after sending, e.g. "7, 14" or [7, 14]: positive, rising, at most a year."""
    items = value if isinstance(value, list | tuple) else str(value or "").replace(";", ",")
    if isinstance(items, str):
        items = [p for p in items.split(",") if p.strip()]
    try:
        days = sorted({int(str(d).strip()) for d in items})
    except ValueError:
        raise PitchRefused("Write the days as numbers, like 7, 14.", "cadence") from None
    if days and days[0] < 1:
        raise PitchRefused(
            f"Days count from the day the pitch is sent, so start at 1 (not {days[0]}).",
            "cadence",
        )
    if days and days[-1] > MAX_CADENCE_DAYS:
        raise PitchRefused(
            f"Follow up within a year: {days[-1]} days is too far (at most {MAX_CADENCE_DAYS}).",
            "cadence",
        )
    if len(days) > MAX_FOLLOW_UPS:
        raise PitchRefused(
            f"At most {MAX_FOLLOW_UPS} follow-ups; these are {len(days)}.", "cadence"
        )
    return days


def schedule_follow_ups(
    session: Session, pitch: Pitch, cadence: list[int], steps: list | None = None
) -> list[FollowUp]:
    """Follow-ups due `cadence` days after the pitch was sent (open ones are replaced).
    `steps` says, step by step, which are emails that go out by themselves; only a pitch
    sent from the mailbox has a thread for them to go in, so the others' are reminders.
    Flushed by change_status, its one caller, with the rest of the change."""
    cancel_open_follow_ups(session, pitch, "rescheduled")
    created = []
    for sequence, days in enumerate(cadence, start=1):
        step = (steps or [])[sequence - 1] if sequence <= len(steps or []) else {}
        emailed = pitch.message_id and isinstance(step, dict) and step.get("kind") == "email"
        follow_up = FollowUp(
            account_id=pitch.account_id,
            pitch=pitch,
            sequence=sequence,
            due_at=pitch.sent_at + dt.timedelta(days=days),
            kind=FollowUpKind.EMAIL if emailed else FollowUpKind.REMINDER,
            template_id=step.get("template_id") if emailed else None,
        )
        session.add(follow_up)
        created.append(follow_up)
    return created


def cadence_steps(session: Session, account: Account, choices: list[str]) -> list[dict]:
    """The cadence's steps from their menus ("reminder", or "email:<template id>" of one
    of the account's templates); anything else is a reminder."""
    steps = []
    for choice in choices:
        kind, _, template_id = choice.partition(":")
        template = (
            session.scalar(
                owned(EmailTemplate, account).where(EmailTemplate.id == int(template_id))
            )
            if kind == "email" and template_id.isdigit() and len(template_id) < 10
            else None
        )
        steps.append(
            {"kind": "email", "template_id": template.id} if template else {"kind": "reminder"}
        )
    return steps


def cancel_open_follow_ups(session: Session, pitch: Pitch, reason: str) -> int:
    """Cancel the pitch's open follow-ups, saying why. When they are not loaded (the inbox
    pass, a reply at a time) one UPDATE does it, rather than loading them to change them."""
    if "follow_ups" in inspect(pitch).unloaded:
        return rows_changed(
            session.execute(
                update(FollowUp)
                .where(FollowUp.pitch_id == pitch.id, FollowUp.state == FollowUpState.OPEN)
                .values(state=FollowUpState.CANCELLED, state_reason=reason)
                .execution_options(synchronize_session="fetch")
            )
        )
    count = 0
    for follow_up in pitch.follow_ups:
        if follow_up.state == FollowUpState.OPEN:
            follow_up.state, follow_up.state_reason = FollowUpState.CANCELLED, reason
            count += 1
    return count


def change_status(
    session: Session,
    account: Account,
    pitch: Pitch,
    status: PitchStatus,
    now: dt.datetime | None = None,
    note: str = "",
) -> Pitch:
    """Move a pitch to `status`, scheduling or cancelling its follow-ups to match."""
    now = now or utcnow()
    previous = pitch.status
    pitch.status = status
    if status == PitchStatus.SENT and previous != PitchStatus.SENT:
        pitch.sent_at = pitch.sent_at or now
        pitch.contact.last_contacted_at = max(
            filter(None, [pitch.contact.last_contacted_at, pitch.sent_at])
        )
        schedule_follow_ups(
            session, pitch, pitch.cadence_days or account.cadence_days, account.cadence_steps
        )
    elif status in CLOSING_STATUSES:
        if status in REPLY_STATUSES and pitch.replied_at is None:
            pitch.replied_at = now
        reason = (
            f"{status.label.lower()} on {now:%d %b %Y}"
            if status in REPLY_STATUSES
            else "closed: no response"
        )
        cancel_open_follow_ups(session, pitch, reason)
    if note and note.strip():
        stamp = f"{now:%d %b %Y}: {note.strip()}"
        pitch.notes = f"{pitch.notes}\n{stamp}".strip()
        add_note(session, account, pitch.contact, note, pitch=pitch, now=now)
    pitch.updated_at = now
    session.flush()
    return pitch


def find_duplicates(
    session: Session, account: Account, contact_ids: list[int], release: Release | None
) -> set[int]:
    """Contacts already pitched for this release (for a warning before pitching again)."""
    if not contact_ids:
        return set()
    stmt = select(Pitch.contact_id).where(
        owned_by(Pitch, account),
        Pitch.contact_id.in_(contact_ids),
        Pitch.release_id == release.id if release else Pitch.release_id.is_(None),
    )
    return set(session.scalars(stmt))


def create_pitch(
    session: Session,
    account: Account,
    user: User,
    contact: Contact,
    *,
    release: Release | None = None,
    template: EmailTemplate | None = None,
    subject: str = "",
    body: str = "",
    status: PitchStatus = PitchStatus.DRAFT,
    channel: Channel = Channel.EMAIL,
    sent_at: dt.datetime | None = None,
    notes: str = "",
    cadence: list[int] | None = None,
    now: dt.datetime | None = None,
) -> Pitch:
    """A pitch of `contact`; the email is rendered from the template unless given, and kept
    exactly as it is (a later edit of the template does not rewrite it)."""
    if contact.do_not_contact:
        raise PitchRefused(f"{contact.display_name} is marked do-not-contact.")
    if template is not None and not (subject or body):
        rendered = render_email(
            template.subject, template.body, merge_context(account, user, contact, release)
        )
        subject, body = rendered.subject, rendered.body
    pitch = Pitch(
        account_id=account.id,
        contact=contact,
        release=release,
        template=template,
        subject=" ".join(subject.split())[:300],
        body=body,
        status=PitchStatus.DRAFT,
        contact_role=contact.role,
        channel=channel,
        sent_at=sent_at,
        notes=notes,
        cadence_days=cadence,
    )
    session.add(pitch)
    session.flush()
    if status != PitchStatus.DRAFT:
        change_status(session, account, pitch, PitchStatus.SENT, now)
        if status != PitchStatus.SENT:
            change_status(session, account, pitch, status, now)
    return pitch


@dataclass
class BulkResult:
    created: list[Pitch] = field(default_factory=list)
    refused: list[tuple[Contact, str]] = field(default_factory=list)


def skip_reasons(
    session: Session,
    account: Account,
    contacts: list[Contact],
    release: Release | None,
    *,
    by_mailbox: bool,
    pitch_again: bool,
) -> dict[int, str]:
    """Why each contact a bulk pitch would skip is skipped, by contact id: the review page
    shows these, and bulk_pitch skips exactly these, so its button counts what will go."""
    duplicates = find_duplicates(session, account, [c.id for c in contacts], release)
    reasons = {}
    for contact in contacts:
        if contact.do_not_contact:
            reasons[contact.id] = "marked do-not-contact"
        elif by_mailbox and not contact.email:
            reasons[contact.id] = "no email address"
        elif by_mailbox and contact.email_status == EmailStatus.BOUNCED:
            reasons[contact.id] = "email to this address bounced before"
        elif contact.id in duplicates and not pitch_again:
            reasons[contact.id] = "already pitched for this release"
    return reasons


def bulk_pitch(
    session: Session,
    account: Account,
    user: User,
    contacts: list[Contact],
    *,
    release: Release | None,
    template: EmailTemplate,
    status: PitchStatus = PitchStatus.SENT,
    now: dt.datetime | None = None,
    skip: dict[int, str] | None = None,
    edits: dict[int, tuple[str, str]] | None = None,
) -> BulkResult:
    """A pitch of each contact but those in `skip` (see skip_reasons), from the template or
    from the artist's edit of that one email (`edits`: contact id -> subject, body)."""
    result = BulkResult()
    skip, edits = skip or {}, edits or {}
    for contact in contacts:
        if contact.id in skip:
            result.refused.append((contact, skip[contact.id]))
            continue
        subject, body = edits.get(contact.id, ("", ""))
        try:
            result.created.append(
                create_pitch(
                    session,
                    account,
                    user,
                    contact,
                    release=release,
                    template=template,
                    subject=subject,
                    body=body,
                    status=status,
                    now=now,
                )  # fmt: skip
            )
        except PitchRefused as exc:
            result.refused.append((contact, str(exc)))
    return result


# --- follow-ups -------------------------------------------------------------------------


def complete_follow_up(
    session: Session, follow_up: FollowUp, state: FollowUpState, now: dt.datetime | None = None
) -> None:
    follow_up.state, follow_up.completed_at = state, now or utcnow()
    session.flush()


def snooze(
    session: Session,
    account: Account,
    follow_up: FollowUp,
    *,
    days: int | None = None,
    until: dt.date | None = None,
) -> None:
    """Push a follow-up back by whole days (or to a date) at the same local time of day, so a
    snooze across a daylight-saving change keeps the hour the user sees."""
    zone = ZoneInfo(account.timezone)
    local = follow_up.due_at.astimezone(zone)
    if until is not None:
        target = dt.datetime.combine(until, local.time().replace(tzinfo=None))
    else:
        target = local.replace(tzinfo=None) + dt.timedelta(days=days or 1)
    follow_up.due_at = target.replace(tzinfo=zone).astimezone(dt.UTC)
    follow_up.state = FollowUpState.OPEN
    session.flush()


def next_week(account: Account, now: dt.datetime | None = None) -> dt.date:
    """Next Monday in the account's time zone."""
    today = (now or utcnow()).astimezone(ZoneInfo(account.timezone)).date()
    return today + dt.timedelta(days=7 - today.weekday())


def local_day_bounds(account: Account, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (UTC) of the user's today."""
    zone = ZoneInfo(account.timezone)
    today = now.astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time(), zone)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def due_windows(account: Account, now: dt.datetime) -> dict[str, tuple]:
    """When an open follow-up falls due, as the dashboard's agenda and the pitch list's
    filter both cut it, in the user's days: overdue, today, and the next seven days. Each
    window is the conditions on FollowUp.due_at."""
    start, end = local_day_bounds(account, now)
    return {
        "overdue": (FollowUp.due_at < start,),
        "today": (FollowUp.due_at >= start, FollowUp.due_at < end),
        "week": (FollowUp.due_at >= end, FollowUp.due_at < end + dt.timedelta(days=7)),
    }


# What a row of a list of pitches (or of their follow-ups) needs to name its contact and
# release, read with the row rather than loaded as ORM objects behind it.
NAMES = (Contact.id.label("contact_id"), Contact.first_name, Contact.last_name, Contact.email,
         Release.title)  # fmt: skip


def with_names(stmt):
    """`stmt`, over pitches, joined to each pitch's contact and release for NAMES."""
    return (
        stmt.add_columns(*NAMES)
        .join(Contact, Contact.id == Pitch.contact_id)
        .outerjoin(Release, Release.id == Pitch.release_id)
    )


def contact_name(row) -> str:
    """The contact's name, as every page shows it, from a row read with NAMES."""
    return shown_name(row.first_name, row.last_name, row.email, row.contact_id)


@dataclass(frozen=True, slots=True)
class BoardCard:
    """A pitch as its card shows it: plain values from one joined query (a board holds up
    to 300 cards; ORM objects with their contact and release cost more than the page's SQL)."""

    id: int
    status: PitchStatus
    sent_at: dt.datetime | None
    updated_at: dt.datetime
    contact_name: str
    release_title: str | None


@dataclass
class Board:
    """The pipeline: the most recently updated pitches by status, and for the closed ones
    why their follow-ups stopped."""

    columns: dict[PitchStatus, list[BoardCard]]
    stopped: dict[int, str]
    shown: int


BOARD_LIMIT = 300


def board(
    session: Session, account: Account, release_id: int | None = None, limit: int = BOARD_LIMIT
) -> Board:
    """Reads only what a card shows (not the emails' subjects and bodies)."""
    stmt = with_names(select(Pitch.id, Pitch.status, Pitch.sent_at, Pitch.updated_at)).where(
        owned_by(Pitch, account)
    )
    if release_id is not None:
        stmt = stmt.where(Pitch.release_id == release_id)
    rows = session.execute(stmt.order_by(Pitch.updated_at.desc()).limit(limit)).all()
    columns: dict[PitchStatus, list[BoardCard]] = {status: [] for status in PitchStatus}
    for row in rows:
        columns[row.status].append(
            BoardCard(row.id, row.status, row.sent_at, row.updated_at, contact_name(row), row.title)
        )
    closed = [row.id for row in rows if row.status in CLOSING_STATUSES]
    stopped = (
        dict(
            session.execute(
                select(FollowUp.pitch_id, func.min(FollowUp.state_reason))
                .where(owned_by(FollowUp, account), among(session, FollowUp.pitch_id, closed))
                .where(FollowUp.state == FollowUpState.CANCELLED)
                .group_by(FollowUp.pitch_id)
            ).all()
        )
        if closed
        else {}
    )
    return Board(columns=columns, stopped=stopped, shown=len(rows))
