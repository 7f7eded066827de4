"""Turning an uploaded file into rows: encoding, delimiter and RFC 4180 quoting."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

from crm.backup.vcard import NotAVCard, is_vcard, vcard_to_csv

DELIMITERS = ",;\t"
SNIFF_BYTES = 64 * 1024
# A cell of a real address book is at most a long note; a column count in the thousands
# or a cell of megabytes is a broken or hostile file, refused before any page is drawn.
MAX_CELL = 1_000_000
MAX_COLUMNS = 500
csv.field_size_limit(MAX_CELL)


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported; the message says why, for the user."""


# A file is read (to check its encoding and count its lines, then row by row) in pieces of
# this size, never whole: a million-row export is a few hundred megabytes of text.
READ_BYTES = 1024 * 1024

# What an import reads: the bytes of an upload, or the path of a file on disk.
Source = bytes | Path


@dataclass
class CsvFile:
    """A checked CSV file: its encoding, delimiter and header, and its rows read from the
    source each time they are asked for, a piece at a time: no copy of its text is held."""

    encoding: str
    delimiter: str
    header: list[str]
    size: int  # in characters
    most_rows: int  # at most this many data rows (fewer when quoted cells hold line breaks)
    source: Source
    errors: str = "strict"  # "replace" for a file that is not valid in its encoding

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number of the row's start in the file, cells) for each data row."""
        with _text(self.source, self.encoding, self.errors) as text:
            reader = csv.reader(_without_bom(text), delimiter=self.delimiter)
            next(reader, None)  # the header
            start = reader.line_num + 1
            try:
                for cells in reader:
                    yield start, cells
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise UnreadableFile(_csv_problem(exc, start)) from None


def _binary(source: Source) -> BinaryIO:
    # BytesIO shares the bytes it is given until it is written to: no copy.
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115


def _text(source: Source, encoding: str, errors: str) -> io.TextIOWrapper:
    """The file's text, as the csv module wants it: line endings untranslated, so that a
    quoted cell keeps its line breaks; lines end at LF, CRLF or a lone CR (old Macs)."""
    return io.TextIOWrapper(_binary(source), encoding=encoding, errors=errors, newline="")


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a text less the byte order marks before the first (Excel writes one
    even into a UTF-8 file; a file converted twice has two)."""
    lines = iter(lines)
    first = next(lines, None)
    if first is not None:
        yield first.lstrip("\ufeff")
        yield from lines


def _pieces(source: Source) -> Iterator[bytes]:
    with _binary(source) as raw:
        while piece := raw.read(READ_BYTES):
            yield piece


def _scan(source: Source, encoding: str) -> tuple[str, str, int, int]:
    """(encoding, errors mode, characters, most data rows) of the whole file, decoded a
    piece at a time. A file that is not valid in the encoding its first bytes suggest is
    read as cp1252, in which nearly every byte is a character (Excel on Windows)."""
    for candidate, errors in ((encoding, "strict"), ("cp1252", "replace")):
        decoder = codecs.getincrementaldecoder(candidate)(errors)
        characters = line_feeds = returns = 0
        try:
            for piece in _pieces(source):
                text = decoder.decode(piece)
                characters += len(text)
                line_feeds += text.count("\n")
                returns += text.count("\r")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return candidate, errors, characters, max(line_feeds, returns)
    raise AssertionError("cp1252 with errors='replace' decodes any bytes")


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


def open_csv(source: Source) -> CsvFile:
    """Inspect an uploaded file (its bytes, or its path on disk), refusing what is not a
    CSV with a clear reason. Only its first bytes are held; the rest is read as needed."""
    with _binary(source) as raw:
        head = raw.read(SNIFF_BYTES)
    if not head.strip() and not any(piece.strip() for piece in _pieces(source)):
        raise UnreadableFile("The file is empty.")
    encoding = detect_encoding(head)
    if is_vcard(head.decode(encoding, errors="ignore")):
        # Address books exported as vCard go through the same mapping, preview and undo.
        data = source if isinstance(source, bytes) else source.read_bytes()
        try:
            source = vcard_to_csv(data.decode(encoding, errors="replace"))
        except NotAVCard as exc:
            raise UnreadableFile(str(exc)) from None
        if source.count(b"\n") < 2:
            raise UnreadableFile("This vCard file holds no contact card.")
        encoding, head = "utf-8", source[:SNIFF_BYTES]
    encoding, errors, size, most_rows = _scan(source, encoding)
    sample = codecs.getincrementaldecoder(encoding)("replace").decode(head)
    if "\x00" in sample:
        raise UnreadableFile("This looks like a binary file, not a CSV. Export it as CSV first.")
    delimiter = detect_delimiter(sample.lstrip("\ufeff"))
    try:
        with _text(source, encoding, errors) as text:
            header = next(csv.reader(_without_bom(text), delimiter=delimiter), [])
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
    return CsvFile(encoding, delimiter, header, size, most_rows, source, errors)
