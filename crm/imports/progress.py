"""How far a running web import has come, readable by every web process of the server.

A web import runs in a thread of one process, in one transaction, so its progress cannot
go through that transaction: nobody else would see it until the end. Where it goes
depends on the engine, and only here:

- PostgreSQL (a team, several web processes on several hosts): a row of
  `import_progress`, written on a connection of its own and committed at once. The
  import's transaction never touches that table, so the two never wait for each other.
- SQLite (one laptop): the import's transaction holds the database's write lock until it
  ends, so no other connection can write anything. The progress goes to a small file in a
  folder beside the database file, which every process that can open the database can
  read: SQLite serves the processes of one host.

Each reading says which process wrote it, on which host, and how long ago, so that a
reader can tell an import whose process has gone.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from crm.db import engine_of, utcnow
from crm.models import ImportProgress


@dataclass(frozen=True)
class Reading:
    done: int
    total: int
    pid: int
    host: str
    age: float  # seconds since it was written


def report(session: Session, import_id: int, done: int, total: int, *, pid: int | None = None):
    """Note that the import has done `done` rows of `total`, for whichever process asks."""
    pid = pid or os.getpid()
    host = socket.gethostname()
    engine = engine_of(session)
    if engine.dialect.name == "sqlite":
        path = _file(engine, import_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{threading.get_ident()}")
        partial.write_text(f"{done} {total} {pid} {host}")
        partial.replace(path)  # readers see the old line or the new one, never half of one
        return
    values = {"done": done, "total": total, "pid": pid, "host": host, "updated_at": utcnow()}
    upsert = pg_insert(ImportProgress).values(import_id=import_id, **values)
    with engine.begin() as connection:  # its own transaction, committed at once
        connection.execute(upsert.on_conflict_do_update(index_elements=["import_id"], set_=values))


def read(session: Session, import_id: int) -> Reading | None:
    """The import's last reported progress, or None before the first report."""
    engine = engine_of(session)
    if engine.dialect.name == "sqlite":
        path = _file(engine, import_id)
        try:
            done, total, pid, host = path.read_text().split(" ", 3)
            age = time.time() - path.stat().st_mtime
        except (OSError, ValueError):
            return None
        return Reading(int(done), int(total), int(pid), host, age)
    row = session.execute(
        select(ImportProgress).where(ImportProgress.import_id == import_id)
    ).scalar_one_or_none()
    if row is None:
        return None
    age = (utcnow() - row.updated_at).total_seconds()
    return Reading(row.done, row.total, row.pid, row.host, age)


def clear(session: Session, import_id: int) -> None:
    """Forget an import's progress once it has ended (in the caller's transaction on
    PostgreSQL)."""
    engine = engine_of(session)
    if engine.dialect.name == "sqlite":
        _file(engine, import_id).unlink(missing_ok=True)
        return
    session.execute(delete(ImportProgress).where(ImportProgress.import_id == import_id))


def _file(engine: Engine, import_id: int) -> Path:
    database = engine.url.database
    if database and database != ":memory:":
        folder = Path(database).resolve().parent / "import-progress"
    else:
        folder = Path(tempfile.gettempdir()) / "stagedoor-import-progress"
    return folder / f"{Path(database or 'memory').name}-{import_id}"
