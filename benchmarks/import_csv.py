"""CLI import of address books shaped like real exports, on SQLite and on PostgreSQL
(`--database-url`; its schema is dropped first), each against its own floor in the same
run, the two alternated (floor, import, floor, import, ...) so a drifting machine flatters
neither.

The file (see `make_files`) is not the demo set: its people are benchmarks/_people.py's
`make_rows`, whose docstring gives their distribution (taken from what artists' Google and
Outlook exports look like: one company per 2.5 contacts, phones of twelve countries in
three columns, 30% with a second address, titles and no role column, notes with line
breaks and accents), half the rows in Google's header, half in Outlook's (two files,
imported one after the other into the same account).

Floors, the least work that gives the same rows in the same table:
- SQLite: the csv module reads the files, and one executemany inserts the rows into the
  migrated contacts table (with its unique index), in one transaction;
- PostgreSQL: psycopg's COPY of the same rows into the migrated contacts table.
Both fill the sort and search columns (and so their indexes: the search index above all),
as the import does; until 2026-12-02 the floors left them empty, which skipped most of
PostgreSQL's index work and made its ratio look twice what it is.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import PASSWORD  # noqa: E402
from benchmarks._people import make_rows  # noqa: E402

COLUMNS = [
    ("case", "case"),
    ("median_s", "median, s"),
    ("p95_s", "p95, s"),
    ("rows_per_s", "rows/s"),
    ("ratio", "ratio to floor"),
    ("peak_mb", "peak memory, MB"),
]

GOOGLE = [
    "First Name", "Last Name", "Organization Name", "Organization Title", "E-mail 1 - Value",
    "E-mail 2 - Value", "Phone 1 - Value", "Phone 2 - Value", "Phone 3 - Value",
    "Address 1 - City", "Address 1 - Country", "Labels", "Notes",
]  # fmt: skip
OUTLOOK = [
    "First Name", "Last Name", "Company", "Job Title", "E-mail Address", "E-mail 2 Address",
    "Business Phone", "Mobile Phone", "Home Phone", "Business City",
    "Business Country/Region", "Categories", "Notes",
]  # fmt: skip


# Country, a local number pattern (the country's own format) and its calling code.
def _google(p: dict) -> list[str]:
    phones = ["", "", ""]
    phones[p["phone_column"]] = p["phone"]
    groups = " ::: ".join(["* myContacts", *filter(None, p["groups"].split("; "))])
    return [p["first"], p["last"], p["company"], p["title"], p["email"], p["email2"], *phones,
            p["city"], p["country"], groups, p["notes"]]  # fmt: skip


def _outlook(p: dict) -> list[str]:
    phones = ["", "", ""]
    phones[p["phone_column"]] = p["phone"]
    return [p["first"], p["last"], p["company"], p["title"], p["email"], p["email2"], *phones,
            p["city"], p["country"], p["groups"], p["notes"]]  # fmt: skip


def make_files(folder: Path, rows: int) -> list[Path]:
    people = make_rows(rows, seed=42)
    half = len(people) // 2
    paths = []
    for name, header, shape, part in (
        ("google.csv", GOOGLE, _google, people[:half]),
        ("outlook.csv", OUTLOOK, _outlook, people[half:]),
    ):
        path = folder / name
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(shape(p) for p in part)
        paths.append(path)
    return paths


# --- measuring ------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [c for child in map(int, children) for c in (child, *_descendants(child))]


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory (VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def flask(env: dict, *args: str) -> tuple[float, int, str]:
    """Run a CLI command in its own process; (seconds, peak memory in MB of the command and
    its cleaning helper together, output)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("flask")), "--app", "crm", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent,
    )  # fmt: skip
    peaks: dict[int, int] = {}

    def watch() -> None:
        while process.poll() is None:
            for pid in (process.pid, *_descendants(process.pid)):
                peaks[pid] = _high_water_kb(pid) or peaks.get(pid, 0)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(out + err)
    return seconds, sum(peaks.values()) // 1024, out.strip()


def floor_rows(paths: list[Path]) -> list[tuple]:
    """The files' rows as the contacts table's columns, with the csv module alone. The sort
    and search columns are filled as simply as can be (lower case, no accent folding), but
    filled: the indexes on them are part of the result, and left empty they cost nothing."""
    rows = []
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as source:
            reader = csv.reader(source)
            next(reader)
            for r in reader:
                phone = r[6] or r[7] or r[8]
                sort_name = f"{r[1]} {r[0]}".strip().lower() or r[4].lower()
                searched = (r[0], r[1], r[4], r[3], r[9], r[10], r[12], r[5], r[2], r[11])
                search_text = " " + " ".join(v for v in searched if v).lower()
                rows.append(
                    (1, r[0], r[1], r[4], r[4].lower(), phone, r[3], r[9], r[10], r[12],
                     "", "", "", "", "", False, sort_name, search_text, r[2].lower() or None,
                     "2026-01-01", "2026-01-01")
                )  # fmt: skip
    return rows


FLOOR_COLUMNS = (
    "account_id, first_name, last_name, email, email_key, phone, title, city, country, "
    "notes, website, instagram, twitter, tiktok, linkedin, do_not_contact, sort_name, "
    "search_text, company_key, created_at, updated_at"
)


def floor_sqlite(db: Path, paths: list[Path]) -> float:
    """The rows in by one executemany, the table's plain indexes and its search index
    built once after it rather than kept up row by row."""
    import sqlite3

    start = time.perf_counter()
    rows = floor_rows(paths)
    connection = sqlite3.connect(db)
    connection.execute("DELETE FROM contacts")
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    connection.execute("INSERT INTO search_index_pauses (id) VALUES (1)")
    connection.executemany(
        f"INSERT INTO contacts ({FLOOR_COLUMNS}) VALUES ({', '.join('?' * 21)})", rows
    )
    connection.execute("INSERT INTO contacts_fts(rowid, search_text) "
                       "SELECT id, search_text FROM contacts")  # fmt: skip
    connection.execute("DELETE FROM search_index_pauses")
    for _name, sql in indexes:
        connection.execute(sql)
    connection.commit()
    connection.close()
    return time.perf_counter() - start


def floor_postgres(url: str, paths: list[Path]) -> float:
    """COPY into the table with its indexes dropped, then built once (the trigram search
    index above all: built whole it costs half of what it does kept up row by row)."""
    import psycopg

    start = time.perf_counter()
    rows = floor_rows(paths)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM contacts")
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = "
                "'contacts' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname)"
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            with cursor.copy(f"COPY contacts ({FLOOR_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            for _name, sql in indexes:
                cursor.execute(sql)
    return time.perf_counter() - start


def run(rows: int, rounds: int, url: str | None) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="stagedoor-import-"))
    paths = make_files(folder, rows)
    engine = "PostgreSQL" if url else "SQLite"
    if url is None:
        url = f"sqlite:///{folder / 'crm.sqlite3'}"
        floor_url = f"sqlite:///{folder / 'floor.sqlite3'}"
    else:
        floor_url = url
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    floor_env = {**env, "DATABASE_URL": floor_url}
    imports, floors, peaks = [], [], []
    for _round in range(rounds):
        _reset(env, floor_env, url)
        # The floor first: on PostgreSQL it shares the database (its account is the
        # contacts' foreign key there), and the database is made anew after it.
        if floor_url == url:
            flask(env, "user", "create", "floor@example.com", "--password", PASSWORD)
        floor = (
            floor_sqlite(Path(floor_url.removeprefix("sqlite:///")), paths)
            if floor_url.startswith("sqlite")
            else floor_postgres(floor_url, paths)
        )
        floors.append(floor)
        if floor_url == url:
            _reset(env, floor_env, url)
        flask(env, "user", "create", "bench@example.com", "--password", PASSWORD)
        seconds, peak = 0.0, 0
        for path in paths:
            took, used, out = flask(env, "contacts", "import", str(path), "--user",
                                    "bench@example.com")  # fmt: skip
            assert out.startswith("created "), out
            seconds += took
            peak = max(peak, used)
        imports.append(seconds)
        peaks.append(peak)
    median_import, median_floor = statistics.median(imports), statistics.median(floors)
    return [
        {
            "case": f"{engine}: {rows:,} rows (Google + Outlook files), new account",
            "median_s": round(median_import, 2),
            "p95_s": round(max(imports), 2),
            "rows_per_s": f"{rows / median_import:,.0f}",
            "ratio": f"{median_import / median_floor:.1f}x",
            "peak_mb": max(peaks),
        },
        {
            "case": f"{engine} floor: "
            + ("csv + executemany" if engine == "SQLite" else "csv + COPY"),
            "median_s": round(median_floor, 2),
            "p95_s": round(max(floors), 2),
            "rows_per_s": f"{rows / median_floor:,.0f}",
            "ratio": "1.0x",
            "peak_mb": "",
        },
    ]


def _reset(env: dict, floor_env: dict, url: str) -> None:
    """A fresh, migrated database for the import (and the floor's, on SQLite)."""
    if url.startswith("sqlite"):
        for target in (env, floor_env):
            Path(target["DATABASE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
            flask(target, "db", "upgrade")
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    flask(env, "db", "upgrade")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (schema dropped)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.rows, args.rounds, args.database_url)
    report = {
        "title": f"CSV import through the CLI, {args.rows:,} rows shaped like real exports",
        "columns": COLUMNS,
        "results": results,
        "notes": [
            f"{args.rounds} rounds, floor and import alternated in each; p95 is the slowest"
            " round. Seconds include starting the CLI process (twice: two files). Targets:"
            " 100,000 rows within 3x of the floor, under 15 s on SQLite, peak memory under"
            " 300 MB."
        ],
    }
    if args.json:
        print(json.dumps(report))
        return
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
