"""HTTP throughput of the logged-in dashboard under gunicorn (2 sync workers) for an account
of 100,000 contacts and 50,000 pitches, on SQLite or PostgreSQL (`--database-url`; its
schema is dropped first), driven by a load generator in another process, against the floor
of the same HTML and the same SQL served the least costly way: a plain WSGI callable under
the same gunicorn that runs the very statements the dashboard ran (captured from one of its
requests, replayed on the driver, every row fetched) and returns the very bytes it served.
The ratio so measures what the framework, the ORM and the templates add, not the page's
size or its SQL. Both servers run side by side and are measured in turn, A B A B.

The load generator is wrk when it is installed (Debian: apt-get install wrk); otherwise a
Python generator in its own process (keep-alive connections, one thread each), which costs
more CPU on the machine it measures and is named in the table."""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import pickle
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks._common import (  # noqa: E402
    PASSWORD,
    fresh_app,
    load_contacts,
    logged_in_client,
    machine,
    make_account,
)
from benchmarks.dashboard import load_pitches  # noqa: E402

COLUMNS = [
    ("case", "case"),
    ("rps", "requests/s, median of rounds"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("requests", "requests"),
    ("ratio", "ratio to floor"),
]
# Flask-Login ties a session to the client's address and user agent: the login and the load
# must send the same one.
USER_AGENT = "stagedoor-bench"
# Counts every answer that is not a 200 (wrk itself counts only 4xx and 5xx as errors) and
# prints the 95th percentile, which wrk's own summary leaves out.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write("Responses other than 200: " .. total .. "\\n")
  io.write(string.format("Percentiles us: %d %d\\n", latency:percentile(50),
                         latency:percentile(95)))
  io.write("Requests done: " .. summary.requests .. "\\n")
end
"""
# The floor: a WSGI callable, one database connection per worker, no framework.
FLOOR_APP = """
import pickle
from pathlib import Path

HERE = Path(__file__).resolve().parent
DRIVER, TARGET, STATEMENTS, PAGE = pickle.loads((HERE / "floor.pickle").read_bytes())
if DRIVER == "sqlite":
    import sqlite3

    connection = sqlite3.connect(TARGET, check_same_thread=False)
else:
    import psycopg

    connection = psycopg.connect(TARGET)
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))]


def app(environ, start_response):
    cursor = connection.cursor()
    for statement, parameters in STATEMENTS:
        cursor.execute(statement, parameters)
        cursor.fetchall()
    cursor.close()
    connection.rollback()
    start_response("200 OK", HEADERS)
    return [PAGE]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app_spec: str, env: dict[str, str], cwd: Path, workers: int) -> tuple:
    """gunicorn in its own process; returns (process, base URL) once it answers."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", app_spec],
        env={**os.environ, **env},
        cwd=cwd,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            return process, base
        except urllib.error.HTTPError:
            return process, base
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start for {app_spec}")


def log_in(base: str, email: str) -> tuple[str, bytes]:
    """Log in through the login form; returns the Cookie header of the session and the
    dashboard as that session is served it."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/account/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    opener.open(base + "/account/login", data=form.encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    request = urllib.request.Request(
        base + "/", headers={"Cookie": cookie, "User-Agent": USER_AGENT}
    )
    body = urllib.request.urlopen(request).read()
    assert b"Next 7 days" in body, "login failed"
    return cookie, body


def with_wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name]
        headers = ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
        done = subprocess.run([*args, *headers, url], capture_output=True, text=True, check=True)
    out = done.stdout
    bad = int(re.search(r"Responses other than 200: (\d+)", out).group(1))
    assert not bad, f"{bad} responses from {url} were not 200 (logged out?)"
    p50, p95 = re.search(r"Percentiles us: (\d+) (\d+)", out).groups()
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": int(p50) / 1000,
        "p95_ms": int(p95) / 1000,
        "requests": int(re.search(r"Requests done: (\d+)", out).group(1)),
    }


def _python_load(url: str, cookie: str, seconds: int, connections: int, out) -> None:
    parsed = urllib.parse.urlsplit(url)
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port)
        mine = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
            conn.request("GET", parsed.path or "/", headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def at(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * share))] * 1000

    out.put({"rps": len(latencies) / elapsed, "p50_ms": at(0.5), "p95_ms": at(0.95),
             "requests": len(latencies)})  # fmt: skip


def with_python(url: str, cookie: str, seconds: int, connections: int) -> dict:
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=_python_load, args=(url, cookie, seconds, connections, queue)
    )
    process.start()
    result = queue.get(timeout=seconds + 60)
    process.join()
    return result


def capture(app, engine) -> list:
    """The statements one logged-in dashboard request runs, as the driver was given them."""
    client = logged_in_client(app)
    statements: list = []

    def record(conn, cursor, statement, parameters, context, many):
        statements.append((statement, parameters))

    client.get("/")  # warm: what a worker loads once is not the page's work
    event.listen(engine, "before_cursor_execute", record)
    assert client.get("/").status_code == 200
    event.remove(engine, "before_cursor_execute", record)
    return statements


def run(contacts: int, pitches: int, seconds: int, rounds: int, connections: int,
        url: str | None) -> tuple[list, str]:  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="stagedoor-http-"))
    app = fresh_app(url)
    session, user = make_account(app)
    load_contacts(session, user.account, contacts)
    load_pitches(session, user.account, pitches)
    session.close()
    engine = app.extensions["crm.db"].kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    statements = capture(app, engine)
    engine.dispose()

    generator = "wrk" if shutil.which("wrk") else "a Python load generator"
    measure = with_wrk if shutil.which("wrk") else with_python
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_DISABLED": "1"}
    subject, subject_base = serve("crm.wsgi:app", env, ROOT, workers=2)
    floor = None
    try:
        cookie, page = log_in(subject_base, "bench@example.com")
        target = make_url(url)
        if target.get_backend_name() == "sqlite":
            driver, where = "sqlite", target.database
        else:
            driver, where = (
                "psycopg",
                target.set(drivername="postgresql").render_as_string(hide_password=False),
            )
        (folder / "floor.pickle").write_bytes(pickle.dumps((driver, where, statements, page)))
        (folder / "floor_app.py").write_text(FLOOR_APP)
        floor, floor_base = serve("floor_app:app", env, folder, workers=2)
        cases = [("logged-in dashboard", subject_base, cookie),
                 ("floor: its SQL and its HTML, plain WSGI", floor_base, "")]  # fmt: skip
        for _label, base, who in cases:
            measure(base + "/", who, 2, connections)  # warm every worker up
        runs: dict[str, list[dict]] = {label: [] for label, _b, _c in cases}
        for _ in range(rounds):  # A B A B: a drifting machine cannot flatter either side
            for label, base, who in cases:
                runs[label].append(measure(base + "/", who, seconds, connections))
    finally:
        for process in (subject, floor):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    results = []
    for label, figures in runs.items():
        results.append({
            "case": label,
            "rps": statistics.median(f["rps"] for f in figures),
            "p50_ms": statistics.median(f["p50_ms"] for f in figures),
            "p95_ms": max(f["p95_ms"] for f in figures),
            "requests": sum(f["requests"] for f in figures),
        })  # fmt: skip
    floor_rps = results[-1]["rps"]
    for row in results:
        row["ratio"] = f"{floor_rps / row['rps']:.1f}x"
        row["rps"] = f"{row['rps']:,.0f}"
        row["p50_ms"] = round(row["p50_ms"], 1)
        row["p95_ms"] = round(row["p95_ms"], 1)
    results.append({"case": f"{len(statements)} SQL statements, a page of {len(page):,} bytes"})
    shutil.rmtree(folder, ignore_errors=True)
    return results, generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pitches", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results, generator = run(args.contacts, args.pitches, args.seconds, args.rounds,
                             args.connections, args.database_url)  # fmt: skip
    engine = "PostgreSQL" if args.database_url else "SQLite"
    report = {
        "title": (
            f"HTTP throughput: dashboard under gunicorn, 2 workers, {args.contacts:,} contacts "
            f"and {args.pitches:,} pitches ({generator}, {args.connections} connections, "
            f"{args.rounds} rounds of {args.seconds} s each, alternated)"
        ),
        "columns": COLUMNS,
        "results": results,
        "notes": [
            "The ratio is how many times more requests/s the floor serves: the same SQL "
            "statements and the same bytes from a plain WSGI callable under the same gunicorn. "
            "p95 is the worst round's. The load generator runs on the same 2 cores as the "
            "server."
        ],
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(machine(), engine)
        for r in results:
            print(r)


if __name__ == "__main__":
    main()
