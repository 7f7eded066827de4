"""Pages of results, shared by the HTML lists and the JSON API."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, false, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PER_PAGE = 200
# Past this page nobody pages by hand, and OFFSET arithmetic on a 20-digit number would
# overflow the database's integers.
MAX_PAGE = 1_000_000


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def clamp(page: object, per_page: object, default_per_page: int = 50) -> tuple[int, int]:
    """Page numbers from user input: junk or out-of-range values fall back to sane ones."""
    try:
        page_number = min(MAX_PAGE, max(1, int(str(page)[:20])))
    except (TypeError, ValueError):
        page_number = 1
    try:
        size = min(MAX_PER_PAGE, max(1, int(str(per_page)[:20])))
    except (TypeError, ValueError):
        size = default_per_page
    return page_number, size


def paginate(session: Session, stmt: Select, page: int, per_page: int) -> Page:
    # Counting only ids (not every column) lets the database answer from an index.
    counted = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    total = session.scalar(counted)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


# --- pages found by seeking (keyset pagination) -----------------------------------------
#
# A list page found with OFFSET walks and drops every row before it: page 500 of the
# contact list read 25,000 index entries to show 50. A seek page starts from the last row
# the previous page showed (its sort key, carried in the link as a cursor), so every page
# costs what the first one does. Its count is bounded: exact up to COUNT_LIMIT, then
# "10,000+", since an exact count reads every matching row on every page.

COUNT_LIMIT = 10_000

# A filter that this many rows or more pass is common: a page of it is found by walking
# the list in its order and testing each row (one in 14 passes: 700 tests for 50 rows),
# not by sorting all that pass (7,000 of them: 11 ms against 0.3 on SQLite). A rare one
# is the other way round (30 rows found at once; walking 100,000 for them took 15 ms).
COMMON_MATCHES = 2_000


@dataclass(frozen=True)
class SortKey:
    """One term of a list's order: an expression, its direction, and whether it can be
    NULL (NULLs sort as their own group, which the order puts first or last itself)."""

    expression: Any
    descending: bool = False
    nullable: bool = False
    parse: Callable[[Any], Any] = lambda value: value


@dataclass
class SeekPage(Generic[T]):
    items: list[T]
    total: int  # at most COUNT_LIMIT
    more_than_counted: bool  # there are more than `total`
    number: int  # the page's place, for "Page 3" (it is not used to find the page)
    per_page: int
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def bounded_count(session: Session, stmt: Select, limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """How many rows `stmt` gives, counted up to `limit`; and whether there are more.
    Counted on a constant, not the rows' columns: the database can then count from an
    index alone instead of reading 10,001 whole rows (their notes too) to count them."""
    ids = (
        stmt.order_by(None)
        .with_only_columns(literal_column("1"), maintain_column_froms=True)
        .limit(limit + 1)
        .subquery()
    )
    found = session.scalar(select(func.count()).select_from(ids)) or 0
    return min(found, limit), found > limit


def seek(
    session: Session,
    stmt: Select,
    keys: list[SortKey],
    *,
    cursor: str | None,
    backwards: bool = False,
    number: int = 1,
    per_page: int = 50,
    counted: tuple[int, bool] | None = None,
) -> SeekPage:
    """The page of `stmt` (whose ORDER BY is `keys`) after the row `cursor` names, or
    before it when `backwards`. A cursor that cannot be read gives the first page. The
    page's items are what `stmt` selects: its entity when it selects one, else its rows
    (with the sort's values after the statement's own columns).
    `counted`: the bounded count of `stmt` (bounded_count's answer), when the caller
    knows it from a cheaper query."""
    start = _read_cursor(cursor, keys)
    if start is None:
        backwards, number = False, 1
    query = stmt
    if start is not None:
        query = query.where(_beyond(keys, start, backwards))
    if backwards:
        query = query.order_by(None).order_by(*(_ordered(k, reverse=True) for k in keys))
    labels = [k.expression.label(f"seek_{i}") for i, k in enumerate(keys)]
    rows = list(session.execute(query.add_columns(*labels).limit(per_page + 1)).all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    width = len(stmt.column_descriptions)  # an entity is one column of a row
    items = [row[0] if width == 1 else row for row in rows]
    total, more_than_counted = counted or bounded_count(session, stmt)
    # Rows lie after this page when there were more of them going forward, or when we
    # came back from a later page; before it, the other way round.
    has_next = more if not backwards else start is not None
    has_prev = (start is not None if not backwards else more) and number > 1
    return SeekPage(
        items=items,
        total=total,
        more_than_counted=more_than_counted,
        number=max(1, number),
        per_page=per_page,
        next_cursor=cursor_for(rows[-1][width:]) if rows and has_next else None,
        prev_cursor=cursor_for(rows[0][width:]) if rows and has_prev else None,
    )


def _ordered(key: SortKey, *, reverse: bool = False):
    descending = key.descending != reverse
    return key.expression.desc() if descending else key.expression.asc()


def _beyond(keys: list[SortKey], values: list, backwards: bool):
    """Rows after `values` in the order of `keys` (before them, `backwards`): the first key
    past its value, or equal to it and the next one past, and so on. NULLs are a group of
    their own, placed by an earlier key (crm.contacts: "no company" sorts last)."""
    directions = {k.descending for k in keys}
    if len(directions) == 1 and not any(k.nullable for k in keys):
        # One row-value comparison: both engines answer it as one range of the index.
        forward = keys[0].descending == backwards
        row = tuple_(*(k.expression for k in keys))
        start = tuple_(*(_value(k, v) for k, v in zip(keys, values, strict=True)))
        return row > start if forward else row < start
    terms = []
    for i, key in enumerate(keys):
        equal = [_equal(k, v) for k, v in zip(keys[:i], values[:i], strict=True)]
        if values[i] is None:
            continue  # nothing is past NULL within its group
        forward = key.descending == backwards  # ascending forward, or descending backward
        value = _value(key, values[i])
        past = key.expression > value if forward else key.expression < value
        terms.append(and_(*equal, past))
    return or_(*terms) if terms else false()


def _equal(key: SortKey, value):
    return key.expression.is_(None) if value is None else key.expression == _value(key, value)


def _value(key: SortKey, value):
    """The cursor's value bound as the key's own type (a UTC time stored as the column
    stores it; a flag as a flag)."""
    return literal(value, key.expression.type)


def cursor_for(values) -> str:
    """The cursor of a row whose sort key is `values` (what "Next" carries)."""
    text = json.dumps([_plain(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _read_cursor(cursor: str | None, keys: list[SortKey]) -> list | None:
    if not cursor or len(cursor) > 2000:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        return [None if v is None else k.parse(v) for k, v in zip(keys, values, strict=True)]
    except (ValueError, TypeError):  # binascii.Error and JSONDecodeError are ValueErrors
        return None
