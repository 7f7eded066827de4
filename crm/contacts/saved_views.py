"""Saved views: a filter of the contact list kept under a name, shown above the list, so
the lists an artist works from every week ("Berlin bookers", "Press, never contacted")
are one click away. Plain functions of (session, account, ...)."""

from __future__ import annotations

import enum

from sqlalchemy.orm import Session

from crm.contacts.services import ContactFilters
from crm.models import Account, SavedView
from crm.scope import owned

MAX_VIEWS = 30
MAX_NAME = 60


class ViewRefused(ValueError):
    """A view that cannot be saved, with the reason for the user."""


def list_views(session: Session, account: Account) -> list[SavedView]:
    return list(session.scalars(owned(SavedView, account).order_by(SavedView.name)))


def view_filters(filters: ContactFilters) -> dict[str, object]:
    """The filters as the list's link carries them (and as a view keeps them)."""
    kept = {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in filters.active().items()}
    if filters.sort != "name":
        kept["sort"] = filters.sort
    return kept


def save_view(session: Session, account: Account, name: str, filters: ContactFilters) -> SavedView:
    """Keep the list's filters under a name; a view of the same name is replaced."""
    name = " ".join(name.split())
    if not name:
        raise ViewRefused("Give the view a name, like “Berlin bookers”.")
    if len(name) > MAX_NAME:
        raise ViewRefused(f"Keep the name under {MAX_NAME} characters.")
    kept = view_filters(filters)
    if not kept:
        raise ViewRefused("Choose a search or a filter first: this view would be every contact.")
    view = session.scalar(owned(SavedView, account).where(SavedView.name == name))
    if view is None:
        if len(list_views(session, account)) >= MAX_VIEWS:
            raise ViewRefused(f"At most {MAX_VIEWS} views: delete one you no longer use.")
        view = SavedView(account_id=account.id, name=name)
        session.add(view)
    view.filters = kept
    session.flush()
    return view
