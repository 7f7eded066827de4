"""The rules of an import, row by row: from a row's cells to clean values, whether it is a
new contact, an update of one (same email, case-insensitive, within the account), a
duplicate, empty or rejected, and how an update merges into a contact. No speed machinery
here: crm.imports.helper cleans rows in another process, crm.imports.writer writes them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.contacts.fields import clean_contact, email_key, require_name_or_email
from crm.contacts.services import derived_fields
from crm.imports.mapping import FULL_NAME, IGNORE, split_full_name
from crm.models import Account, Contact

# Rows handled together: cleaned by the helper, planned, and written in one set of statements.
CHUNK = 1000


# What a spreadsheet takes as the start of a formula: Excel and LibreOffice also read the
# full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20) that Japanese and Chinese input gives.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


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
    if result.ok:
        require_name_or_email(values, result)
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


def rejection_message(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name.replace('_', ' ')}: {' '.join(msgs)}" for name, msgs in errors.items())


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


def clean_cells(cells: list[str], mapping: list[str]) -> Cleaned:
    raw = raw_values(cells, mapping)
    if not raw:
        return None, "", None
    values, errors = clean_row(raw)
    if errors:
        return values, rejection_message(errors), None
    # From the company's name as given: it folds as the name of the company it resolves to.
    return values, "", new_contact_fields(values, values.get("company", ""))


def new_contact_fields(values: dict, company: str) -> dict:
    """A new contact's sort and search fields, from its clean values."""
    return derived_fields(
        values.get("first_name", ""),
        values.get("last_name", ""),
        values.get("email"),
        company,
        values.get("notes", ""),
    )
