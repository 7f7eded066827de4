"""The dashboard, the home page after login: what is due today, what came back, and what
works; its queries live here beside the view that shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from crm.accounts.current import current_account
from crm.db import get_session, transaction, utcnow
from crm.forms import EmptyForm
from crm.mail_templates import services as template_services
from crm.mailbox.services import mailbox_for_account
from crm.models import (
    MANUAL_STATUSES,
    REPLY_STATUSES,
    Account,
    Contact,
    Direction,
    EmailTemplate,
    FollowUp,
    FollowUpKind,
    FollowUpState,
    Mailbox,
    MessageKind,
    Pitch,
    PitchMessage,
    PitchStatus,
    Release,
    Role,
)
from crm.pitches.services import contact_name, due_windows, with_names
from crm.reminders.passes import failing_reminders
from crm.scope import id_from, owned, owned_by

# The front door: a landing page for visitors, the dashboard for logged-in users.
bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return dashboard()
    return render_template("home/index.html")


def dashboard():
    """The home page after login: what is due, and what works."""
    session, account = get_session(), current_account()
    release_id = id_from(request.args.get("release_id"))
    stats = template_services.template_stats(session, account)
    templates = {t.id: t for t in session.scalars(owned(EmailTemplate, account))}
    counts = pitch_counts(session, account)
    by_release = status_counts_by_release(session, account, counts)
    return render_template(
        "pitches/dashboard.html",
        agenda=agenda(session, account),
        agenda_counted=AGENDA_COUNTED,
        by_release=by_release,
        by_role=reply_rate_by_role(counts),
        by_template=[(templates[tid], s) for tid, s in stats.items() if tid in templates],
        funnel=funnel(counts, release_id),
        releases=session.scalars(owned(Release, account).order_by(Release.title)).all(),
        release_id=release_id,
        statuses=shown_statuses(by_release),
        reminder_problem=failing_reminders(session, account),
        going_out=going_out(session, account),
        new_replies=new_replies(session, account),
        mailbox=mailbox_for_account(session, account),
        action_form=EmptyForm(),
        first_steps=first_steps(session, account),
    )


@bp.post("/first-steps/hide")
@login_required
def hide_first_steps():
    """The user has seen enough of the checklist."""
    session = get_session()
    with transaction(session):
        current_account().first_steps_hidden = True
    flash("The first steps are hidden. Everything they link to is in the menu.", "info")
    return redirect(url_for("home.index"))


# The first steps of a new account, in the order they are best taken.
FIRST_STEPS = ("contacts", "release", "mailbox", "pitch", "reminders")


def first_steps(session: Session, account: Account) -> dict[str, bool] | None:
    """Which of the first steps the account has taken (they tick themselves as it goes),
    or None once all are taken or the user has hidden them."""
    if account.first_steps_hidden:
        return None

    def has(model, *conditions):
        return select(model.id).where(owned_by(model, account), *conditions).exists()

    # One statement for the four, as the dashboard asks on every load.
    contacts, release, mailbox, pitch = session.execute(
        select(
            has(Contact),
            has(Release),
            has(Mailbox, Mailbox.connected),
            has(Pitch, Pitch.sent_at.is_not(None)),
        )
    ).one()
    steps = {
        "contacts": bool(contacts),
        "release": bool(release),
        "mailbox": bool(mailbox),
        "pitch": bool(pitch),
        "reminders": account.reminders_set_at is not None,
    }
    return None if all(steps.values()) else steps


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """An open follow-up as the dashboard lists it: plain values read in one joined query,
    not ORM objects with their pitch, contact and release loaded behind them (the page
    shows up to 75 on every load)."""

    id: int
    sequence: int
    due_at: dt.datetime
    contact_name: str
    release_title: str | None


@dataclass
class Agenda:
    """The first open follow-ups of each part of the dashboard, and how many each holds."""

    overdue: list[AgendaItem]
    today: list[AgendaItem]
    week: list[AgendaItem]
    counts: dict[str, int]


AGENDA_SHOWN = 25


AGENDA_COUNTED = 1000  # "1,000+" beyond this: an exact count would read every overdue row


def agenda(
    session: Session, account: Account, now: dt.datetime | None = None, shown: int | None = None
) -> Agenda:
    """Open follow-ups: overdue, due today, and due in the next seven days (user's days).
    Only the first `shown` of each are loaded, and each is counted up to AGENDA_COUNTED:
    an account with thousands overdue gets "1,000+" and a link to the pitch list. Two
    statements: the three bounded counts, and the three parts' first rows."""
    now, shown = now or utcnow(), shown or AGENDA_SHOWN
    parts = due_windows(account, now)
    is_open = (owned_by(FollowUp, account), FollowUp.state == FollowUpState.OPEN)

    def bounded_count(conditions):
        ids = select(FollowUp.id).where(*is_open, *conditions).limit(AGENDA_COUNTED + 1)
        return select(func.count()).select_from(ids.subquery()).scalar_subquery()

    counted = session.execute(select(*(bounded_count(c) for c in parts.values()))).one()
    counts = dict(zip(parts, counted, strict=True))

    def first(name, conditions):
        part = select(literal(name).label("part"), FollowUp.id, FollowUp.sequence, FollowUp.due_at)
        return (
            with_names(part.join(Pitch, Pitch.id == FollowUp.pitch_id))
            .where(*is_open, *conditions)
            .order_by(FollowUp.due_at, FollowUp.id)
            .limit(shown)
            .subquery()
        )

    wanted = [first(name, c) for name, c in parts.items() if counts[name]]
    loaded: dict[str, list[AgendaItem]] = {name: [] for name in parts}
    if wanted:
        rows = session.execute(union_all(*(select(part) for part in wanted))).all()
        for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
            item = AgendaItem(row.id, row.sequence, row.due_at, contact_name(row), row.title)
            loaded[row.part].append(item)
    return Agenda(**loaded, counts=counts)


def shown_statuses(by_release: list[tuple]) -> list[PitchStatus]:
    """The table's columns: every status a person sets, and scheduled or bounced only when
    some release has such pitches (most accounts never do, and the table is wide)."""
    used = {status for _release, counts in by_release for status in counts}
    return [s for s in PitchStatus if s in MANUAL_STATUSES or s in used]


# (release id, contact's role, status, how many pitches)
PitchCount = tuple[int | None, Role | None, PitchStatus, int]


def pitch_counts(session: Session, account: Account) -> list[PitchCount]:
    """The account's pitches counted by release, contact's role and status, in one scan
    (a covering index): the dashboard's three tables are sums of these few hundred rows,
    where three GROUP BYs read every pitch three times."""
    return [
        (release_id, role, status, count)
        for release_id, role, status, count in session.execute(
            select(Pitch.release_id, Pitch.contact_role, Pitch.status, func.count())
            .where(owned_by(Pitch, account))
            .group_by(Pitch.release_id, Pitch.contact_role, Pitch.status)
        )
    ]


def status_counts_by_release(
    session: Session, account: Account, counts: list[PitchCount]
) -> list[tuple]:
    """((release id, title or None), {status: count}) for every release with pitches."""
    titles = dict(
        session.execute(select(Release.id, Release.title).where(owned_by(Release, account))).all()
    )
    grouped: dict = {}
    for release_id, _role, status, count in counts:
        by_status = grouped.setdefault((release_id, titles.get(release_id)), {})
        by_status[status] = by_status.get(status, 0) + count
    return sorted(grouped.items(), key=lambda item: (item[0][1] is None, item[0][1] or ""))


def reply_rate_by_role(counts: list[PitchCount]) -> list[tuple[Role | None, int, int]]:
    """(role, pitches sent, pitches answered) for each role pitched."""
    totals: dict = {}
    for _release, role, status, count in counts:
        if status == PitchStatus.DRAFT:
            continue
        sent, replied = totals.get(role, (0, 0))
        totals[role] = (sent + count, replied + (count if status in REPLY_STATUSES else 0))
    return [(role, sent, replied) for role, (sent, replied) in totals.items()]


def funnel(counts: list[PitchCount], release_id: int | None) -> list[tuple[str, int]]:
    """Sent → replied → interested → won for one release (each stage counts those past it)."""
    by_status: dict[PitchStatus, int] = {}
    for release, _role, status, count in counts:
        if status != PitchStatus.DRAFT and (not release_id or release == release_id):
            by_status[status] = by_status.get(status, 0) + count
    sent = sum(by_status.values())
    replied = sum(by_status.get(s, 0) for s in REPLY_STATUSES)
    interested = by_status.get(PitchStatus.INTERESTED, 0) + by_status.get(PitchStatus.WON, 0)
    return [
        ("Sent", sent),
        ("Replied", replied),
        ("Interested", interested),
        ("Won", by_status.get(PitchStatus.WON, 0)),
    ]


GOING_OUT_SHOWN = 10


@dataclass(frozen=True, slots=True)
class GoingOut:
    """One email the mailbox will send by itself, a queued pitch or a follow-up email, as
    plain values from one joined query each (ORM pitches with their contacts, and those
    contacts' addresses, cost six queries and more than the rest of the agenda)."""

    at: dt.datetime
    pitch_id: int
    contact_name: str
    subject: str
    problem: str  # why it did not go the last time it was tried, if it was
    follow_up_id: int | None = None
    sequence: int | None = None


def going_out(session: Session, account: Account, now: dt.datetime | None = None) -> list:
    """What the mailbox will send by itself in the next 7 days, soonest first: queued
    pitches and follow-up emails, each of which the artist can hold."""
    horizon = (now or utcnow()) + dt.timedelta(days=7)
    pitches = session.execute(
        with_names(select(Pitch.id, Pitch.send_at, Pitch.subject, Pitch.delivery_error))
        .where(
            owned_by(Pitch, account),
            Pitch.status == PitchStatus.SCHEDULED,
            Pitch.send_at < horizon,
        )
        .order_by(Pitch.send_at, Pitch.id)
        .limit(GOING_OUT_SHOWN)
    )
    follow_ups = session.execute(
        with_names(
            select(
                FollowUp.id, FollowUp.due_at, FollowUp.sequence, FollowUp.reminder_error,
                Pitch.id.label("pitch_id"), Pitch.subject,
            ).join(Pitch, Pitch.id == FollowUp.pitch_id)
        )
        .where(
            owned_by(FollowUp, account),
            FollowUp.kind == FollowUpKind.EMAIL,
            FollowUp.state == FollowUpState.OPEN,
            FollowUp.due_at < horizon,
        )
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(GOING_OUT_SHOWN)
    )  # fmt: skip
    items = [
        GoingOut(p.send_at, p.id, contact_name(p), p.subject, p.delivery_error)
        for p in pitches
        if p.send_at
    ] + [
        GoingOut(
            f.due_at, f.pitch_id, contact_name(f), f.subject, f.reminder_error, f.id, f.sequence
        )  # fmt: skip
        for f in follow_ups
    ]
    return sorted(items, key=lambda item: item.at)[:GOING_OUT_SHOWN]


REPLIES_SHOWN = 8


@dataclass(frozen=True, slots=True)
class NewReply:
    """A message that came back, as the dashboard lists it: plain values from one query."""

    kind: MessageKind
    at: dt.datetime
    text: str
    pitch_id: int
    pitch_status: PitchStatus
    contact_name: str


def new_replies(session: Session, account: Account) -> list[NewReply]:
    """What came back from the inbox, newest first: replies, automatic replies, bounces.
    Read off the messages' index by account, direction and time (migration 0025)."""
    rows = session.execute(
        with_names(
            select(
                PitchMessage.kind, PitchMessage.at, PitchMessage.text,
                Pitch.id.label("pitch_id"), Pitch.status,
            ).join(Pitch, Pitch.id == PitchMessage.pitch_id)
        )
        .where(owned_by(PitchMessage, account), PitchMessage.direction == Direction.IN)
        .order_by(PitchMessage.at.desc(), PitchMessage.id.desc())
        .limit(REPLIES_SHOWN)
    )  # fmt: skip
    return [NewReply(r.kind, r.at, r.text, r.pitch_id, r.status, contact_name(r)) for r in rows]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
