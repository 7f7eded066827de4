"""HTTP throughput of the logged-in dashboard under gunicorn (2 sync workers, SQLite), driven
by a load generator in another process, against the floor of a minimal Flask app ("ok" from
one view) served the same way on the same machine.

The load generator is wrk when it is installed (Debian: apt-get install wrk); otherwise a
Python generator in its own process (keep-alive connections, one thread each), which costs
more CPU on the machine it measures and is named in the table."""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import socket
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

from benchmarks._common import PASSWORD, fresh_app, load_contacts, machine, make_account  # noqa: E402
from benchmarks.dashboard import load_pitches  # noqa: E402

COLUMNS = [
    ("case", "case"),
    ("rps", "requests/s"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("ratio", "ratio to floor"),
]
# Flask-Login ties a session to the client's address and user agent: the login and the load
# must send the same one.
USER_AGENT = "stagedoor-bench"
# Counts every answer that is not a 200 (wrk itself counts only 4xx and 5xx as errors).
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write("Responses other than 200: " .. total .. "\\n")
end
"""
MINIMAL_APP = """
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
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
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            return process, base
        except urllib.error.HTTPError:
            return process, base
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start for {app_spec}")


def log_in(base: str, email: str) -> str:
    """Log in through the login form; returns the Cookie header of the session."""
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
    assert "Next 7 days" in urllib.request.urlopen(request).read().decode(), "login failed"
    return cookie


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def with_wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name]
        headers = ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
        done = subprocess.run([*args, *headers, url], capture_output=True, text=True, check=True)
    out = done.stdout
    bad = int(re.search(r"Responses other than 200: (\d+)", out).group(1))
    assert not bad, f"{bad} responses from {url} were not 200 (logged out?)"
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": to_ms(re.search(r"50%\s+(\S+)", out).group(1)),
        "p99_ms": to_ms(re.search(r"99%\s+(\S+)", out).group(1)),
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
    out.put(
        {
            "rps": len(latencies) / elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        }
    )


def with_python(url: str, cookie: str, seconds: int, connections: int) -> dict:
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=_python_load, args=(url, cookie, seconds, connections, queue)
    )
    process.start()
    result = queue.get(timeout=seconds + 60)
    process.join()
    return result


def run(contacts: int, pitches: int, seconds: int, connections: int) -> tuple[list, str]:
    folder = Path(tempfile.mkdtemp(prefix="stagedoor-http-"))
    url = f"sqlite:///{folder / 'crm.sqlite3'}"
    app = fresh_app(url)
    session, user = make_account(app)
    load_contacts(session, user.account, contacts)
    load_pitches(session, user.account, pitches)
    session.close()
    app.extensions["crm.db"].kw["bind"].dispose()
    (folder / "minimal_app.py").write_text(MINIMAL_APP)

    generator = "wrk" if shutil.which("wrk") else "a Python load generator"
    measure = with_wrk if shutil.which("wrk") else with_python
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_DISABLED": "1"}
    results = []
    cases = [
        ("logged-in dashboard", "crm.wsgi:app", ROOT, True),
        ("floor: minimal Flask app", "minimal_app:app", folder, False),
    ]
    for label, spec, cwd, login in cases:
        process, base = serve(spec, env, cwd, workers=2)
        try:
            cookie = log_in(base, "bench@example.com") if login else ""
            measure(base + "/", cookie, 2, connections)  # warm both workers up
            figures = measure(base + "/", cookie, seconds, connections)
        finally:
            process.terminate()
            process.wait(timeout=30)
        results.append({"case": label, **figures})
    floor = results[-1]["rps"]
    for row in results:
        row["ratio"] = f"{floor / row['rps']:.1f}x"
        row["rps"] = f"{row['rps']:,.0f}"
        row["p50_ms"] = round(row["p50_ms"], 1)
        row["p99_ms"] = round(row["p99_ms"], 1)
    shutil.rmtree(folder, ignore_errors=True)
    return results, generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=3_000)
    parser.add_argument("--pitches", type=int, default=1_500)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results, generator = run(args.contacts, args.pitches, args.seconds, args.connections)
    report = {
        "title": (
            f"HTTP throughput: dashboard under gunicorn, 2 workers, {args.contacts:,} contacts "
            f"and {args.pitches:,} pitches (SQLite, {generator}, {args.connections} "
            f"connections, {args.seconds} s)"
        ),
        "columns": COLUMNS,
        "results": results,
        "notes": [
            "The ratio is how many times more requests/s the minimal app serves. The load "
            "generator runs on the same 2 cores as the server."
        ],
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(machine())
        for r in results:
            print(r)


if __name__ == "__main__":
    main()
