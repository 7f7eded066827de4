"""A large web import runs in the background while the user watches its progress bar, on
the server a team runs: gunicorn with two worker processes, either of which may answer the
page's progress requests."""

import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from crm.demo.data import demo_rows
from crm.imports.export import csv_lines
from crm.imports.services import set_progress
from crm.models import Contact, ContactImport, ImportFile, ImportProgress, ImportStatus
from tests.conftest import browser_login, free_port, page_csrf, serve

HEADER = ["first_name", "last_name", "email", "company", "city"]


def sheet(rows: int) -> bytes:
    cells = ([r[name] for name in HEADER] for r in demo_rows(rows, seed=7))
    return "".join(csv_lines(cells, header=HEADER)).encode()


@pytest.fixture
def team_server(database_url, tmp_path, user):
    """gunicorn, two workers, as the README runs it for a team."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "crm.wsgi:app"],
        base + "/account/login",
        env={"DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "RATELIMIT_DISABLED": "1"},
        log=tmp_path / "gunicorn.log",
    ):
        yield base


@pytest.mark.slow
def test_the_progress_bar_only_moves_forward_whichever_worker_answers(team_server, user, session):
    rows = 30_000
    browser = browser_login(team_server, user.email)
    uploaded = browser.post(
        team_server + "/imports/",
        data={"csrf_token": page_csrf(browser, team_server + "/imports/")},
        files={"file": ("agency.csv", sheet(rows), "text/csv")},
    )
    assert "Check the columns of agency.csv" in uploaded.text
    started = browser.post(
        uploaded.url,
        data={"csrf_token": page_csrf(browser, uploaded.url), "action": "run"}
        | {f"column-{i}": name for i, name in enumerate(HEADER)},
    )
    assert "Rows imported" in started.text or "new" in started.text
    progress_url = started.url.rstrip("/") + "/progress"

    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = browser.get(progress_url).json()
        seen.append(state["done"])
        if state["status"] != "running":
            break
        time.sleep(0.01)
    assert state["status"] == "done", state
    assert state["created"] == rows
    assert seen == sorted(seen), "the bar went back"
    assert any(0 < done < rows for done in seen), "the bar never moved"
    assert session.scalar(select(func.count(Contact.id))) == rows


def running_import(session, user) -> ContactImport:
    """An import started from the web page, as its record and file are while it runs."""
    record = ContactImport(
        account_id=user.account_id,
        user_id=user.id,
        file_name="agency.csv",
        status=ImportStatus.RUNNING,
        encoding="utf-8",
        delimiter=",",
        header=HEADER,
        mapping=HEADER,
        rows_total=10,
    )
    session.add(record)
    session.flush()
    session.add(ImportFile(import_id=record.id, data=sheet(10)))
    session.commit()
    return record


def test_a_running_import_shows_how_far_it_has_come(logged_in, session, user):
    record = running_import(session, user)
    set_progress(session, record, 4, 10)  # by this process, which is alive
    state = logged_in.get(f"/imports/{record.id}/progress").get_json()
    assert (state["status"], state["done"], state["total"]) == ("running", 4, 10)
    assert 'value="4"' in logged_in.get(f"/imports/{record.id}").get_data(as_text=True)


def test_an_import_whose_server_stopped_says_so(logged_in, session, user):
    """The server was stopped during an import: its transaction died with it, so nothing
    was written. The page says so, rather than showing a bar that never moves again."""
    record = running_import(session, user)
    ended = subprocess.Popen(["true"])
    ended.wait()
    set_progress(session, record, 4, 10, pid=ended.pid)  # the server process that ran it, gone
    page = logged_in.get(f"/imports/{record.id}").get_data(as_text=True)
    assert "The server stopped before this import finished, so nothing was imported." in page
    state = logged_in.get(f"/imports/{record.id}/progress").get_json()
    assert state["status"] == "failed"
    session.expire_all()
    assert session.get(ImportFile, record.id) is None  # the upload, gone
    assert session.get(ImportProgress, record.id) is None  # and its progress
