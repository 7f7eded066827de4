"""A team's server: two web processes on different ports (as on two hosts behind a proxy)
share one PostgreSQL and one Redis, and keep nothing of their own that the other needs.
An import uploaded through one is mapped, run and watched through the other; the login
rate limit counts the attempts made at both."""

import shutil
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
import requests

from tests.conftest import POSTGRES_URL, browser_login, free_port, page_csrf, serve
from tests.imports.test_background_import import HEADER, sheet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="a team's server runs on PostgreSQL"),
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="Redis is not installed (.ci/run does)"
    ),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@contextmanager
def redis_server(tmp_path):
    """Debian's redis-server on a port of its own, keeping nothing on disk."""
    import redis

    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis(port=port, socket_timeout=1).ping()
                break
            except redis.RedisError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def two_web_processes(database_url, tmp_path, user):
    with redis_server(tmp_path) as redis_url:
        env = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "one-key-for-the-team",
            "RATELIMIT_STORAGE_URI": redis_url,
        }
        with _gunicorn(env, tmp_path / "a.log") as one, _gunicorn(env, tmp_path / "b.log") as other:
            yield one, other


@contextmanager
def _gunicorn(env, log):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
               "crm.wsgi:app"]  # fmt: skip
    with serve(command, base + "/account/login", env=env, log=log):
        yield base


def test_an_import_started_through_one_process_is_finished_and_shown_through_the_other(
    two_web_processes, user
):
    one, other = two_web_processes
    browser = browser_login(one, user.email)
    uploaded = browser.post(
        one + "/imports/",
        data={"csrf_token": page_csrf(browser, one + "/imports/")},
        files={"file": ("agency.csv", sheet(3_000), "text/csv")},
    )
    assert "Check the columns of agency.csv" in uploaded.text

    # The next step, on the other host: the file it needs is in the database, not on disk.
    mapping_url = uploaded.url.replace(one, other)
    assert "Check the columns of agency.csv" in browser.get(mapping_url).text
    started = browser.post(
        mapping_url,
        data={"csrf_token": page_csrf(browser, mapping_url), "action": "run"}
        | {f"column-{i}": name for i, name in enumerate(HEADER)},
    )
    assert started.url.startswith(other)

    # Watched through the first: the progress the other process writes is shared too.
    progress_url = started.url.replace(other, one).rstrip("/") + "/progress"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = browser.get(progress_url).json()
        if state["status"] != "running":
            break
        time.sleep(0.05)
    assert (state["status"], state["created"]) == ("done", 3_000), state
    shown = browser.get(started.url.replace(other, one)).text
    assert "3,000" in shown or "3000" in shown


def test_the_login_rate_limit_counts_attempts_at_both_processes(two_web_processes, user):
    """Ten login attempts a minute from one address, wherever they land (the limit on
    /account/login); alone, each process would have allowed ten of its own."""
    statuses = []
    for attempt in range(12):
        base = two_web_processes[attempt % 2]
        browser = requests.Session()
        token = page_csrf(browser, base + "/account/login")
        answer = browser.post(
            base + "/account/login",
            data={"csrf_token": token, "email": user.email, "password": "not the password"},
        )
        statuses.append(answer.status_code)
    assert 429 not in statuses[:10], statuses
    assert statuses[10:] == [429, 429], statuses
