"""The rules of an import, row by row: from a row's cells to clean values, whether it is a
new contact, an update of one (same email, case-insensitive, within the account), a
duplicate, empty or rejected, and how an update merges into a contact. No speed machinery
here: crm.imports.helper cleans rows in another process, crm.imports.writer writes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from crm.contacts.fields import clean_contact, email_key, require_name_or_email
from crm.contacts.roles import infer_role
from crm.contacts.services import derived_fields, email_owners
from crm.imports.mapping import FULL_NAME, IGNORE, split_full_name
from crm.models import Account, Role

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
    contact_id: int | None = None  # the known contact an update goes to

    @property
    def email_keys(self) -> list[str]:
        return address_keys(self.values)


def address_keys(values: dict) -> list[str]:
    """Every address of a row's clean values, main first, as compared."""
    emails = [values.get("email"), *values.get("other_emails", [])]
    return [k for k in (email_key(e) for e in emails) if k]


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
    """The row's cells by contact field, as text; unmapped and missing cells left out.
    Where several columns feed a field, the first filled one wins (see MULTI_COLUMN)."""
    raw: dict[str, str] = {}
    more: dict[str, list[str]] = {}  # the other filled cells of multi-column fields
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
            cell = "; ".join(p for p in parts if p.lower() not in GOOGLE_SYSTEM_GROUPS)
            _put(raw, more, target, cell)
        else:
            _put(raw, more, target, cell)
    if more:
        _spread(raw, more)
    return raw


def _put(raw: dict[str, str], more: dict[str, list[str]], target: str, cell: str) -> None:
    if target in raw:
        more.setdefault(target, []).append(cell)
    elif cell:
        raw[target] = cell


def _spread(raw: dict[str, str], more: dict[str, list[str]]) -> None:
    """Further cells of a field: emails become further addresses, phones a line of the
    notes (unless the same number), groups, genres and notes are joined."""
    for target, cells in more.items():
        if target in ("email", "other_emails"):
            raw["other_emails"] = "; ".join(filter(None, (raw.get("other_emails"), *cells)))
        elif target == "phone":
            phones = [c for c in dict.fromkeys(cells) if c != raw["phone"]]
            if phones:
                line = "Other phones: " + "; ".join(phones)
                raw["notes"] = f"{raw['notes']}\n\n{line}" if raw.get("notes") else line
        elif target == "notes":
            raw["notes"] = "\n\n".join((raw["notes"], *cells))
        else:  # tags, genres
            raw[target] = "; ".join((raw[target], *cells))


def clean_row(
    raw: dict[str, str], guess_role: bool = False, home: str | None = None
) -> tuple[dict, dict[str, list[str]]]:
    """Clean a row's given fields with the contact rules; a row needs a name or an email.
    With `guess_role`, a row without a role gets the one its title, groups or company
    suggest, marked as a guess (crm.contacts.roles). `home`: the account's country, for
    phones without a country code."""
    result = clean_contact(raw, partial=True, home=home)
    values: dict[str, Any] = {
        k: v for k, v in result.values.items() if v not in ("", None, [], False)
    }
    if not values.get("email") and values.get("other_emails"):
        # Only further addresses filled: the first of them is the person's address.
        values["email"], *rest = values["other_emails"]
        values["other_emails"] = rest
        if not rest:
            del values["other_emails"]
    if result.ok:
        require_name_or_email(values, result)
    if guess_role and result.ok and not values.get("role"):
        role = infer_role(values.get("title", ""), values.get("company", ""), values.get("tags"))
        if role is not None:
            values["role"], values["role_inferred"] = role, True
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
            if not current:
                changes[name] = value
        elif name in ("other_emails", "role_inferred", "role_default"):
            pass  # below, with the main address; with the role
        elif name == "role":
            # A guess never overrides a role the contact has; a stated one replaces a guess.
            guess = bool(incoming.get("role_inferred"))
            if current and (guess or incoming.get("role_default")):
                continue
            if value != current or bool(existing.get("role_inferred")) != guess:
                changes["role"], changes["role_inferred"] = value, guess
        elif value != current:
            changes[name] = value
    # Addresses the contact does not have yet become further ones: an import never
    # changes which address is a person's main one.
    main = changes.get("email") or existing.get("email")
    known = {email_key(e) for e in (main, *(existing.get("other_emails") or [])) if e}
    new = [e for e in (incoming.get("email"), *incoming.get("other_emails", [])) if e]
    further: dict[str, str] = {}
    for email in new:
        key = email_key(email)
        if key and key not in known:
            further.setdefault(key, email)
    if further:
        changes["other_emails"] = [*(existing.get("other_emails") or []), *further.values()]
    return changes


def rejection_message(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name.replace('_', ' ')}: {' '.join(msgs)}" for name, msgs in errors.items())


class Planner:
    """Decides each row's action, remembering what earlier rows of the file did."""

    def __init__(
        self,
        session: Session,
        account: Account,
        default_role: Role | None = None,
        *,
        dry_run: bool = False,
    ):
        self.session, self.account = session, account
        self.default_role = default_role  # for rows that neither state nor suggest one
        # The owners of the addresses of the rows being planned (see look_up): the database
        # holds who has which address, and the rows of earlier chunks once written.
        self.existing: dict[str, int] = {}
        # A dry run writes nothing, so it remembers the addresses its new contacts would have.
        self.planned: dict[str, int] | None = {} if dry_run else None
        self.in_file: dict[str, RowResult] = {}  # address -> first row with it
        self.seen_rows: set[tuple] = set()  # exact values of rows without an email

    def look_up(self, chunk: Iterable[Cleaned]) -> None:
        """Find who has the addresses of the next chunk of rows, in one query per few
        hundred addresses rather than one per row."""
        keys = {k for values, rejected, _ in chunk if values and not rejected
                for k in address_keys(values)}  # fmt: skip
        self.existing = email_owners(self.session, self.account, keys)
        if self.planned:
            self.existing.update((k, self.planned[k]) for k in keys if k in self.planned)

    def plan(self, row_number: int, cells: list[str], cleaned: Cleaned) -> RowResult:
        values, rejected, derived = cleaned
        if values is None:
            return RowResult(row_number, "skip", message="empty row", cells=cells)
        if rejected:
            return RowResult(row_number, "reject", message=rejected, cells=cells)
        if self.default_role is not None and not values.get("role"):
            # Chosen for the file, not for the person: it fills a role, never replaces one.
            values["role"], values["role_default"] = self.default_role, True
        result = RowResult(row_number, "create", values, cells=cells, derived=derived)
        keys = result.email_keys
        if not keys:
            fingerprint = tuple(sorted((k, str(v)) for k, v in values.items()))
            if fingerprint in self.seen_rows:
                return RowResult(row_number, "skip", values, "duplicate row", cells)
            self.seen_rows.add(fingerprint)
            return result
        earlier_rows = {id(r): r for k in keys if (r := self.in_file.get(k)) and not r.written}
        known = {self.existing[k] for k in keys if k in self.existing}
        if len(earlier_rows) + len(known) > 1 and not (
            len(known) == 1 and all(r.contact_id in known for r in earlier_rows.values())
        ):
            return RowResult(
                row_number,
                "reject",
                message="Its addresses belong to different contacts; import it as two rows"
                " or merge those contacts first.",
                cells=cells,
            )
        if earlier_rows:
            (earlier,) = earlier_rows.values()
            changes = merge(earlier.values, values)
            if not changes:
                return RowResult(row_number, "skip", values, "duplicate row", cells)
            earlier.values.update(changes)
            earlier.derived = None  # no longer its own row's
            self.remember(earlier)
            return RowResult(row_number, "merged", values, cells=cells)
        if known:
            result.action, result.contact_id = "update", known.pop()
        self.remember(result)
        return result

    def remember(self, row: RowResult) -> None:
        """Later rows of the file with any of this row's addresses merge into it."""
        for key in row.email_keys:
            self.in_file[key] = row

    def written(self, row: RowResult, contact_id: int) -> None:
        """A row's contact has its addresses now: later chunks update it."""
        for key in row.email_keys:
            self.existing[key] = contact_id
            if self.planned is not None:
                self.planned[key] = contact_id


# A row's clean values (None for an empty row), why it is rejected ("" if it is not), and the
# sort and search fields a new contact would get from it: what needs no database, and so can
# be done in another process. As little as that: the caller unpickles every row of it.
Cleaned = tuple[dict | None, str, dict | None]


def clean_cells(cells: list[str], mapping: list[str], home: str | None = None) -> Cleaned:
    raw = raw_values(cells, mapping)
    if not raw:
        return None, "", None
    # A role is guessed only for files that have no role column: where one is mapped, an
    # empty cell means "no role" (a Stagedoor export imported again comes back the same).
    values, errors = clean_row(raw, guess_role="role" not in mapping, home=home)
    if errors:
        return values, rejection_message(errors), None
    # From the company's name as given: it folds as the name of the company it resolves to.
    return values, "", new_contact_fields(values, values.get("company", ""))


def new_contact_fields(values: dict, company: str) -> dict:
    """A new contact's sort and search fields, from its clean values."""
    return derived_fields(values, company)
