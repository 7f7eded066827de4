"""Contacts out as CSV: the contract's header, UTF-8 with a BOM (so Excel reads accents
right), RFC 4180 quoting, and cells that a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy.orm import Session

from crm.contacts.fields import CONTACT_FIELDS
from crm.contacts.services import ContactFilters, contact_query, contact_values, with_values
from crm.imports.rules import needs_guard
from crm.models import Account, Contact

HEADER = list(CONTACT_FIELDS)


def neutralise(cell: str) -> str:
    """OWASP's advice against CSV injection: a leading ' makes the cell plain text.
    Import strips it again, so a round trip gives back the original value."""
    return "'" + cell if needs_guard(cell) else cell


def contact_row(contact: Contact) -> list[str]:
    return export_row(contact_values(contact))


def export_row(values: Mapping[str, object]) -> list[str]:
    """A contact's `contact_values` as the export's cells."""
    row = []
    for name in HEADER:
        value = values[name]
        if name in ("genres", "tags", "other_emails"):
            value = "; ".join(value)
        elif name == "do_not_contact":
            value = "true" if value else "false"
        row.append(neutralise(str(value or "")))
    return row


def csv_lines(rows: Iterable[list[str]], header: list[str] = HEADER) -> Iterator[str]:
    """CSV text, a line at a time (for streaming), starting with a BOM and the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield codecs.BOM_UTF8.decode()
    for row in _chain(header, rows):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header: list[str], rows: Iterable[list[str]]) -> Iterator[list[str]]:
    yield header
    yield from rows


def export_rows(
    session: Session, account: Account, filters: ContactFilters | None = None
) -> Iterator[list[str]]:
    """The account's contacts (or the filtered list) as CSV rows, read 1,000 at a time."""
    ids = contact_query(account, filters or ContactFilters()).with_only_columns(Contact.id)
    for _row, values in with_values(session, account, ids):
        yield export_row(values)


def write_export(session: Session, account: Account, path: str) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        for line in csv_lines(export_rows(session, account)):
            out.write(line)
            count += 1
    return max(0, count - 2)  # less the BOM and the header


def stream_export(
    session_factory, account_id: int, filters: ContactFilters | None = None
) -> Iterator[str]:
    """CSV text for a streamed HTTP response. It opens a session of its own: the response
    is written after the view returned and its request's session was closed."""
    with session_factory() as session:
        account = session.get(Account, account_id)
        yield from csv_lines(export_rows(session, account, filters))
