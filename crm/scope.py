"""Every query for user data goes through here, so forgetting the account is hard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from crm.models import Account

T = TypeVar("T")


class NotFound(LookupError):
    """The object does not exist in this account (whether or not it exists in another)."""


def owned(model: type[T], account: Account) -> Select[T]:
    return select(model).where(owned_by(model, account))


def owned_by(model: Any, account: Account) -> ColumnElement[bool]:
    """The condition that a row of `model` is the account's, for a query that selects
    columns, counts or joins (owned() selects whole rows): the one way to write it."""
    return model.account_id == account.id


def account_check(model: type, account: Account) -> ColumnElement[bool]:
    """`model.account_id == account.id`, written so that no index serves it (`+ 0`), for
    rows found by id (a list of ids, the search index's matches): without table statistics
    SQLite would otherwise walk all of an account's rows (100,000 contacts) through the
    account's index, and test each against the ids."""
    return model.account_id + 0 == account.id


def owned_among(model: type, account: Account, ids: Iterable[int]) -> ColumnElement[bool]:
    """The account's rows among `ids`: each found by its id, then checked for the account."""
    return and_(model.id.in_(list(ids)), account_check(model, account))


# Ids are 32-bit integers on PostgreSQL; anything outside cannot exist (and would make the
# driver raise instead of finding nothing).
MAX_ID = 2**31 - 1


def id_from(value: str | None) -> int | None:
    """An id given as text (a query argument, a form field): None unless it is one that an
    id can be. Not str.isdigit alone: "²" passes it, and int() refuses it."""
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def get_owned(session: Session, account: Account, model: type[T], object_id: int) -> T:
    if not 0 < object_id <= MAX_ID:
        raise NotFound(f"{model.__name__} {object_id} not found")
    obj = session.scalar(owned(model, account).where(model.id == object_id))
    if obj is None:
        raise NotFound(f"{model.__name__} {object_id} not found")
    return obj
