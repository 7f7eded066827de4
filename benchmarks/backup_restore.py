"""Backup and restore of a large account through the CLI, on SQLite or PostgreSQL
(`--database-url`; its schema is dropped first), each against its floor in the same run,
alternated round by round.

The account: the contacts of benchmarks/import_csv.py's realistic files (imported through
the real import, so companies, tags, further addresses and guessed roles are what a real
book has), 50,000 pitches with the bodies real pitches have, and two follow-ups each.

Floors, the least work that moves the same rows:
- backup: the contacts, pitches and follow-ups rows read with one SELECT each and written
  with the csv module into a zip (the same compression);
- restore: those CSV files read with the csv module and inserted into an empty copy of the
  tables with executemany (SQLite) or COPY (PostgreSQL).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from benchmarks._common import PASSWORD  # noqa: E402
from benchmarks.import_csv import _reset, flask, make_files  # noqa: E402

COLUMNS = [
    ("case", "case"),
    ("median_s", "median, s"),
    ("p95_s", "p95, s"),
    ("ratio", "ratio to floor"),
    ("peak_mb", "peak memory, MB"),
]
TABLES = ("contacts", "pitches", "follow_ups")
NULL = "\\N"  # as COPY writes it: the floor's CSV tells NULL from an empty text


def fill(url: str, env: dict, folder: Path, contacts: int, pitches: int) -> None:
    """The account to back up: the realistic contacts, then pitches and follow-ups."""
    flask(env, "user", "create", "bench@example.com", "--password", PASSWORD)
    for path in make_files(folder, contacts):
        flask(env, "contacts", "import", str(path), "--user", "bench@example.com")
    from crm.db import utcnow
    from crm.models import Contact, FollowUp, Pitch

    engine = create_engine(url)
    with engine.begin() as conn:
        account_id = conn.execute(text("SELECT id FROM accounts")).scalar_one()
        ids = conn.execute(select(Contact.id).order_by(Contact.id)).scalars().all()
        now = utcnow()
        body = (
            "Hi {name},\n\nI'm Ana from The Night Owls. Our new single 'Paper Moon' is out on"
            " 14 March — dream pop for late drives. Stream: https://example.com/paper-moon\n\n"
            "Would it fit your playlist? Thanks for listening,\nAna"
        )
        statuses = ["sent", "replied", "interested", "no_response", "declined", "sent"]
        rows = [
            {"account_id": account_id, "contact_id": ids[i % len(ids)],
             "subject": f"Paper Moon — for you #{i}", "body": body.format(name=f"friend {i}"),
             "status": statuses[i % len(statuses)], "channel": "email", "sent_at": now,
             "cadence_days": 7, "notes": "", "created_at": now, "updated_at": now}
            for i in range(pitches)
        ]  # fmt: skip
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Pitch), rows[start : start + 5000])
        pitch_ids = conn.execute(select(Pitch.id).order_by(Pitch.id)).scalars().all()
        follow_ups = [
            {"account_id": account_id, "pitch_id": pid, "sequence": n, "due_at": now,
             "state": "open" if n == 1 else "done", "kind": "reminder", "created_at": now}
            for pid in pitch_ids
            for n in (1, 2)
        ]  # fmt: skip
        for start in range(0, len(follow_ups), 10000):
            conn.execute(insert(FollowUp), follow_ups[start : start + 10000])
    engine.dispose()


def floor_backup(url: str, out: Path) -> float:
    start = time.perf_counter()
    engine = create_engine(url)
    with engine.connect() as conn, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            result = conn.exec_driver_sql(f"SELECT * FROM {table}")
            with archive.open(f"{table}.csv", "w", force_zip64=True) as entry:
                text_out = io.TextIOWrapper(entry, encoding="utf-8", newline="")
                writer = csv.writer(text_out)
                writer.writerow(result.keys())
                while batch := result.fetchmany(1000):
                    writer.writerows([NULL if v is None else v for v in row] for row in batch)
                text_out.flush()
                text_out.detach()
    engine.dispose()
    return time.perf_counter() - start


def floor_tables(url: str) -> None:
    """Empty copies of the tables (floor_contacts, ...) with the same columns and indexes,
    unique ones included, for the restore's floor to load into."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in TABLES:
            if not url.startswith("sqlite"):
                conn.exec_driver_sql(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
                continue
            found = conn.exec_driver_sql(
                "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                "AND type IN ('table', 'index') ORDER BY type = 'index'",
                (table,),
            ).all()
            for _kind, sql in found:
                sql = sql.replace(f"CREATE TABLE {table}", f"CREATE TABLE floor_{table}", 1)
                sql = sql.replace(" INDEX ", " INDEX floor_", 1).replace(
                    f" ON {table} ", f" ON floor_{table} ", 1
                )
                conn.exec_driver_sql(sql)
    engine.dispose()


def floor_restore(url: str, source: Path) -> float:
    """Into the empty copies of the tables, emptied again first."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in TABLES:
            conn.exec_driver_sql(f"DELETE FROM floor_{table}")
    start = time.perf_counter()
    with zipfile.ZipFile(source) as archive, engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        for table in TABLES:
            reader = csv.reader(io.TextIOWrapper(archive.open(f"{table}.csv"), encoding="utf-8"))
            header = next(reader)
            rows = [[None if v == NULL else v for v in row] for row in reader]
            names = ", ".join(f'"{h}"' for h in header)
            if url.startswith("sqlite"):
                marks = ", ".join("?" for _ in header)
                raw.executemany(f"INSERT INTO floor_{table} ({names}) VALUES ({marks})", rows)
            else:
                with raw.cursor().copy(f"COPY floor_{table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
    engine.dispose()
    return time.perf_counter() - start


def run(url: str | None, contacts: int, pitches: int, rounds: int) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="stagedoor-backup-"))
    engine_name = "PostgreSQL" if url else "SQLite"
    url = url or f"sqlite:///{folder / 'crm.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    _reset(env, env, url)
    fill(url, env, folder, contacts, pitches)
    floor_tables(url)
    backups, restores, floor_b, floor_r, peaks_b, peaks_r = [], [], [], [], [], []
    backup = folder / "backup.zip"
    for round_ in range(rounds):
        floor_b.append(floor_backup(url, folder / "floor.zip"))
        took, peak, _out = flask(env, "backup", str(backup), "--user", "bench@example.com")
        backups.append(took)
        peaks_b.append(peak)
        email = f"restore{round_}@example.com"
        flask(env, "user", "create", email, "--password", PASSWORD)
        took, peak, out = flask(env, "restore", str(backup), "--user", email)
        assert "contacts" in out, out
        restores.append(took)
        peaks_r.append(peak)
        floor_r.append(floor_restore(url, folder / "floor.zip"))
    size = backup.stat().st_size / 1024 / 1024

    def line(case: str, samples: list[float], floor: list[float], peaks) -> dict:
        return {
            "case": case,
            "median_s": round(statistics.median(samples), 2),
            "p95_s": round(max(samples), 2),
            "ratio": f"{statistics.median(samples) / statistics.median(floor):.1f}x"
            if floor
            else "1.0x",
            "peak_mb": max(peaks) if peaks else "",
        }

    what = f"{contacts:,} contacts, {pitches:,} pitches, {2 * pitches:,} follow-ups"
    return [
        line(f"{engine_name}: backup of {what} ({size:.0f} MB zip)", backups, floor_b, peaks_b),
        line(f"{engine_name} floor: SELECT + csv into a zip", floor_b, [], []),
        line(f"{engine_name}: restore into an empty account", restores, floor_r, peaks_r),
        line(
            f"{engine_name} floor: csv + " + ("executemany" if engine_name == "SQLite" else "COPY"),
            floor_r,
            [],
            [],
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pitches", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.database_url, args.contacts, args.pitches, args.rounds)
    report = {
        "title": "Backup and restore through the CLI",
        "columns": COLUMNS,
        "results": results,
        "notes": [
            f"{args.rounds} rounds, floor and subject alternated; p95 is the slowest round."
            " Targets: each under 30 s on SQLite, within 3x of its floor, under 300 MB."
        ],
    }
    if args.json:
        print(json.dumps(report))
        return
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
