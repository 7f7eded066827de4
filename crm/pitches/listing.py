"""The list of pitches: filtered by status, release, the contact's role and when a
follow-up falls due, newest change first, a page at a time found by seeking (as the
contact list is: crm.pagination.seek), each row plain values read with the page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import Account, Contact, FollowUp, FollowUpState, Pitch, PitchStatus, Role
from crm.pagination import COMMON_MATCHES, COUNT_LIMIT, SeekPage, SortKey, bounded_count, seek
from crm.pitches.services import contact_name, due_windows, with_names
from crm.scope import owned, owned_by

DUE_WINDOWS = {"overdue": "Overdue", "today": "Today", "week": "Next 7 days"}


@dataclass(frozen=True)
class PitchFilters:
    status: PitchStatus | None = None
    release_id: int | None = None
    role: Role | None = None
    due: str = ""  # a key of DUE_WINDOWS: an open follow-up falls due then

    def active(self) -> bool:
        return any((self.status, self.release_id, self.role, self.due))


@dataclass(frozen=True, slots=True)
class PitchRow:
    """A pitch as a line of the list shows it (see crm.pitches.services.BoardCard)."""

    id: int
    contact_name: str
    release_title: str | None
    subject: str
    status: PitchStatus
    sent_at: dt.datetime | None


SORT = [
    SortKey(Pitch.updated_at, descending=True, parse=dt.datetime.fromisoformat),
    SortKey(Pitch.id, descending=True),
]


def _open_due(account: Account, due: str, now: dt.datetime) -> tuple:
    """The conditions on a follow-up that is open and falls due in the window `due`."""
    window = due_windows(account, now)[due]
    return (owned_by(FollowUp, account), FollowUp.state == FollowUpState.OPEN, *window)


def due_count(session: Session, account: Account, due: str, now: dt.datetime) -> tuple[int, bool]:
    """How many pitches have an open follow-up due in the window, counted up to
    COUNT_LIMIT from the follow-ups' index alone (a follow-up and its pitch are always of
    one account)."""
    pitches = (
        select(FollowUp.pitch_id).where(*_open_due(account, due, now)).distinct()
        .limit(COUNT_LIMIT + 1).subquery()
    )  # fmt: skip
    found = session.scalar(select(func.count()).select_from(pitches)) or 0
    return min(found, COUNT_LIMIT), found > COUNT_LIMIT


def pitch_query(
    account: Account,
    filters: PitchFilters,
    now: dt.datetime | None = None,
    *,
    walking: bool = False,
) -> Select:
    """The account's pitches that the filters keep, newest change first. `walking`: only
    a page's first rows are read and many pitches have a follow-up due in the window, so
    each pitch walked in list order is tested (crm.pagination.COMMON_MATCHES); otherwise
    the window's pitches are found first."""
    stmt = owned(Pitch, account)
    if filters.status:
        stmt = stmt.where(Pitch.status == filters.status)
    if filters.release_id:
        stmt = stmt.where(Pitch.release_id == filters.release_id)
    if filters.role:
        stmt = stmt.where(
            Pitch.contact_id.in_(
                select(Contact.id).where(owned_by(Contact, account), Contact.role == filters.role)
            )
        )
    if filters.due in DUE_WINDOWS:
        due = _open_due(account, filters.due, now or utcnow())
        if walking:
            stmt = stmt.where(exists().where(FollowUp.pitch_id == Pitch.id, *due))
        else:
            stmt = stmt.where(Pitch.id.in_(select(FollowUp.pitch_id).where(*due)))
    return stmt.order_by(*(k.expression.desc() for k in SORT))


def browse_pitches(
    session: Session,
    account: Account,
    filters: PitchFilters,
    *,
    cursor: str | None = None,
    backwards: bool = False,
    number: int = 1,
    per_page: int = 50,
    now: dt.datetime | None = None,
) -> SeekPage[PitchRow]:
    """A page of the list from where the last one ended, so page 500 costs what page 1
    does; counted up to crm.pagination.COUNT_LIMIT on the pitches alone (the names are
    joined to the page's rows only), or for a "follow-up due" filter alone on the
    follow-ups' index, the window's size also saying how its page is best found."""
    now = now or utcnow()
    counted = None
    if filters.due:
        counted = due_count(session, account, filters.due, now)
    common = counted is not None and counted[0] >= COMMON_MATCHES
    if counted is None or filters != PitchFilters(due=filters.due):
        counted = bounded_count(session, pitch_query(account, filters, now))
    stmt = pitch_query(account, filters, now, walking=common)
    columns = (Pitch.id, Pitch.subject, Pitch.status, Pitch.sent_at)
    rows = with_names(stmt.with_only_columns(*columns, maintain_column_froms=True))
    page = seek(
        session, rows, SORT, cursor=cursor, backwards=backwards, number=number,
        per_page=per_page, counted=counted,
    )  # fmt: skip
    page.items = [
        PitchRow(
            id=row.id, subject=row.subject, status=row.status, sent_at=row.sent_at,
            contact_name=contact_name(row), release_title=row.title,
        )
        for row in page.items
    ]  # fmt: skip
    return page
