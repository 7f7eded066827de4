"""Imports as the user sees them: a file is uploaded (and waits, with its mapping, for the
user to check), run (now, or in the background with progress), listed, and undone."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.imports import progress
from crm.imports.engine import ImportSummary, run_import
from crm.imports.export import csv_lines, neutralise
from crm.imports.mapping import auto_mapping, check_mapping, header_key
from crm.imports.reading import CsvFile, Source, UnreadableFile, open_csv
from crm.imports.rules import RowResult
from crm.models import (
    Account,
    ContactImport,
    ImportFile,
    ImportMapping,
    ImportRowError,
    ImportStatus,
    User,
)
from crm.scope import owned


@dataclass
class Progress:
    done: int
    total: int


# An import whose process has gone never finishes: its transaction died with it, so
# nothing was written.
STOPPED_MESSAGE = (
    "The server stopped before this import finished, so nothing was imported. "
    "Upload the file again."
)
# A running import writes its progress every 1,000 rows; one that has written nothing for
# this long has stopped, even where its process cannot be looked up (another machine).
SILENT_FOR = 600  # seconds


def set_progress(
    session: Session, record: ContactImport, done: int, total: int, *, pid: int | None = None
) -> None:
    """Note how far a web import has come, for whichever process serves its page."""
    progress.report(session, record.id, done, total, pid=pid)


def watch(session: Session, record: ContactImport) -> Progress:
    """The rows done of an import. A running import whose process has gone is marked as
    failed, with the reason (the caller commits)."""
    if record.status == ImportStatus.RUNNING:
        reading = progress.read(session, record.id)
        if reading is not None:
            here = reading.host == socket.gethostname()
            if reading.age < SILENT_FOR and (not here or _alive(reading.pid)):
                return Progress(reading.done, reading.total)
            _mark_stopped(session, record)
    return Progress(record.rows_done, record.rows_total)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's
    return True


def _mark_stopped(session: Session, record: ContactImport) -> None:
    # Only if it is still running: it may have finished since it was read.
    stopped = session.execute(
        update(ContactImport)
        .where(ContactImport.id == record.id, ContactImport.status == ImportStatus.RUNNING)
        .values(status=ImportStatus.FAILED, message=STOPPED_MESSAGE, finished_at=utcnow())
    )
    session.refresh(record)
    if stopped.rowcount:
        discard_file(session, record)


def count_rows(csv_file: CsvFile) -> int:
    return sum(1 for _ in csv_file.rows())


def saved_mapping_for(
    session: Session, account: Account, header: list[str]
) -> ImportMapping | None:
    """The most recent saved mapping that names every column of this header."""
    keys = {header_key(h) for h in header if h}
    for saved in session.scalars(
        owned(ImportMapping, account).order_by(ImportMapping.created_at.desc())
    ):
        if keys <= set(saved.columns):
            return saved
    return None


def upload(
    session: Session, account: Account, user: User, file_name: str, data: bytes
) -> ContactImport:
    """Keep an uploaded file (in the database) for the mapping step; refuses an unreadable
    file outright."""
    csv_file = open_csv(data)
    saved = saved_mapping_for(session, account, csv_file.header)
    mapping = auto_mapping(csv_file.header, saved.columns if saved else None)
    record = ContactImport(
        account_id=account.id,
        user_id=user.id,
        file_name=file_name[:255] or "upload.csv",
        status=ImportStatus.PENDING,
        encoding=csv_file.encoding,
        delimiter=csv_file.delimiter,
        header=csv_file.header,
        mapping=mapping,
        rows_total=count_rows(csv_file),
    )
    session.add(record)
    session.flush()
    session.add(ImportFile(import_id=record.id, data=data))
    session.flush()
    return record


def stored_csv(session: Session, record: ContactImport) -> CsvFile:
    data = session.scalar(select(ImportFile.data).where(ImportFile.import_id == record.id))
    if data is None:
        raise UnreadableFile("The uploaded file is no longer here. Upload it again.")
    return open_csv(data)


def preview(session: Session, account: Account, record: ContactImport, rows: int = 10):
    """The first rows as they will be imported and the counts to come (nothing written)."""
    return run_import(
        session,
        account,
        stored_csv(session, record),
        record.mapping,
        dry_run=True,
        preview_rows=rows,
        default_role=record.default_role,
    )


def save_mapping(session: Session, account: Account, name: str, header: list, mapping: list):
    columns = {header_key(h): m for h, m in zip(header, mapping, strict=True) if h}
    saved = ImportMapping(
        account_id=account.id, name=name.strip()[:100] or "Saved mapping", columns=columns
    )
    session.add(saved)
    session.flush()
    return saved


def import_now(
    session: Session,
    account: Account,
    user: User | None,
    file_name: str,
    data: Source,
    *,
    mapping: list[str] | None = None,
    dry_run: bool = False,
) -> tuple[ContactImport | None, ImportSummary]:
    """Read, map and import a file (its bytes, or its path: read as it goes) in one go, for
    the CLI and the API. The caller commits."""
    csv_file = open_csv(data)
    if mapping is None:
        saved = saved_mapping_for(session, account, csv_file.header)
        mapping = auto_mapping(csv_file.header, saved.columns if saved else None)
    problem = check_mapping(mapping)
    if problem:
        raise UnreadableFile(problem)
    record = None
    if not dry_run:
        record = ContactImport(
            account_id=account.id,
            user_id=user.id if user else None,
            file_name=file_name[:255],
            status=ImportStatus.RUNNING,
            encoding=csv_file.encoding,
            delimiter=csv_file.delimiter,
            header=csv_file.header,
            mapping=mapping,
        )
        session.add(record)
        session.flush()
    summary = run_import(session, account, csv_file, mapping, record, dry_run=dry_run)
    return record, summary


def run_stored(session: Session, account: Account, record: ContactImport) -> ImportSummary:
    """Run an uploaded import with its checked mapping, reporting progress as it goes."""
    problem = check_mapping(record.mapping)
    if problem:
        raise UnreadableFile(problem)
    record.status = ImportStatus.RUNNING
    total = record.rows_total
    set_progress(session, record, 0, total)
    return run_import(
        session,
        account,
        stored_csv(session, record),
        record.mapping,
        record,
        progress=lambda done: set_progress(session, record, done, total),
        default_role=record.default_role,
    )


def discard_file(session: Session, record: ContactImport) -> None:
    """Remove an import's uploaded file (and its progress) once it has run or failed."""
    session.execute(delete(ImportFile).where(ImportFile.import_id == record.id))
    progress.clear(session, record.id)


def mark_failed(session: Session, record: ContactImport, message: str) -> None:
    record.status, record.message, record.finished_at = ImportStatus.FAILED, message, utcnow()
    session.flush()


def list_imports(session: Session, account: Account, limit: int = 50) -> list[ContactImport]:
    return list(
        session.scalars(
            owned(ContactImport, account).order_by(ContactImport.created_at.desc()).limit(limit)
        )
    )


def rejected_rows_csv(session: Session, record: ContactImport):
    """The rejected rows as they were in the file, plus an `error` column, to fix and retry."""
    # Read now, not while the response streams: the request's session is closed by then.
    rows = session.execute(
        select(ImportRowError.cells, ImportRowError.message)
        .where(ImportRowError.import_id == record.id)
        .order_by(ImportRowError.row_number)
    ).all()
    width = len(record.header)
    return csv_lines(
        [_padded(cells, width) + [message] for cells, message in rows],
        header=[*record.header, "error"],
    )


def rejected_results_csv(header: list[str], errors: list[RowResult]):
    width = len(header)
    return csv_lines(
        [_padded(e.cells, width) + [e.message] for e in errors],
        header=[*header, "error"],
    )


def _padded(cells: list[str], width: int) -> list[str]:
    """The row's cells, as many as the header has, guarded against formulas like an export."""
    return [neutralise(c) for c in (cells + [""] * width)[:width]]
