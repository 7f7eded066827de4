"""Running a contact import, and undoing one.

One pass over the file decides each row's fate by the rules of crm.imports.rules: new
contact, update, skipped (empty, an exact duplicate, or nothing new) or rejected (with the
reason). A dry run stops there; a real run writes the valid rows in the caller's
transaction, in chunks, through crm.imports.writer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from crm.bulk import FreshStatistics, bulk_load, refresh_statistics, vacuum_after_commit
from crm.contacts.fields import CONTACT_FIELDS, home_region
from crm.contacts.search import search_index_loading
from crm.contacts.services import (
    Resolver,
    apply_values,
    prune_tags,
)
from crm.db import utcnow
from crm.imports.helper import HELPER_FROM_CHARS, cleaned_rows
from crm.imports.mapping import IGNORE
from crm.imports.reading import CsvFile
from crm.imports.rules import CHUNK, Planner, RowResult
from crm.imports.writer import ANALYZED_TABLES, WRITTEN_TABLES, Writer
from crm.models import (
    Account,
    ChangeAction,
    Company,
    Contact,
    ContactImport,
    ImportChange,
    ImportStatus,
    Role,
    Tag,
)
from crm.scope import owned_among, owned_by


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    rows: int = 0
    header: list[str] = field(default_factory=list)  # the file's, for its rejected rows
    errors: list[RowResult] = field(default_factory=list)
    preview: list[RowResult] = field(default_factory=list)
    # How many rows got each guessed role, and how many are left without one.
    inferred_roles: Counter[Role] = field(default_factory=Counter)
    without_role: int = 0
    # Columns no field takes (by index) with how many of their cells hold something: a
    # preview lists them, so nothing in the file is dropped unseen.
    not_imported: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [{"row": e.row_number, "message": e.message} for e in self.errors],
        }


# --- from cells to clean values ---------------------------------------------------------


# --- planning ---------------------------------------------------------------------------


# --- running ------------------------------------------------------------------------------


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
    default_role: str | None = None,
) -> ImportSummary:
    """Plan every row and, unless `dry_run`, write the valid ones. The caller commits.
    `helper`: clean the rows in a second process (None: when the file is large)."""
    if helper is None:
        helper = csv_file.size >= HELPER_FROM_CHARS
    summary = ImportSummary(header=csv_file.header)
    planner = Planner(
        session, account, Role(default_role) if default_role else None, dry_run=dry_run
    )
    ignored = [i for i, target in enumerate(mapping) if target == IGNORE]
    writer = None if dry_run else Writer(session, account, record)
    statistics = FreshStatistics(session.connection(), ANALYZED_TABLES)
    pending: list[RowResult] = []

    def flush() -> None:
        creates = [r for r in pending if r.action == "create"]
        updates = [r for r in pending if r.action == "update"]
        rejects = [r for r in pending if r.action == "reject"]
        if writer is not None:
            for row, contact_id in zip(creates, writer.create(creates), strict=True):
                planner.written(row, contact_id)
            for row in writer.update(updates):
                row.action, row.message = "skip", "already up to date"
            writer.reject(rejects)
            statistics.written(summary.created + len(creates))
        else:
            # A dry run writes nothing, but later rows with these addresses (an update's
            # new ones too) are updates all the same: the preview's counts are the import's.
            for row in creates:
                planner.written(row, 0)
            for row in updates:
                planner.written(row, row.contact_id or 0)
        for row in pending:
            row.written = True
        # Written rows are found through `existing` from now on; forgetting them here keeps
        # memory flat however long the file is.
        planner.in_file.clear()
        for row in pending:
            summary.rows += 1
            if row.action in ("create", "update"):
                if row.values.get("role_inferred"):
                    summary.inferred_roles[row.values["role"]] += 1
                elif not row.values.get("role"):
                    summary.without_role += 1
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
        home = home_region(account.timezone)
        rows = cleaned_rows(csv_file, mapping, helper, home=home)
        # A chunk at a time: who has its addresses is asked of the database, where the
        # chunks before it are written, so memory stays flat however long the file is.
        while chunk := list(islice(rows, CHUNK)):
            planner.look_up(cleaned for _n, _cells, cleaned in chunk)
            for row_number, cells, cleaned in chunk:
                row = planner.plan(row_number, cells, cleaned)
                if dry_run:
                    for index in ignored:
                        if index < len(cells) and cells[index].strip():
                            summary.not_imported[index] += 1
                if len(summary.preview) < preview_rows:
                    summary.preview.append(row)
                pending.append(row)
            flush()
    if writer is not None:
        refresh_statistics(session.connection(), ANALYZED_TABLES, summary.created)
        vacuum_after_commit(session, ANALYZED_TABLES, summary.created)
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
            before = {
                k: v
                for k, v in updated[contact.id].items()
                if k in CONTACT_FIELDS or k == "role_inferred"
            }
            apply_values(session, account, contact, before, resolver)
            restored += 1
    for start in range(0, len(created), CHUNK):
        session.execute(
            delete(Contact).where(owned_among(Contact, account, created[start : start + CHUNK]))
        )
    # Companies and tags the import brought in that nobody uses any more go with it.
    session.execute(
        delete(Company).where(
            owned_by(Company, account),
            Company.created_at >= record.created_at,
            Company.id.not_in(select(Contact.company_id).where(Contact.company_id.is_not(None))),
        )
    )
    prune_tags(session, account, set(session.scalars(select(Tag.id).where(owned_by(Tag, account)))))
    record.status, record.undone_at = ImportStatus.UNDONE, utcnow()
    session.flush()
    return len(created), restored
