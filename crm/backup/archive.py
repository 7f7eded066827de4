"""One zip of everything an account owns, and loading it back into an empty account.

The layout (README, "Backup and restore") is open formats only: CSV for the tables a
person opens in a spreadsheet, JSON for the nested ones, vCard for an address book, and a
manifest with the format version, the row counts and a SHA-256 of every file. What an
account does not own as data is left out: passwords, API tokens, the calendar feed's
token, mailbox passwords, and the claims and retry state of the background passes.

Written as a stream (rows read 1,000 at a time, the zip handed on a chunk at a time), so a
large account backs up in bounded memory; restored in the caller's one transaction."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Column, Table, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, TypeDecorator

from crm.backup.vcard import card
from crm.bulk import (
    insert_rows,
    refresh_statistics,
    reserve_ids,
    vacuum_after_commit,
    with_defaults,
)
from crm.contacts.fields import CONTACT_FIELDS, PLAIN_FIELDS, email_key
from crm.contacts.search import insert_contacts
from crm.contacts.services import Resolver, derived_fields, with_values
from crm.db import table_of, utcnow
from crm.imports.export import export_row, neutralise
from crm.imports.rules import unneutralise
from crm.mailbox.services import keep_settings
from crm.models import (
    Account,
    ChangeKind,
    Company,
    Contact,
    ContactChange,
    ContactChangeItem,
    ContactEmail,
    ContactImport,
    ContactNote,
    EmailTemplate,
    FollowUp,
    ImportChange,
    ImportMapping,
    ImportRowError,
    Mailbox,
    Pitch,
    PitchMessage,
    Release,
    SavedView,
    TagKind,
    User,
    contact_tags,
)
from crm.scope import owned_by

FORMAT = "stagedoor-backup"
FORMAT_VERSION = 1
BATCH = 1000


class NotABackup(ValueError):
    """A file that cannot be restored, with the reason for the user."""


@dataclass(frozen=True)
class TablePart:
    """A table written whole as one file: every column but the account's id and those in
    `exclude`; `refers` names the table each foreign key points to, so a restore can
    give it the new id of the row it pointed to."""

    file: str
    model: type
    refers: dict[str, str] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()

    @property
    def table(self) -> Table:
        return table_of(self.model)

    @property
    def columns(self) -> list[Column]:
        skip = {"account_id", *self.exclude}
        return [c for c in self.table.columns if c.name not in skip]


# In the order a restore loads them: each after the tables it points to.
TABLE_PARTS = (
    TablePart("companies.csv", Company),
    TablePart("releases.csv", Release),
    TablePart("templates.json", EmailTemplate),
    TablePart(
        "pitches.csv",
        Pitch,
        {"contact_id": "contacts", "release_id": "releases", "template_id": "email_templates"},
        frozenset({"send_claim", "send_claimed_until"}),
    ),
    TablePart(
        "follow_ups.csv",
        FollowUp,
        {"pitch_id": "pitches", "template_id": "email_templates"},
        frozenset({"claimed_until", "claim_token"}),
    ),
    TablePart("notes.csv", ContactNote, {"contact_id": "contacts", "pitch_id": "pitches"}),
    TablePart("threads.json", PitchMessage, {"pitch_id": "pitches"}),
)

# contacts.csv: the contract's columns, then what makes the contact whole again.
CONTACT_EXTRA = (
    "id",
    "company_id",
    "role_inferred",
    "email_status",
    "last_contacted_at",
    "created_at",
    "updated_at",
)
CONTACT_HEADER = [*CONTACT_FIELDS, *CONTACT_EXTRA]
# The columns of contacts.csv that are the contact table's own (the rest are worked out
# again, or point to companies, tags and further addresses).
CONTACT_COLUMNS = (*PLAIN_FIELDS, *(n for n in CONTACT_EXTRA if n not in ("id", "company_id")))


def _items(text: str) -> list[str]:
    """A `; `-joined cell of the contact export back into its list."""
    return [item.strip() for item in text.split(";") if item.strip()]


ACCOUNT_SETTINGS = (
    "artist_name",
    "timezone",
    "cadence_days",
    "cadence_steps",
    "reminders_enabled",
    "digest_enabled",
    "digest_hour",
    "last_digest_on",
    "created_at",
)
MAILBOX_SETTINGS = (
    "email",
    "display_name",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "imap_host",
    "imap_port",
    "imap_security",
    "username",
    "daily_limit",
    "send_window",
    "min_gap_seconds",
    "capture_sent",  # since 2026-12-02; absent before, and then on
)
IMPORT_FIELDS = (
    "id",
    "file_name",
    "status",
    "encoding",
    "delimiter",
    "header",
    "mapping",
    "default_role",
    "rows_total",
    "rows_done",
    "created",
    "updated",
    "skipped",
    "rejected",
    "message",
    "created_at",
    "finished_at",
    "undone_at",
)


# --- values in and out ----------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON holds it: enums by value, dates and times in ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def cell(value: Any) -> str:
    """A value as a CSV cell: empty for none, true/false, JSON for lists and objects, and
    a spreadsheet formula neutralised as the contact export does."""
    kind = type(value)  # the kinds of most cells first, each the way the rest would go
    if kind is str:
        return neutralise(value)
    if kind is int:
        return str(value) if value >= 0 else neutralise(str(value))
    if kind is dt.datetime:
        return value.isoformat()  # a digit first: no formula
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return neutralise(str(value))


def parse(column: Column, value: Any, from_csv: bool) -> Any:
    """A cell (or JSON value) back into what the column stores."""
    if from_csv:
        value = unneutralise(value)
        if value == "":
            return None if column.nullable else _empty(column)
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, JSON):
        return json.loads(value) if from_csv else value
    enum_class = getattr(kind, "enum_class", None)
    if enum_class is not None:
        return enum_class(value)
    python_type = _python_type(column)
    if python_type is bool:
        return value if isinstance(value, bool) else value == "true"
    if python_type is int:
        return int(value)
    if python_type is dt.datetime:
        moment = dt.datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if python_type is dt.date:
        return dt.date.fromisoformat(value)
    return value


def _python_type(column: Column) -> type | None:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # crm.db.UTC says "object"; its DateTime knows
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _empty(column: Column) -> Any:
    python_type = _python_type(column)
    return {bool: False, int: 0}.get(python_type, "")  # type: ignore[arg-type]


# --- writing ---------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """Where the zip writes: bytes kept until the stream takes them."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def _csv_text(rows: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_array(items: Iterable[dict]) -> Iterator[str]:
    yield "["
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]\n"


def _table_rows(session: Session, account: Account, part: TablePart) -> Iterator[list[Any]]:
    columns = part.columns
    stmt = (
        select(*columns)
        .where(part.table.c.account_id == account.id)
        .order_by(part.table.c.id)
        .execution_options(yield_per=BATCH)
    )
    for row in session.execute(stmt):
        yield list(row)


def _contact_rows(session: Session, account: Account, vcards: IO[str]) -> Iterator[list[str]]:
    """contacts.csv's rows, in the order the contacts were made (a restore makes them in
    the same order); each contact's vCard goes to `vcards` on the way, so the contacts are
    read from the database once for both files."""
    stmt = (
        select(*(getattr(Contact, name) for name in CONTACT_EXTRA))  # the id first
        .where(owned_by(Contact, account))
        .order_by(Contact.id)
    )
    for extra, values in with_values(session, account, stmt, BATCH):
        vcards.write(card(values, extra.id))
        # The contact export's own row, so contacts.csv reads like an export.
        yield [*export_row(values), *map(cell, extra)]


def _imports(session: Session, account: Account) -> Iterator[dict]:
    records = session.scalars(
        select(ContactImport).where(owned_by(ContactImport, account)).order_by(ContactImport.id)
    )
    for record in records:
        item = {name: plain(getattr(record, name)) for name in IMPORT_FIELDS}
        item["errors"] = [
            {"row_number": e.row_number, "cells": e.cells, "message": e.message}
            for e in session.scalars(
                select(ImportRowError)
                .where(ImportRowError.import_id == record.id)
                .order_by(ImportRowError.id)
            )
        ]
        item["changes"] = [
            {"contact_id": c.contact_id, "action": plain(c.action), "before": c.before}
            for c in session.scalars(
                select(ImportChange)
                .where(ImportChange.import_id == record.id)
                .order_by(ImportChange.id)
            )
        ]
        yield item


CHANGE_FIELDS = ("kind", "summary", "details", "count", "created_at", "undone_at")


def _bulk_changes(session: Session, account: Account) -> Iterator[dict]:
    """The contact list's bulk changes, each with what its contacts were before: the
    journal that undoes them."""
    changes = session.scalars(
        select(ContactChange).where(owned_by(ContactChange, account)).order_by(ContactChange.id)
    )
    for change in changes:
        item = {name: plain(getattr(change, name)) for name in CHANGE_FIELDS}
        item["items"] = [
            {"contact_id": contact_id, "before": before}
            for contact_id, before in session.execute(
                select(ContactChangeItem.contact_id, ContactChangeItem.before)
                .where(ContactChangeItem.change_id == change.id)
                .order_by(ContactChangeItem.id)
            )
        ]
        yield item


def _settings(session: Session, account: Account) -> dict:
    mailboxes = session.scalars(
        select(Mailbox).where(owned_by(Mailbox, account)).order_by(Mailbox.id)
    )
    mappings = session.scalars(
        select(ImportMapping).where(owned_by(ImportMapping, account)).order_by(ImportMapping.id)
    )
    return {
        "account": {name: plain(getattr(account, name)) for name in ACCOUNT_SETTINGS},
        "users": [
            {"email": u.email, "name": u.name, "created_at": plain(u.created_at)}
            for u in session.scalars(select(User).where(owned_by(User, account)).order_by(User.id))
        ],
        "import_mappings": [
            {"name": m.name, "columns": m.columns, "created_at": plain(m.created_at)}
            for m in mappings
        ],
        "saved_views": [
            {"name": v.name, "filters": v.filters, "created_at": plain(v.created_at)}
            for v in session.scalars(
                select(SavedView).where(owned_by(SavedView, account)).order_by(SavedView.id)
            )
        ],
        # Restored not connected: a mailbox needs its password again, which no backup holds.
        "mailboxes": [
            {"user": m.user.email, **{n: plain(getattr(m, n)) for n in MAILBOX_SETTINGS}}
            for m in mailboxes
        ],
    }


def backup_files(session: Session, account: Account) -> Iterator[tuple[str, Iterator[str]]]:
    """Each file of the backup, by name, as text produced a piece at a time."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as vcards:  # on disk: memory stays flat
        yield from _files(session, account, vcards)


def _files(
    session: Session, account: Account, vcards: IO[str]
) -> Iterator[tuple[str, Iterator[str]]]:
    contact_rows = _contact_rows(session, account, vcards)
    yield "contacts.csv", _csv_text(_chain([CONTACT_HEADER], contact_rows))
    for part in TABLE_PARTS:
        names = [c.name for c in part.columns]
        if part.file.endswith(".json"):
            items = (
                dict(zip(names, map(plain, row), strict=True))
                for row in _table_rows(session, account, part)
            )
            yield part.file, _json_array(items)
        else:
            rows = ([cell(v) for v in row] for row in _table_rows(session, account, part))
            yield part.file, _csv_text(_chain([names], rows))
    yield "imports.json", _json_array(_imports(session, account))
    yield "changes.json", _json_array(_bulk_changes(session, account))
    yield "settings.json", iter([json.dumps(_settings(session, account), indent=2) + "\n"])
    vcards.seek(0)
    yield "contacts.vcf", iter(lambda: vcards.read(1 << 16), "")


def _chain(first: list, rest: Iterable) -> Iterator:
    yield from first
    yield from rest


def stream_backup(session: Session, account: Account) -> Iterator[bytes]:
    """The backup zip, a chunk at a time; the manifest, with every file's SHA-256 and row
    count, comes last."""
    sink = _Sink()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": utcnow().isoformat(),
        "account": account.artist_name,
        "files": {},
    }
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, pieces in backup_files(session, account):
            digest, size, lines = hashlib.sha256(), 0, 0
            with archive.open(name, "w", force_zip64=True) as entry:
                for piece in pieces:
                    data = piece.encode()
                    digest.update(data)
                    entry.write(data)
                    size += len(data)
                    lines += piece.count("\n")
                    if len(sink.chunks) > 16:
                        yield sink.take()
            manifest["files"][name] = {"sha256": digest.hexdigest(), "bytes": size}
            yield sink.take()
        manifest["counts"] = _counts(session, account)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
    yield sink.take()


def _counts(session: Session, account: Account) -> dict[str, int]:
    counts = {"contacts": _count(session, table_of(Contact), account)}
    for part in TABLE_PARTS:
        counts[part.table.name] = _count(session, part.table, account)
    counts["contact_imports"] = _count(session, table_of(ContactImport), account)
    counts["contact_changes"] = _count(session, table_of(ContactChange), account)
    return counts


def _count(session: Session, table: Table, account: Account) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(table).where(table.c.account_id == account.id)
        )
        or 0
    )


def write_backup(session: Session, account: Account, out: IO[bytes]) -> None:
    for chunk in stream_backup(session, account):
        out.write(chunk)


# --- reading ---------------------------------------------------------------------------------


def open_backup(source: IO[bytes] | str) -> zipfile.ZipFile:
    """The zip, once its manifest says it is a backup this version can read and every
    file matches its checksum; NotABackup with the reason otherwise."""
    try:
        archive = zipfile.ZipFile(source)
        names = set(archive.namelist())
        if "manifest.json" not in names:
            raise NotABackup("This zip is not a Stagedoor backup: it has no manifest.json.")
        manifest = json.loads(archive.read("manifest.json"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise NotABackup("This zip is not a Stagedoor backup: its manifest is not ours.")
        version = manifest.get("version")
        if not isinstance(version, int) or version < 1:
            raise NotABackup("This backup's manifest has no valid format version.")
        if version > FORMAT_VERSION:
            raise NotABackup(
                f"This backup is in format version {version}, newer than this Stagedoor reads"
                f" ({FORMAT_VERSION}). Upgrade Stagedoor, then restore it."
            )
        files = manifest.get("files")
        if not isinstance(files, dict) or "contacts.csv" not in files:
            raise NotABackup("This backup's manifest lists no contacts.csv.")
        for name, about in files.items():
            if name not in names:
                raise NotABackup(f"This backup is incomplete: {name} is missing.")
            digest = hashlib.sha256()
            with archive.open(name) as entry:
                while chunk := entry.read(1 << 20):
                    digest.update(chunk)
            if not isinstance(about, dict) or digest.hexdigest() != about.get("sha256"):
                raise NotABackup(
                    f"{name} does not match the checksum in the manifest: the backup was"
                    " changed or damaged. Nothing was restored."
                )
        return archive
    except NotABackup:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, json.JSONDecodeError, OSError, EOFError):
        raise NotABackup("This file is not a readable zip (damaged or truncated?).") from None
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise NotABackup("This backup's manifest cannot be read.") from None


class AccountNotEmpty(ValueError):
    """A restore goes only into an account with no contacts, releases or pitches."""


def is_empty(session: Session, account: Account) -> bool:
    return not any(
        session.scalar(select(model.id).where(owned_by(model, account)).limit(1))
        for model in (Contact, Release, Pitch, Company)
    )


@dataclass
class Restored:
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the artist has left to do


def restore_backup(
    session: Session, account: Account, user: User, source: IO[bytes] | str
) -> Restored:
    """Load a backup into an empty account, in the caller's transaction (which rolls it
    all back if anything fails). The account's starter templates give way to the
    backup's; ids are new, every relation is kept."""
    archive = open_backup(source)
    if not is_empty(session, account):
        raise AccountNotEmpty(
            "This account already has contacts, companies, releases or pitches; a backup is"
            " restored only into an empty account. Nothing was restored."
        )
    try:
        return _Loader(session, account, user, archive).run()
    except (KeyError, ValueError, TypeError, csv.Error, IntegrityError) as exc:
        # The caller rolls the transaction back: nothing of it stays.
        raise NotABackup(f"This backup cannot be restored: {exc!s:.200}") from None


class _Loader:
    def __init__(self, session: Session, account: Account, user: User, archive):
        self.session, self.account, self.user, self.archive = session, account, user, archive
        self.ids: dict[str, dict[int, int]] = {}  # table -> old id -> new id
        self.result = Restored()

    def _text(self, name: str) -> io.TextIOWrapper | None:
        if name not in self.archive.namelist():
            return None
        return io.TextIOWrapper(self.archive.open(name), encoding="utf-8", newline="")

    def _csv(self, name: str) -> Iterator[dict[str, str]]:
        text = self._text(name)
        if text is None:
            return iter(())
        return csv.DictReader(text)

    def _json(self, name: str) -> Any:
        text = self._text(name)
        return json.load(text) if text is not None else None

    def run(self) -> Restored:
        session, account = self.session, self.account
        session.execute(delete(EmailTemplate).where(owned_by(EmailTemplate, account)))
        for part in TABLE_PARTS:
            if part.file == "companies.csv":
                self._load_part(part)
                self._load_contacts()
            else:
                self._load_part(part)
        self._load_imports()
        self._load_changes()
        self._load_settings()
        session.flush()
        loaded = sum(self.result.counts.values())
        tables = [part.table.name for part in TABLE_PARTS] + ["contacts", "contact_emails"]
        refresh_statistics(session.connection(), tables, loaded)
        vacuum_after_commit(session, tables, loaded)
        return self.result

    def _insert(self, table: Table, rows: list[dict], old_ids: list[int] | None) -> None:
        """Rows with new ids known before the insert (kept for the rows that point to
        them), written by executemany or COPY: no RETURNING, no ORM."""
        if not rows:
            return
        connection = self.session.connection()
        if old_ids is not None:
            # The restore's first statement (clearing the starter templates) took
            # SQLite's write lock: these ids stay this transaction's.
            new = reserve_ids(connection, table, len(rows))
            for row, new_id in zip(rows, new, strict=True):
                row["id"] = new_id
            self.ids.setdefault(table.name, {}).update(zip(old_ids, new, strict=True))
        by_keys: dict[tuple, list[dict]] = {}
        for row in rows:  # a file's rows share their keys; an odd one goes on its own
            by_keys.setdefault(tuple(row), []).append(row)
        for same in by_keys.values():
            completed = with_defaults(table, same)
            if completed is None:
                connection.execute(insert(table), same)
            elif table is table_of(Contact):
                insert_contacts(connection, *completed)  # and SQLite's search index
            else:
                insert_rows(connection, table, *completed)

    def _load_part(self, part: TablePart) -> None:
        by_name = {c.name: c for c in part.columns}
        from_csv = part.file.endswith(".csv")
        items: Iterable[dict] = self._csv(part.file) if from_csv else (self._json(part.file) or [])
        batch: list[dict] = []
        old_ids: list[int] = []
        count = 0

        def flush() -> None:
            self._insert(part.table, batch, old_ids)
            batch.clear()
            old_ids.clear()

        for item in items:
            row = {"account_id": self.account.id}
            for name, column in by_name.items():
                if name not in item:
                    continue
                value = parse(column, item[name], from_csv)
                if name in part.refers and value is not None:
                    value = self.ids.get(part.refers[name], {}).get(value)
                row[name] = value
            old_ids.append(row.pop("id"))
            if part.model is ContactNote and row.get("author_id") is not None:
                # Users are not in a backup: a note someone wrote is the restorer's now.
                row["author_id"] = self.user.id
            batch.append(row)
            count += 1
            if len(batch) >= BATCH:
                flush()
        flush()
        self.result.counts[part.table.name] = count

    def _load_contacts(self) -> None:
        columns = {c.name: c for c in table_of(Contact).columns}
        resolver = Resolver(self.session, self.account)
        companies = self.ids.get("companies", {})
        count = 0
        batch: list[dict] = []
        for item in self._csv("contacts.csv"):
            batch.append(item)
            if len(batch) >= BATCH:
                count += self._contact_batch(batch, columns, resolver, companies)
                batch = []
        count += self._contact_batch(batch, columns, resolver, companies)
        self.result.counts["contacts"] = count

    def _contact_batch(self, batch, columns, resolver: Resolver, companies) -> int:
        if not batch:
            return 0
        rows, old_ids, extras = [], [], []
        for item in batch:
            item = {k: unneutralise(v or "") for k, v in item.items() if k}
            company_id = companies.get(int(item["company_id"])) if item.get("company_id") else None
            company_name = item.get("company", "")
            if company_id is None and company_name:
                company = resolver.company(company_name)
                company_id = company.id if company else None
            row: dict[str, Any] = {"account_id": self.account.id, "company_id": company_id}
            for name in CONTACT_COLUMNS:
                if name in item:
                    row[name] = parse(columns[name], item[name], True)
            others = _items(item.get("other_emails", ""))
            genres, tags = _items(item.get("genres", "")), _items(item.get("tags", ""))
            row["email_key"] = email_key(row.get("email"))
            searched = {**row, "other_emails": others, "genres": genres, "tags": tags}
            row.update(derived_fields(searched, company_name))
            rows.append(row)
            old_ids.append(int(item["id"]))
            extras.append((others, genres, tags))
        self.session.flush()  # companies the resolver made
        self._insert(table_of(Contact), rows, old_ids)
        new_ids = [self.ids["contacts"][old] for old in old_ids]
        further: list[dict] = []
        labels = []
        for contact_id, (others, genres, tags) in zip(new_ids, extras, strict=True):
            labels.append(
                (
                    contact_id,
                    resolver.tags(TagKind.GENRE, genres) + resolver.tags(TagKind.TAG, tags),
                )
            )
            further += [
                {
                    "account_id": self.account.id,
                    "contact_id": contact_id,
                    "position": position,
                    "email": email,
                    "email_key": email_key(email),
                }
                for position, email in enumerate(others)
            ]
        self.session.flush()  # new tags get their ids
        links = [
            {"contact_id": contact_id, "tag_id": tag.id}
            for contact_id, tags in labels
            for tag in tags
        ]
        self._insert(contact_tags, links, None)
        self._insert(table_of(ContactEmail), further, None)
        return len(rows)

    def _load_imports(self) -> None:
        contacts = self.ids.get("contacts", {})
        columns = {c.name: c for c in table_of(ContactImport).columns}
        count = 0
        for item in self._json("imports.json") or []:
            row = {
                name: parse(columns[name], item.get(name), False)
                for name in IMPORT_FIELDS
                if name != "id" and name in item
            }
            record = ContactImport(account_id=self.account.id, user_id=self.user.id, **row)
            self.session.add(record)
            self.session.flush()
            for error in item.get("errors", []):
                self.session.add(ImportRowError(import_id=record.id, **error))
            self._insert(
                table_of(ImportChange),
                [
                    {
                        "import_id": record.id,
                        "contact_id": contacts.get(change["contact_id"]),
                        "action": change["action"],
                        "before": change.get("before"),
                    }
                    for change in item.get("changes", [])
                ],
                None,
            )
            count += 1
        self.result.counts["contact_imports"] = count

    def _load_changes(self) -> None:
        """The bulk changes' journal (since 2026-12-02; absent before), undoable as it was:
        items point to the restored contacts, and a deleted contact's snapshot (which is
        what brings it back) gives its notes to the user who restores. A change's items for
        contacts no longer in the backup are passed over, as their undo would."""
        columns = {c.name: c for c in table_of(ContactChange).columns}
        contacts = self.ids.get("contacts", {})
        count = 0
        for item in self._json("changes.json") or []:
            values = {n: parse(columns[n], item.get(n), False) for n in CHANGE_FIELDS if n in item}
            change = ContactChange(account_id=self.account.id, user_id=self.user.id, **values)
            self.session.add(change)
            self.session.flush()
            deleted = change.kind == ChangeKind.DELETE
            rows = []
            for entry in item.get("items", []):
                before = entry.get("before")
                if deleted:
                    for note in (before or {}).get("notes", []):
                        note["author_id"] = self.user.id
                    # The deleted contact's old id names nothing any more.
                    rows.append({"change_id": change.id, "contact_id": 0, "before": before})
                elif entry["contact_id"] in contacts:
                    rows.append(
                        {"change_id": change.id, "contact_id": contacts[entry["contact_id"]],
                         "before": before}
                    )  # fmt: skip
            self._insert(table_of(ContactChangeItem), rows, None)
            count += 1
        self.result.counts["contact_changes"] = count

    def _load_settings(self) -> None:
        settings = self._json("settings.json") or {}
        columns = {c.name: c for c in table_of(Account).columns}
        for name, value in (settings.get("account") or {}).items():
            if name in ACCOUNT_SETTINGS and name in columns:
                setattr(self.account, name, parse(columns[name], value, False))
        for view in settings.get("saved_views") or []:  # since 2026-12-01; absent before
            self.session.add(
                SavedView(
                    account_id=self.account.id,
                    name=str(view["name"])[:60],
                    filters=dict(view["filters"]),
                    created_at=parse(table_of(SavedView).c.created_at, view["created_at"], False),
                )
            )
        self._load_user(settings.get("users") or [])
        self._load_mailbox(settings.get("mailboxes") or [])
        for mapping in settings.get("import_mappings") or []:
            self.session.add(
                ImportMapping(
                    account_id=self.account.id,
                    name=mapping["name"],
                    columns=mapping["columns"],
                    created_at=parse(
                        table_of(ImportMapping).c.created_at, mapping["created_at"], False
                    ),
                )
            )

    def _backed_up(self, items: list[dict], key: str) -> dict | None:
        """The backup's entry for the restoring user: the same email, else the first (an
        account has one user today)."""
        entries = [i for i in items if isinstance(i, dict)]
        mine = [i for i in entries if i.get(key) == self.user.email]
        return next(iter(mine or entries), None)

    def _load_user(self, users: list[dict]) -> None:
        """The name, when the restoring user has none; the login and password stay theirs."""
        backed_up = self._backed_up(users, "email")
        if backed_up and not self.user.name and backed_up.get("name"):
            self.user.name = str(backed_up["name"])[:120]

    def _load_mailbox(self, mailboxes: list[dict]) -> None:
        """The mailbox settings come back not connected; only the password is asked again."""
        backed_up = self._backed_up(mailboxes, "user")
        if backed_up is None:
            return
        cleaned = keep_settings(self.session, self.user, backed_up)
        if cleaned.ok:
            self.result.notes.append(
                f"Your mailbox settings ({backed_up.get('email')}) came back, not connected:"
                " enter its password on the Mailbox page to send and read mail again."
            )
        else:
            said = "; ".join(f"{k}: {' '.join(v)}" for k, v in cleaned.errors.items())
            self.result.notes.append(
                f"The mailbox settings were left out ({said}): connect it on the Mailbox page."
            )
