"""Planning and running a contact import, and undoing one.

One pass over the file decides each row's fate: new contact, update of an existing one
(same email, case-insensitive, within the account), skipped (empty, an exact duplicate,
or nothing new) or rejected (with the reason). A dry run stops there; a real run writes
the valid rows in the caller's transaction, in chunks, with bulk statements."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from operator import itemgetter

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session, selectinload

from crm.bulk import bulk_load, insert_rows
from crm.contacts.fields import CONTACT_FIELDS, clean_contact, email_key
from crm.contacts.search import insert_contacts, search_index_loading
from crm.contacts.services import (
    PLAIN_FIELDS,
    Resolver,
    apply_values,
    derived_fields,
    prune_tags,
    values_of,
)
from crm.db import utcnow
from crm.imports.mapping import FULL_NAME, IGNORE, split_full_name
from crm.imports.reading import CsvFile
from crm.models import (
    Account,
    ChangeAction,
    Company,
    Contact,
    ContactImport,
    ImportChange,
    ImportRowError,
    ImportStatus,
    Tag,
    TagKind,
    contact_tags,
)
from crm.scope import owned_among

CHUNK = 1000
# What an import inserts into, row by row.
WRITTEN_TABLES = ("contacts", "contact_tags", "import_changes")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GOOGLE_SYSTEM_GROUPS = {"* mycontacts", "* starred", "* friends", "* family", "* coworkers"}


@dataclass
class RowResult:
    row_number: int
    action: str  # "create", "update", "skip", "reject"
    values: dict = field(default_factory=dict)
    message: str = ""
    cells: list[str] = field(default_factory=list)
    written: bool = False  # already in the database: later rows update it there
    derived: dict | None = None  # sort and search fields of a new contact, if worked out


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    rows: int = 0
    errors: list[RowResult] = field(default_factory=list)
    preview: list[RowResult] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [{"row": e.row_number, "message": e.message} for e in self.errors],
        }


# --- from cells to clean values ---------------------------------------------------------


def needs_guard(cell: str) -> bool:
    """Would a spreadsheet run this cell as a formula, or does it look like a guarded one
    ('=..., ''=...)? Export prefixes such cells with a quote and import takes one off,
    so every value comes back exactly as it went out."""
    if cell[:1] == "'":
        return needs_guard(cell[1:])
    return cell[:1] in FORMULA_PREFIXES


def unneutralise(cell: str) -> str:
    """Undo the export's guard against spreadsheet formulas ('=... -> =...)."""
    return cell[1:] if cell[:1] == "'" and needs_guard(cell[1:]) else cell


def raw_values(cells: list[str], mapping: list[str]) -> dict[str, str]:
    """The row's cells by contact field, as text; unmapped and missing cells left out."""
    raw: dict[str, str] = {}
    # Cells past the header's width are dropped.
    for target, cell in zip(mapping, cells, strict=False):
        if target == IGNORE:
            continue
        cell = cell.strip()
        if not cell:
            continue
        if cell[0] == "'":
            cell = unneutralise(cell)
        if target == FULL_NAME:
            first, last = split_full_name(cell)
            raw.setdefault("first_name", first)
            raw.setdefault("last_name", last)
        elif target in ("tags", "genres") and ":::" in cell:
            # Google Contacts joins groups as "* myContacts ::: Festival ::: Radio".
            parts = [p.strip() for p in cell.split(":::")]
            raw[target] = "; ".join(p for p in parts if p.lower() not in GOOGLE_SYSTEM_GROUPS)
        else:
            raw[target] = cell
    return raw


def clean_row(raw: dict[str, str]) -> tuple[dict, dict[str, list[str]]]:
    """Clean a row's given fields with the contact rules; a row needs a name or an email."""
    result = clean_contact(raw, partial=True)
    values = {k: v for k, v in result.values.items() if v not in ("", None, [], False)}
    if not result.errors and not (
        values.get("first_name") or values.get("last_name") or values.get("email")
    ):
        result.errors["first_name"] = ["A contact needs a name or an email address."]
    return values, result.errors


def merge(existing: dict, incoming: dict) -> dict:
    """The fields an import changes on a contact: filled cells win, empty ones never erase,
    genres and tags are added, notes appended. Do-not-contact is only ever switched on."""
    changes: dict = {}
    for name, value in incoming.items():
        current = existing.get(name)
        if name in ("genres", "tags"):
            known = {v.casefold() for v in current or []}
            added = [v for v in value if v.casefold() not in known]
            if added:
                changes[name] = [*(current or []), *added]
        elif name == "notes":
            if value not in (current or ""):
                changes[name] = f"{current}\n\n{value}" if current else value
        elif name == "do_not_contact":
            if value and not current:
                changes[name] = True
        elif name == "email":
            if email_key(value) != email_key(current):
                changes[name] = value
        elif value != current:
            changes[name] = value
    return changes


def _message(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name.replace('_', ' ')}: {' '.join(msgs)}" for name, msgs in errors.items())


# --- planning ---------------------------------------------------------------------------


class Planner:
    """Decides each row's action, remembering what earlier rows of the file did."""

    def __init__(self, session: Session, account: Account):
        self.session, self.account = session, account
        # Every email of the account, to tell new contacts from updates without a query a row.
        self.existing: dict[str, int] = dict(
            session.execute(
                select(Contact.email_key, Contact.id).where(
                    Contact.account_id == account.id, Contact.email_key.is_not(None)
                )
            ).all()
        )
        self.in_file: dict[str, RowResult] = {}  # email key -> first row with it
        self.seen_rows: set[tuple] = set()  # exact values of rows without an email

    def plan(self, row_number: int, cells: list[str], cleaned: Cleaned) -> RowResult:
        values, rejected, derived = cleaned
        if values is None:
            return RowResult(row_number, "skip", message="empty row", cells=cells)
        if rejected:
            return RowResult(row_number, "reject", message=rejected, cells=cells)
        key = email_key(values.get("email"))
        if key is None:
            fingerprint = tuple(sorted((k, str(v)) for k, v in values.items()))
            if fingerprint in self.seen_rows:
                return RowResult(row_number, "skip", values, "duplicate row", cells)
            self.seen_rows.add(fingerprint)
            return RowResult(row_number, "create", values, cells=cells, derived=derived)
        earlier = self.in_file.get(key)
        if earlier is not None and not earlier.written:
            changes = merge(earlier.values, values)
            if not changes:
                return RowResult(row_number, "skip", values, "duplicate row", cells)
            earlier.values.update(changes)
            earlier.derived = None  # no longer its own row's
            return RowResult(row_number, "merged", values, cells=cells)
        action = "update" if key in self.existing else "create"
        result = RowResult(row_number, action, values, cells=cells, derived=derived)
        self.in_file[key] = result
        return result


# A row's clean values (None for an empty row), why it is rejected ("" if it is not), and the
# sort and search fields a new contact would get from it: what needs no database, and so can
# be done in another process. As little as that: the caller unpickles every row of it.
Cleaned = tuple[dict | None, str, dict | None]
# From this size of file (about 20,000 rows) a helper process cleans the rows while this one
# writes; below it, starting the helper costs more than it saves.
HELPER_FROM_CHARS = 4_000_000


def clean_cells(cells: list[str], mapping: list[str]) -> Cleaned:
    raw = raw_values(cells, mapping)
    if not raw:
        return None, "", None
    values, errors = clean_row(raw)
    if errors:
        return values, _message(errors), None
    # From the company's name as given: it folds as the name of the company it resolves to.
    return values, "", _derived(values, values.get("company", ""))


def _derived(values: dict, company: str) -> dict:
    """A new contact's sort and search fields, from its clean values."""
    return derived_fields(
        values.get("first_name", ""),
        values.get("last_name", ""),
        values.get("email"),
        company,
        values.get("notes", ""),
    )


def _clean_chunk(chunk: list[list[str]], mapping: list[str]) -> list[Cleaned]:
    return [clean_cells(cells, mapping) for cells in chunk]


def cleaned_rows(
    csv_file: CsvFile, mapping: list[str], helper: bool, *, head_start: bool = True
) -> Iterator[tuple[int, list[str], Cleaned]]:
    """Each row with its cleaning, in file order. With `helper`, a second process cleans
    chunks a little ahead of the caller (on another core), a bounded number at a time;
    with `head_start`, this process cleans the first chunks while the helper starts."""
    if not helper:
        for row_number, cells in csv_file.rows():
            yield row_number, cells, clean_cells(cells, mapping)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a threaded web process
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        started = pool.submit(_started)
        chunks = _chunks(csv_file.rows(), CHUNK)
        # The helper takes about a second to start (it imports the app): meanwhile the
        # first chunks are cleaned here.
        while head_start and not started.done():
            chunk = next(chunks, None)
            if chunk is None:
                return
            yield from ((n, cells, clean_cells(cells, mapping)) for n, cells in chunk)
        ahead: deque = deque()
        for chunk in chunks:
            ahead.append((chunk, pool.submit(_clean_chunk, [c for _n, c in chunk], mapping)))
            if len(ahead) > 2:
                yield from _with_cleaning(*ahead.popleft())
        while ahead:
            yield from _with_cleaning(*ahead.popleft())


def _started() -> bool:
    return True


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _with_cleaning(chunk: list, future) -> Iterator[tuple[int, list[str], Cleaned]]:
    for (row_number, cells), cleaned in zip(chunk, future.result(), strict=True):
        yield row_number, cells, cleaned


# --- running ------------------------------------------------------------------------------


# A new contact's row, as Writer.create builds it: its own fields (blank where the file had
# nothing), then what is worked out for it, in this order.
_BLANK = {name: "" for name in PLAIN_FIELDS} | {
    "email": None,
    "role": None,
    "do_not_contact": False,
}
_DERIVED_FIELDS = ("sort_name", "company_key", "search_text")  # what derived_fields gives
_plain = itemgetter(*PLAIN_FIELDS)
_derived_values = itemgetter(*_DERIVED_FIELDS)
_CREATED_COLUMNS = (
    *PLAIN_FIELDS,
    *_DERIVED_FIELDS,
    "email_key",
    "company_id",
    "account_id",
    "created_at",
    "updated_at",
    "id",
)


class Writer:
    """Writes planned rows in chunks: bulk inserts for new contacts, the ORM for updates."""

    def __init__(self, session: Session, account: Account, record: ContactImport):
        self.session, self.account, self.record = session, account, record
        self.resolver = Resolver(session, account)

    def create(self, rows: list[RowResult]) -> list[int]:
        if not rows:
            return []
        now = utcnow()
        account_id = self.account.id
        ids = self._reserve_ids(len(rows))
        records, labels = [], []
        for row, contact_id in zip(rows, ids, strict=True):
            v = row.values
            company = self.resolver.company(v.get("company", ""))
            derived = row.derived or _derived(v, company.name if company else "")
            records.append(
                (
                    *_plain({**_BLANK, **v}),
                    *_derived_values(derived),
                    email_key(v.get("email")),
                    company.id if company else None,
                    account_id,
                    now,
                    now,
                    contact_id,
                )
            )
            labels.append(
                self.resolver.tags(TagKind.GENRE, v.get("genres", []))
                + self.resolver.tags(TagKind.TAG, v.get("tags", []))
            )
        self.session.flush()  # new companies and tags get their ids
        # Core statements on the session's connection: the ORM's bulk path costs more per
        # row than SQLite's insert itself.
        connection = self.session.connection()
        insert_contacts(connection, _CREATED_COLUMNS, records)
        links = [
            (contact_id, tag.id)
            for contact_id, tags in zip(ids, labels, strict=True)
            for tag in tags
        ]
        insert_rows(connection, contact_tags, ("contact_id", "tag_id"), links)
        import_id = self.record.id
        insert_rows(
            connection,
            ImportChange.__table__,
            ("import_id", "contact_id", "action"),
            [(import_id, i, ChangeAction.CREATED) for i in ids],
        )
        return list(ids)

    def _reserve_ids(self, count: int) -> list[int]:
        """Ids for `count` new contacts, known before the insert so that one executemany,
        without RETURNING (which SQLite can only do a row at a time), writes them all."""
        if self.session.bind.dialect.name == "postgresql":
            return list(
                self.session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) "
                        "FROM generate_series(1, :count)"
                    ),
                    {"count": count},
                )
            )
        # SQLite: this transaction holds the database's write lock since it wrote the import
        # record, so nobody else can take these ids before the insert below.
        start = self.session.scalar(select(func.max(Contact.id))) or 0
        return list(range(start + 1, start + count + 1))

    def update(self, rows: list[RowResult], existing: dict[str, int]) -> list[RowResult]:
        """Merge rows into their contacts; returns the rows that turned out to change nothing."""
        if not rows:
            return []
        by_id = {existing[email_key(r.values["email"])]: r for r in rows}
        # Compared on plain rows: most rows of a re-imported sheet change nothing, and only
        # the contacts that do change are loaded as objects.
        unchanged, changed = [], {}
        for contact_id, before in values_of(self.session, self.account, list(by_id)).items():
            row = by_id[contact_id]
            changes = merge(before, row.values)
            changes.pop("email", None)  # matched by email: keep the contact's spelling
            if changes:
                changed[contact_id] = before, changes
            else:
                unchanged.append(row)
        if not changed:
            return unchanged
        contacts = self.session.scalars(
            select(Contact)
            .where(owned_among(Contact, self.account, changed))
            .options(selectinload(Contact.labels), selectinload(Contact.company))
        ).all()
        changes_rows = []
        for contact in contacts:
            before, changes = changed[contact.id]
            apply_values(self.session, self.account, contact, changes, self.resolver)
            changes_rows.append(
                {
                    "import_id": self.record.id,
                    "contact_id": contact.id,
                    "action": ChangeAction.UPDATED,
                    "before": {name: _jsonable(before[name]) for name in changes},
                }
            )
        if changes_rows:
            self.session.execute(insert(ImportChange), changes_rows)
        return unchanged

    def reject(self, rows: list[RowResult]) -> None:
        if rows:
            self.session.execute(
                insert(ImportRowError),
                [
                    {
                        "import_id": self.record.id,
                        "row_number": r.row_number,
                        "cells": r.cells,
                        "message": r.message,
                    }
                    for r in rows
                ],
            )


def _jsonable(value: object) -> object:
    return value.value if hasattr(value, "value") else value


def run_import(
    session: Session,
    account: Account,
    csv_file: CsvFile,
    mapping: list[str],
    record: ContactImport | None = None,
    *,
    dry_run: bool = False,
    preview_rows: int = 0,
    progress: Callable[[int], None] | None = None,
    helper: bool | None = None,
) -> ImportSummary:
    """Plan every row and, unless `dry_run`, write the valid ones. The caller commits.
    `helper`: clean the rows in a second process (None: when the file is large)."""
    if helper is None:
        helper = csv_file.size >= HELPER_FROM_CHARS
    summary = ImportSummary()
    planner = Planner(session, account)
    writer = None if dry_run else Writer(session, account, record)
    pending: list[RowResult] = []

    def flush() -> None:
        creates = [r for r in pending if r.action == "create"]
        updates = [r for r in pending if r.action == "update"]
        rejects = [r for r in pending if r.action == "reject"]
        if writer is not None:
            for row, contact_id in zip(creates, writer.create(creates), strict=True):
                if row.values.get("email"):
                    planner.existing[email_key(row.values["email"])] = contact_id
            for row in writer.update(updates, planner.existing):
                row.action, row.message = "skip", "already up to date"
            writer.reject(rejects)
        else:
            # A dry run writes nothing, but later rows with these emails are updates all
            # the same: the preview's counts must be the import's.
            for row in creates:
                if row.values.get("email"):
                    planner.existing.setdefault(email_key(row.values["email"]), 0)
        for row in pending:
            row.written = True
        # Written rows are found through `existing` from now on; forgetting them here keeps
        # memory flat however long the file is.
        planner.in_file.clear()
        for row in pending:
            summary.rows += 1
            if row.action == "create":
                summary.created += 1
            elif row.action in ("update", "merged"):
                summary.updated += 1
            elif row.action == "skip":
                summary.skipped += 1
            else:
                summary.rejected += 1
                summary.errors.append(row)
        pending.clear()
        if progress is not None:
            progress(summary.rows)

    with ExitStack() as stack:
        if writer is not None:
            connection = session.connection()
            stack.enter_context(bulk_load(connection, WRITTEN_TABLES, csv_file.most_rows))
            stack.enter_context(search_index_loading(connection, csv_file.most_rows))
        for row_number, cells, cleaned in cleaned_rows(csv_file, mapping, helper):
            row = planner.plan(row_number, cells, cleaned)
            if len(summary.preview) < preview_rows:
                summary.preview.append(row)
            pending.append(row)
            # Later rows may merge into earlier ones of the same email: write a chunk only
            # when no row in it can still change, i.e. at the end, unless the file is large.
            if len(pending) >= CHUNK:
                flush()
        flush()
    if writer is not None:
        record.created, record.updated = summary.created, summary.updated
        record.skipped, record.rejected = summary.skipped, summary.rejected
        record.rows_total = record.rows_done = summary.rows
        record.status, record.finished_at = ImportStatus.DONE, utcnow()
    return summary


def undo_import(session: Session, account: Account, record: ContactImport) -> tuple[int, int]:
    """Remove the contacts an import created and put back the fields it changed.
    Returns (contacts removed, contacts restored)."""
    if record.account_id != account.id or record.status != ImportStatus.DONE:
        raise ValueError("Only a finished import can be undone.")
    changes = session.scalars(
        select(ImportChange).where(
            ImportChange.import_id == record.id, ImportChange.contact_id.is_not(None)
        )
    ).all()
    created = [c.contact_id for c in changes if c.action == ChangeAction.CREATED]
    updated = {c.contact_id: c.before or {} for c in changes if c.action == ChangeAction.UPDATED}
    resolver = Resolver(session, account)
    restored = 0
    for start in range(0, len(updated), CHUNK):
        ids = list(updated)[start : start + CHUNK]
        for contact in session.scalars(
            select(Contact)
            .where(owned_among(Contact, account, ids))
            .options(selectinload(Contact.labels))
        ):
            before = {k: v for k, v in updated[contact.id].items() if k in CONTACT_FIELDS}
            apply_values(session, account, contact, before, resolver)
            restored += 1
    for start in range(0, len(created), CHUNK):
        session.execute(
            delete(Contact).where(owned_among(Contact, account, created[start : start + CHUNK]))
        )
    # Companies and tags the import brought in that nobody uses any more go with it.
    session.execute(
        delete(Company).where(
            Company.account_id == account.id,
            Company.created_at >= record.created_at,
            Company.id.not_in(select(Contact.company_id).where(Contact.company_id.is_not(None))),
        )
    )
    prune_tags(
        session, account, set(session.scalars(select(Tag.id).where(Tag.account_id == account.id)))
    )
    record.status, record.undone_at = ImportStatus.UNDONE, utcnow()
    session.flush()
    return len(created), restored
