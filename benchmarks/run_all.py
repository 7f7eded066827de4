"""`make bench`: run every benchmark in this folder on fresh databases and print one markdown
table of the figures with the machine's description (also saved to benchmarks/results/).
Name scripts to run only those: `python benchmarks/run_all.py contacts_list dashboard`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import machine  # noqa: E402


def scripts(only: list[str]) -> list[Path]:
    found = sorted(
        p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.name != "run_all.py"
    )
    return [p for p in found if not only or p.stem in only]


def engines(script: Path) -> list[tuple[str, list[str]]]:
    """The engines a script runs on: SQLite always; PostgreSQL too when the script takes
    --database-url and BENCH_DATABASE_URL names a server (the Makefile sets the local one;
    an empty value leaves it out). Its database is dropped and made anew."""
    runs = [("SQLite", [])]
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url and "--database-url" in script.read_text():
        runs.append(("PostgreSQL", ["--database-url", url]))
    return runs


def main() -> int:
    sections = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}.",
        "",
    ]
    failed = False
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    for script in scripts(only):
        reports = []
        for engine, extra in engines(script):
            print(f"running {script.name} on {engine} ...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, str(script), "--json", *extra], capture_output=True, text=True
            )
            if done.returncode != 0:
                failed = True
                sections += [f"**{script.name} on {engine} failed**:", "```",
                             done.stderr[-2000:], "```", ""]  # fmt: skip
                continue
            reports.append((engine, json.loads(done.stdout.strip().splitlines()[-1])))
            print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        if not reports:
            continue
        first = reports[0][1]
        ran_on = " and ".join(engine for engine, _ in reports)
        sections += [f"### {first['title']} ({ran_on})", ""]
        columns = [("engine", "engine"), *first["columns"]]
        sections.append("| " + " | ".join(label for _key, label in columns) + " |")
        sections.append(
            "|" + "|".join("---" if i < 2 else "---:" for i in range(len(columns))) + "|"
        )
        for engine, report in reports:
            for row in report["results"]:
                cells = [engine, *(str(row.get(key, "")) for key, _label in columns[1:])]
                sections.append("| " + " | ".join(cells) + " |")
        sections += ["", *first.get("notes", []), ""]
    table = "\n".join(sections).rstrip() + "\n"
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(table)
    print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
