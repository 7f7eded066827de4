"""Speed machinery of an import: a second process cleans the rows of a large file a few
chunks ahead of the process that plans and writes them, with the same rules
(crm.imports.rules.clean_cells) as the plain path, so both give the same rows."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from crm.imports.reading import CsvFile
from crm.imports.rules import CHUNK, Cleaned, clean_cells

# From this size of file (about 20,000 rows) a helper process cleans the rows while this one
# writes; below it, starting the helper costs more than it saves.
HELPER_FROM_CHARS = 4_000_000


def _clean_chunk(chunk: list[list[str]], mapping: list[str], home: str | None) -> list[Cleaned]:
    return [clean_cells(cells, mapping, home) for cells in chunk]


def cleaned_rows(
    csv_file: CsvFile,
    mapping: list[str],
    helper: bool,
    *,
    head_start: bool = True,
    home: str | None = None,
) -> Iterator[tuple[int, list[str], Cleaned]]:
    """Each row with its cleaning, in file order. With `helper`, a second process cleans
    chunks a little ahead of the caller (on another core), a bounded number at a time;
    with `head_start`, this process cleans the first chunks while the helper starts.
    `home`: the account's country (crm.contacts.fields.home_region)."""
    if not helper:
        for row_number, cells in csv_file.rows():
            yield row_number, cells, clean_cells(cells, mapping, home)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a threaded web process
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_die_with, initargs=(os.getpid(),)
    ) as pool:
        started = pool.submit(_started)
        chunks = _chunks(csv_file.rows(), CHUNK)
        # The helper takes about a second to start (it imports the app): meanwhile the
        # first chunks are cleaned here.
        while head_start and not started.done():
            chunk = next(chunks, None)
            if chunk is None:
                return
            yield from ((n, cells, clean_cells(cells, mapping, home)) for n, cells in chunk)
        ahead: deque = deque()
        for chunk in chunks:
            rows = [cells for _n, cells in chunk]
            ahead.append((chunk, pool.submit(_clean_chunk, rows, mapping, home)))
            if len(ahead) > 2:
                yield from _with_cleaning(*ahead.popleft())
        while ahead:
            yield from _with_cleaning(*ahead.popleft())


def _die_with(parent: int) -> None:
    """In the helper: exit as soon as the process it works for is gone. A web worker killed
    mid-import (gunicorn's timeout, kill -9) never shuts its pool down, and the helper
    would otherwise go on cleaning rows nobody reads for minutes."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="die-with-parent").start()


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
