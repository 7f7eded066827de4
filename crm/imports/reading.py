"""Turning an uploaded file into rows: encoding, delimiter and RFC 4180 quoting."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

from crm.backup.vcard import NotAVCard, is_vcard, vcard_to_csv

DELIMITERS = ",;\t"
SNIFF_BYTES = 64 * 1024
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A cell of a real address book is at most a long note; a column count in the thousands
# or a cell of megabytes is a broken or hostile file, refused before any page is drawn.
MAX_CELL = 1_000_000
MAX_COLUMNS = 500
csv.field_size_limit(MAX_CELL)


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported; the message says why, for the user."""


@dataclass
class CsvFile:
    """A decoded CSV file: its header and an iterator over the rest, read lazily."""

    encoding: str
    delimiter: str
    header: list[str]
    text: str

    @property
    def size(self) -> int:
        """In characters."""
        return len(self.text)

    @property
    def most_rows(self) -> int:
        """At most this many data rows (fewer when quoted cells hold line breaks)."""
        return max(self.text.count("\n"), self.text.count("\r"))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number of the row's start in the file, cells) for each data row."""
        reader = csv.reader(lines(self.text), delimiter=self.delimiter)
        next(reader, None)  # the header
        start = reader.line_num + 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            raise UnreadableFile(_csv_problem(exc, start)) from None


def lines(text: str) -> Iterator[str]:
    """The lines of a text with their endings, one at a time. Not io.StringIO: it holds a
    copy of the text at four bytes a character (80 MB more for a 20 MB file)."""
    # A file whose first line ends in a lone carriage return (old Mac exports) breaks its
    # lines on those; every other file on line feeds (a CRLF line keeps its CR, which the
    # csv module takes as part of the line ending).
    first = LINE_BREAK.search(text)
    end = "\r" if first and first.group() == "\r" else "\n"
    start, length = 0, len(text)
    while start < length:
        stop = text.find(end, start)
        stop = length if stop == -1 else stop + 1
        yield text[start:stop]
        start = stop


def detect_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes: BOMs first, then UTF-8, then a detector."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        # UTF-16 without a BOM puts a NUL beside every ASCII character.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return "utf-16-le"
        if even > len(head) // 4 and odd == 0:
            return "utf-16-be"
        raise UnreadableFile("This looks like a binary file, not a CSV. Export it as CSV first.")
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            return "utf-8"
    matches = list(from_bytes(head, cp_isolation=["cp1252", "latin_1", "cp1250", "mac_roman"]))
    if not matches:
        raise UnreadableFile("The file's text encoding could not be recognised. Save it as UTF-8.")
    # Short Western text often reads equally well as cp1250; Excel on Windows writes cp1252
    # (a superset of Latin-1's printable characters), so it wins a tie.
    least = min(m.chaos for m in matches)
    tied = {m.encoding for m in matches if m.chaos <= least + 0.01}
    if tied & {"cp1252", "latin_1", "iso8859_1"}:
        return "cp1252"
    return min(matches, key=lambda m: m.chaos).encoding


def detect_delimiter(sample: str) -> str:
    """Comma, semicolon or tab: whichever splits the header row into the most columns.

    The header decides because data cells are free text full of commas and semicolons,
    while column names seldom contain any; on a tie, the comma wins."""
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > best_count:
            best, best_count = delimiter, len(header)
    return best


def _csv_problem(error: csv.Error, line: int) -> str:
    if "field larger than field limit" in str(error):
        return (
            f"A cell starting on line {line:,} is over {MAX_CELL:,} characters, which no"
            " contact field holds. Check the file for a missing closing quote, then try again."
        )
    return f"The file is not a valid CSV (line {line:,}: {error})."


def open_csv(data: bytes) -> CsvFile:
    """Decode and inspect an uploaded file, refusing what is not a CSV with a clear reason."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    encoding = detect_encoding(data[:SNIFF_BYTES])
    if is_vcard(data[:SNIFF_BYTES].decode(encoding, errors="ignore")):
        # Address books exported as vCard go through the same mapping, preview and undo.
        try:
            data = vcard_to_csv(data.decode(encoding, errors="replace"))
        except NotAVCard as exc:
            raise UnreadableFile(str(exc)) from None
        if data.count(b"\n") < 2:
            raise UnreadableFile("This vCard file holds no contact card.")
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        encoding = "cp1252"
    if "\x00" in text[:SNIFF_BYTES]:
        raise UnreadableFile("This looks like a binary file, not a CSV. Export it as CSV first.")
    text = text.lstrip("\ufeff")
    delimiter = detect_delimiter(text[:SNIFF_BYTES])
    try:
        header = next(csv.reader(lines(text), delimiter=delimiter), [])
    except csv.Error as exc:
        raise UnreadableFile(_csv_problem(exc, 1)) from None
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile(
            f"The first row has {len(header):,} columns; a contact file has at most"
            f" {MAX_COLUMNS:,}. Check that this is the right file, or remove the empty columns."
        )
    header = [h.strip() for h in header]
    if not any(header):
        raise UnreadableFile("The first row must name the columns (First name, Email, ...).")
    return CsvFile(encoding=encoding, delimiter=delimiter, header=header, text=text)
