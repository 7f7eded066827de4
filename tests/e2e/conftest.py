"""Real-browser tests: the app served by a real server process on 127.0.0.1, driven by
Playwright in the system's Chromium (Debian's `chromium` package; .ci/run installs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, serve

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

NO_CHROMIUM = f"browser test skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"


def pytest_collection_modifyitems(config, items):
    """Without Chromium each browser test is reported as skipped, with the reason, so the
    summary counts what did not run instead of folding it into one line."""
    if Path(CHROMIUM).exists():
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@dataclass
class Server:
    url: str
    database_url: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """The app in its own process, on a fresh SQLite database, as a user would run it."""
    folder = tmp_path_factory.mktemp("e2e")
    port = free_port()
    database_url = f"sqlite:///{folder / 'crm.sqlite3'}"
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "e2e",
        "RATELIMIT_DISABLED": "1",
        "CRM_BASE_URL": f"http://127.0.0.1:{port}",
        "MAILBOX_KEY": "gG3t0b0rmx6B3cHHx2oU2h4bZ8lH2tq7Jm5hZm9vYmE=",
    }
    flask = [sys.executable, "-m", "flask", "--app", "crm"]
    subprocess.run(
        [*flask, "db", "upgrade"], env={**os.environ, **env}, cwd=ROOT, check=True,
        capture_output=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with serve(
        [*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
        base + "/account/login",
        env=env,
        log=folder / "server.log",
    ):
        yield Server(base, database_url, env)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    yield from _page(browser, server, {"width": 1280, "height": 900})


# The widths the key journeys are walked at: a laptop and a phone.
WIDTHS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser, server):
    """A page at a laptop's width, then at a phone's: the journey is walked at both."""
    yield from _page(browser, server, WIDTHS[request.param])


def _page(browser, server, viewport: dict):
    context = browser.new_context(base_url=server.url, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    yield page
    context.close()
    assert not errors, errors


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_up(page, email: str) -> None:
    page.goto("/account/signup")
    page.get_by_label("Your name").fill("Robin Vale")
    page.get_by_label("Artist or band name").fill("The Night Owls")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Repeat password").fill("correct horse battery")
    page.locator("main").get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/")
