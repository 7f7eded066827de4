"""Pages of results, shared by the HTML lists and the JSON API."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func
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
