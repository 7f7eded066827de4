"""Real-browser tests: the app served by a real server process on 127.0.0.1, driven by
Playwright in the system's Chromium (Debian's `chromium` package; .ci/run installs it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )


@dataclass
class Server:
    url: str
    database_url: str


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """The app in its own process, on a fresh SQLite database, as a user would run it."""
    folder = tmp_path_factory.mktemp("e2e")
    port = free_port()
    database_url = f"sqlite:///{folder / 'crm.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "e2e",
        "RATELIMIT_DISABLED": "1",
        "CRM_BASE_URL": f"http://127.0.0.1:{port}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "crm"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    process = subprocess.Popen(
        [*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/account/login", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.terminate()
        raise RuntimeError("the server did not start")
    yield Server(base, database_url)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
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
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Repeat password").fill("correct horse battery")
    page.locator("main").get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/")
