"""CLI import of a 100,000-row CSV into an empty SQLite account and into one that already
holds those contacts (every row an update), against a floor: the same rows parsed with the
csv module and inserted with plain executemany into the same table."""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import PASSWORD  # noqa: E402
from crm.contacts.fields import CONTACT_FIELDS  # noqa: E402
from crm.demo.data import demo_rows  # noqa: E402
from crm.imports.export import csv_lines  # noqa: E402

COLUMNS = [
    ("case", "case"),
    ("seconds", "seconds"),
    ("rows_per_s", "rows/s"),
    ("ratio", "ratio to floor"),
    ("peak_mb", "peak memory, MB"),
]


def make_file(path: Path, rows: int) -> None:
    def cells(row: dict) -> list[str]:
        return [
            "; ".join(v)
            if isinstance(v, list)
            else str(v).lower()
            if isinstance(v, bool)
            else str(v)
            for v in (row.get(f, "") for f in CONTACT_FIELDS)
        ]

    with open(path, "w", encoding="utf-8", newline="") as out:
        out.writelines(
            csv_lines((cells(r) for r in demo_rows(rows, seed=42)), header=list(CONTACT_FIELDS))
        )


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [c for child in map(int, children) for c in (child, *_descendants(child))]


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory (VmHWM): its own pages since it started its
    program, so a helper started by fork and exec does not count its parent's."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def flask(env: dict, *args: str) -> tuple[float, int, str]:
    """Run a CLI command in its own process; (seconds, peak memory in MB, output). The peak
    is the sum of each process's own peak: the command's, and its cleaning helper's."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("flask")), "--app", "crm", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE.parent,
    )
    peaks: dict[int, int] = {}

    def watch() -> None:
        while process.poll() is None:
            for pid in (process.pid, *_descendants(process.pid)):
                # The latest reading, not the largest: between fork and exec a helper still
                # has its parent's memory, and exec starts its high-water mark afresh.
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


def floor(db: Path, path: Path) -> float:
    """csv.reader plus executemany of the same columns into the same (migrated) table."""
    import sqlite3

    start = time.perf_counter()
    connection = sqlite3.connect(db)
    with open(path, encoding="utf-8-sig", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        rows = [
            (
                1,
                r[0],
                r[1],
                r[2],
                r[2].lower(),
                r[3],
                r[4] or None,
                r[6],
                r[7],
                r[8],
                r[11],
                r[12],
                r[13],
                r[14],
                r[15],
                r[16],
                r[17] == "true",
                "",
                "",
                "2026-01-01",
                "2026-01-01",
            )
            for r in reader
        ]
    connection.executemany(
        "INSERT INTO contacts (account_id, first_name, last_name, email, email_key, phone, "
        "role, title, city, country, website, instagram, twitter, tiktok, linkedin, notes, "
        "do_not_contact, sort_name, search_text, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    connection.commit()
    connection.close()
    return time.perf_counter() - start


def run(rows: int) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="stagedoor-import-"))
    source = folder / "contacts.csv"
    make_file(source, rows)
    db = folder / "crm.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "bench"}
    flask(env, "db", "upgrade")
    flask(env, "user", "create", "bench@example.com", "--password", PASSWORD)
    new_s, new_peak, out = flask(
        env, "contacts", "import", str(source), "--user", "bench@example.com"
    )
    assert out.startswith(f"created {rows},"), out
    upd_s, upd_peak, out = flask(
        env, "contacts", "import", str(source), "--user", "bench@example.com"
    )
    assert "created 0," in out, out
    floor_db = folder / "floor.sqlite3"
    flask({**env, "DATABASE_URL": f"sqlite:///{floor_db}"}, "db", "upgrade")
    floor_s = floor(floor_db, source)
    size = source.stat().st_size / 1024 / 1024
    return [
        {
            "case": f"{rows:,} new contacts ({size:.0f} MB file)",
            "seconds": round(new_s, 2),
            "rows_per_s": f"{rows / new_s:,.0f}",
            "ratio": f"{new_s / floor_s:.1f}x",
            "peak_mb": new_peak,
        },
        {
            "case": f"the same {rows:,} again (all updates, nothing changes)",
            "seconds": round(upd_s, 2),
            "rows_per_s": f"{rows / upd_s:,.0f}",
            "ratio": f"{upd_s / floor_s:.1f}x",
            "peak_mb": upd_peak,
        },
        {
            "case": "floor: csv.reader + executemany",
            "seconds": round(floor_s, 2),
            "rows_per_s": f"{rows / floor_s:,.0f}",
            "ratio": "1.0x",
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.rows)
    report = {
        "title": f"CSV import through the CLI, {args.rows:,} rows (SQLite)",
        "columns": COLUMNS,
        "results": results,
        "notes": [
            "Seconds include starting the CLI process. Targets: 100,000 new rows in under "
            "15 s, within 3x of the floor; peak memory under 300 MB."
        ],
    }
    if args.json:
        print(json.dumps(report))
        return
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
