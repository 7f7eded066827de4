"""Working on many contacts at once: the contact list's bulk changes, each kept with what
the contacts were before, so that it can be undone as an import can; and the list's
saved views."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import UTC, Base, created_at, intpk
from crm.models.contacts import _str_enum


class ChangeKind(enum.StrEnum):
    SET_ROLE = "set_role"
    ADD_LABEL = "add_label"
    REMOVE_LABEL = "remove_label"
    DO_NOT_CONTACT = "do_not_contact"
    DELETE = "delete"


class ContactChange(Base):
    """One bulk change: what was done, to how many contacts, by whom, and when undone."""

    __tablename__ = "contact_changes"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[ChangeKind] = mapped_column(_str_enum(ChangeKind, 20))
    # What was done, in the user's words: "Tag “festival” added".
    summary: Mapped[str] = mapped_column(String(300))
    # What the change needs to be undone beyond each contact's item (a tag's kind and name).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_at]
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTC)


class ContactChangeItem(Base):
    """What one contact was before a bulk change (no foreign key to the contact: a deleted
    contact's item is what brings it back)."""

    __tablename__ = "contact_change_items"

    id: Mapped[intpk]
    change_id: Mapped[int] = mapped_column(
        ForeignKey("contact_changes.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)


class SavedView(Base):
    """A filter of the contact list kept under a name ("Berlin bookers"), one click away."""

    __tablename__ = "saved_views"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(60))
    # The list's filters as its link carries them: {"q": "berlin", "role": "booking_agent"}.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
