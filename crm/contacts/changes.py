"""Changes to many contacts at once: the contact list's bulk actions (set the role, add or
remove a tag or genre, mark or clear "do not contact", delete), each one entry of the
account's journal of changes with what every contact was before, so that it can be
undone, as an import can.

The contacts are those of a selection: the list's filters, narrowed to the ids the user
ticked when they ticked some (`ContactFilters.ids`). Each change works on the selection
in a few statements, however many contacts it holds. Plain functions of (session,
account, ...); the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import Select, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session, selectinload

from crm.contacts.services import (
    ContactFilters,
    DuplicateEmail,
    Resolver,
    contact_query,
    create_contact,
    prune_tags,
    refresh_derived,
    values_of,
)
from crm.db import utcnow
from crm.models import (
    Account,
    ChangeKind,
    Contact,
    ContactChange,
    ContactChangeItem,
    ContactNote,
    Pitch,
    Role,
    Tag,
    TagKind,
    User,
    contact_tags,
)
from crm.scope import owned, owned_by
from crm.text import fold

CHUNK = 500  # contacts read or written per statement where a list of ids is bound
LABEL_WORDS = {TagKind.TAG: "Tag", TagKind.GENRE: "Genre"}


class ChangeRefused(ValueError):
    """A change that cannot be made or undone, with the reason for the user."""


def selected_ids(account: Account, filters: ContactFilters) -> Select:
    """The ids of the selected contacts, in the list's order."""
    return contact_query(account, filters).with_only_columns(Contact.id)


def _selected(account: Account, filters: ContactFilters) -> Select:
    """The ids of the selected contacts, as a subquery-ready SELECT."""
    return selected_ids(account, filters).order_by(None)


def _batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """The ids a statement at a time, within every engine's limit of bound parameters."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _journal(
    session: Session, account: Account, user: User | None, kind: ChangeKind, summary: str,
    details: dict | None = None,
) -> ContactChange:  # fmt: skip
    change = ContactChange(
        account_id=account.id,
        user_id=user.id if user else None,
        kind=kind,
        summary=summary[:300],
        details=details or {},
    )
    session.add(change)
    session.flush()
    return change


def _carries(tag: Tag):
    """The contact carries this tag (or genre)."""
    return exists().where(contact_tags.c.contact_id == Contact.id, contact_tags.c.tag_id == tag.id)


def _changed_ids(change: ContactChange):
    return select(ContactChangeItem.contact_id).where(ContactChangeItem.change_id == change.id)


def _refresh_search(session: Session, account: Account, ids: Sequence[int]) -> None:
    """Work the search text of these contacts out again (their tags are part of it)."""
    for batch in _batches(ids):
        for contact in session.scalars(
            owned(Contact, account)
            .where(Contact.id.in_(batch))
            .options(selectinload(Contact.labels), selectinload(Contact.company))
            .execution_options(populate_existing=True)
        ):
            refresh_derived(contact)
        session.flush()


# --- the changes ------------------------------------------------------------------------


def set_role(
    session: Session, account: Account, user: User | None, filters: ContactFilters,
    role: Role | None,
) -> ContactChange:  # fmt: skip
    """Give every selected contact this role (None: no role); a stated role is no guess."""
    targets = _selected(account, filters).where(
        (Contact.role.is_distinct_from(role)) | Contact.role_inferred.is_(True)
    )
    before = session.execute(
        select(Contact.id, Contact.role, Contact.role_inferred).where(
            Contact.id.in_(targets.scalar_subquery())
        )
    ).all()
    summary = f"Role set to {role.label}" if role else "Role cleared"
    change = _journal(session, account, user, ChangeKind.SET_ROLE, summary)
    if before:
        session.execute(
            insert(ContactChangeItem),
            [
                {"change_id": change.id, "contact_id": cid,
                 "before": {"role": r.value if r else None, "role_inferred": inferred}}
                for cid, r, inferred in before
            ],
        )  # fmt: skip
        _set_on(session, [cid for cid, _r, _i in before], role=role, role_inferred=False)
    change.count = len(before)
    return change


def add_label(
    session: Session, account: Account, user: User | None, filters: ContactFilters,
    kind: TagKind, name: str,
) -> ContactChange:  # fmt: skip
    """Tag every selected contact (or give it a genre) that does not have it yet."""
    tag = Resolver(session, account).tags(kind, [name])[0]
    session.flush()
    has_it = _carries(tag)
    change = _journal(
        session, account, user, ChangeKind.ADD_LABEL, f"{LABEL_WORDS[kind]} “{tag.name}” added",
        {"kind": kind.value, "name": tag.name},
    )  # fmt: skip
    ids = _journal_selected(session, change, _selected(account, filters).where(~has_it))
    session.execute(
        insert(contact_tags).from_select(
            ["contact_id", "tag_id"], _changed_ids(change).add_columns(literal(tag.id))
        )
    )
    _refresh_search(session, account, ids)
    return change


def remove_label(
    session: Session, account: Account, user: User | None, filters: ContactFilters,
    kind: TagKind, name: str,
) -> ContactChange:  # fmt: skip
    """Take the tag (or genre) off every selected contact that has it."""
    tag = session.scalar(owned(Tag, account).where(Tag.kind == kind, Tag.key == fold(name)))
    label = f"{LABEL_WORDS[kind]} “{tag.name if tag else name}” removed"
    change = _journal(
        session, account, user, ChangeKind.REMOVE_LABEL, label,
        {"kind": kind.value, "name": tag.name if tag else name},
    )  # fmt: skip
    if tag is None:
        return change
    has_it = _carries(tag)
    ids = _journal_selected(session, change, _selected(account, filters).where(has_it))
    session.execute(
        delete(contact_tags).where(
            contact_tags.c.tag_id == tag.id,
            contact_tags.c.contact_id.in_(_changed_ids(change).scalar_subquery()),
        )
    )
    _refresh_search(session, account, ids)
    prune_tags(session, account, {tag.id})
    return change


def set_do_not_contact(
    session: Session, account: Account, user: User | None, filters: ContactFilters, value: bool
) -> ContactChange:
    """Mark the selected contacts "do not contact" (or clear it): no pitch goes to them."""
    summary = "Marked “do not contact”" if value else "“Do not contact” cleared"
    change = _journal(session, account, user, ChangeKind.DO_NOT_CONTACT, summary, {"value": value})
    targets = _selected(account, filters).where(Contact.do_not_contact.is_not(value))
    _set_on(session, _journal_selected(session, change, targets), do_not_contact=value)
    return change


def delete_contacts(
    session: Session, account: Account, user: User | None, filters: ContactFilters
) -> tuple[ContactChange, int]:
    """Delete the selected contacts, keeping each one whole in the journal to be brought
    back. Contacts with pitches are kept (their history would go with them): returns the
    change and how many were kept for that reason."""
    pitched = exists().where(Pitch.contact_id == Contact.id)
    selected = _selected(account, filters)
    kept = session.scalar(select(func.count()).select_from(selected.where(pitched).subquery())) or 0
    ids = list(session.scalars(selected.where(~pitched)))
    change = _journal(session, account, user, ChangeKind.DELETE, "Deleted")
    tag_ids: set[int] = set()
    for batch in _batches(ids):
        values = values_of(session, account, list(batch))
        notes: dict[int, list[dict]] = defaultdict(list)
        for note in session.scalars(
            select(ContactNote).where(ContactNote.contact_id.in_(batch)).order_by(ContactNote.id)
        ):
            notes[note.contact_id].append(
                {"body": note.body, "created_at": note.created_at.isoformat(),
                 "author_id": note.author_id}
            )  # fmt: skip
        session.execute(
            insert(ContactChangeItem),
            [
                {"change_id": change.id, "contact_id": cid,
                 "before": {"values": _jsonable(values[cid]), "notes": notes.get(cid, [])}}
                for cid in batch
            ],
        )  # fmt: skip
        tag_ids.update(
            session.scalars(
                select(contact_tags.c.tag_id).where(contact_tags.c.contact_id.in_(batch))
            )
        )
        session.execute(
            delete(Contact).where(owned_by(Contact, account), Contact.id.in_(batch)),
            execution_options={"synchronize_session": False},
        )
    prune_tags(session, account, tag_ids)
    change.count = len(ids)
    session.flush()
    session.expire_all()  # the contacts deleted by the statements above
    return change, kept


def _journal_selected(session: Session, change: ContactChange, targets: Select) -> list[int]:
    """Journal each targeted contact (the change's details say what it was before) and
    count them on the change; returns their ids (read back: an INSERT ... SELECT's
    rowcount is not every driver's)."""
    session.execute(
        insert(ContactChangeItem).from_select(
            ["change_id", "contact_id"],
            targets.with_only_columns(literal(change.id), Contact.id),
        )
    )
    ids = list(session.scalars(_changed_ids(change)))
    change.count = len(ids)
    return ids


def _jsonable(values: dict) -> dict:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}


# --- the journal ------------------------------------------------------------------------


def recent_changes(session: Session, account: Account, limit: int = 20) -> list[ContactChange]:
    return list(
        session.scalars(
            owned(ContactChange, account)
            .order_by(ContactChange.created_at.desc(), ContactChange.id.desc())
            .limit(limit)
        )
    )


# How long the contact list offers to undo the last change (the journal page always does).
UNDO_OFFERED_FOR = dt.timedelta(minutes=30)


def undoable_now(change: ContactChange) -> bool:
    """Is this change recent enough, and not undone, for the list to offer its undo?"""
    return change.undone_at is None and utcnow() - change.created_at < UNDO_OFFERED_FOR


def undo_change(session: Session, account: Account, change: ContactChange) -> int:
    """Put the contacts of a change back as they were; returns how many came back.
    Contacts deleted since are passed over, and a deleted contact whose address another
    contact has taken since stays deleted."""
    if change.undone_at is not None:
        raise ChangeRefused("This change was already undone.")
    items = session.execute(
        select(ContactChangeItem.contact_id, ContactChangeItem.before).where(
            ContactChangeItem.change_id == change.id
        )
    ).all()
    if change.kind == ChangeKind.DELETE:
        undone = _bring_back(session, account, [before for _, before in items])
    else:
        here = _existing(session, account, [cid for cid, _ in items])
        still_here = [(cid, before) for cid, before in items if cid in here]
        if change.kind == ChangeKind.SET_ROLE:
            _undo_roles(session, still_here)
        elif change.kind == ChangeKind.DO_NOT_CONTACT:
            _set_on(session, [cid for cid, _ in still_here],
                    do_not_contact=not change.details["value"])  # fmt: skip
        else:
            _undo_label(session, account, change, [cid for cid, _ in still_here])
        undone = len(still_here)
    change.undone_at = utcnow()
    session.flush()
    return undone


def _set_on(session: Session, ids: Sequence[int], **values) -> None:
    """Set these columns on these contacts (their updated_at too)."""
    for batch in _batches(ids):
        session.execute(
            update(Contact).where(Contact.id.in_(batch)).values(**values, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )


def _undo_roles(session: Session, items: list[tuple[int, dict]]) -> None:
    """Each contact's own role back, one statement per role that was."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for cid, before in items:
        groups[(before["role"], before["role_inferred"])].append(cid)
    for (role, inferred), members in groups.items():
        _set_on(session, members, role=Role(role) if role else None, role_inferred=inferred)


def _undo_label(
    session: Session, account: Account, change: ContactChange, members: list[int]
) -> None:
    """Take an added tag (or genre) off again, or put a removed one back (made again if it
    was pruned since)."""
    kind, name = TagKind(change.details["kind"]), change.details["name"]
    if change.kind == ChangeKind.ADD_LABEL:
        tag = session.scalar(owned(Tag, account).where(Tag.kind == kind, Tag.key == fold(name)))
        if tag is not None:
            for batch in _batches(members):
                session.execute(
                    delete(contact_tags).where(
                        contact_tags.c.tag_id == tag.id, contact_tags.c.contact_id.in_(batch)
                    )
                )
            prune_tags(session, account, {tag.id})
    else:
        tag = Resolver(session, account).tags(kind, [name])[0]
        session.flush()
        has = set(_have_tag(session, tag, members))
        links = [{"contact_id": cid, "tag_id": tag.id} for cid in members if cid not in has]
        if links:
            session.execute(insert(contact_tags), links)
    _refresh_search(session, account, members)


def _existing(session: Session, account: Account, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for batch in _batches(ids):
        found.update(
            session.scalars(
                select(Contact.id).where(owned_by(Contact, account), Contact.id.in_(batch))
            )
        )
    return found


def _have_tag(session: Session, tag: Tag, ids: list[int]) -> Iterable[int]:
    for batch in _batches(ids):
        yield from session.scalars(
            select(contact_tags.c.contact_id).where(
                contact_tags.c.tag_id == tag.id, contact_tags.c.contact_id.in_(batch)
            )
        )


def _bring_back(session: Session, account: Account, snapshots: list[dict]) -> int:
    resolver = Resolver(session, account)
    back = 0
    for snapshot in snapshots:
        values = dict(snapshot["values"])
        values["role"] = Role(values["role"]) if values.get("role") else None
        try:
            with session.begin_nested():
                contact = create_contact(session, account, values, resolver)
        except DuplicateEmail:
            continue  # someone else has the address now: that one stays deleted
        for note in snapshot.get("notes", []):
            session.add(
                ContactNote(
                    account_id=account.id, contact_id=contact.id, body=note["body"],
                    author_id=note["author_id"],
                    created_at=dt.datetime.fromisoformat(note["created_at"]),
                )
            )  # fmt: skip
        back += 1
    session.flush()
    return back
