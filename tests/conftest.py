"""Fixtures for every test: a fresh database per test (SQLite always, PostgreSQL too when
TEST_DATABASE_URL is set), the app built from a TestConfig, clients, and factories."""

from __future__ import annotations

import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import create_engine, text

from config import TestConfig
from crm import create_app
from crm.accounts.services import create_user
from crm.contacts.fields import clean_contact
from crm.contacts.services import create_contact
from crm.db import Base, upgrade

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A local port nothing listens on, for a real server the test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(
    command: list[str],
    url: str,
    *,
    env: dict[str, str] | None = None,
    log: Path,
    seconds: float = 60,
) -> Iterator[subprocess.Popen]:
    """Start a server process, wait until `url` answers, and always stop it (and its
    children: gunicorn's workers) when the test is done.

    Any failure to answer counts as "not ready yet": gunicorn binds its port at once but
    its workers take a second or more to import the app, so a connection can be accepted
    and then time out. A server that exits, or is still not answering at the deadline,
    fails the test with its own log."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: stopped together
        )
    try:
        deadline = time.monotonic() + seconds
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command[0]} exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answered, if not with a 200
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    pytest.fail(f"{url} did not answer in {seconds:.0f} s:\n{log.read_text()}")
                time.sleep(0.1)
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def browser_login(base: str, email: str):
    """A `requests` session logged in to a real server at `base`, as a browser would be."""
    import requests

    browser = requests.Session()
    browser.post(
        base + "/account/login",
        data={"csrf_token": page_csrf(browser, base + "/account/login"), "email": email,
              "password": PASSWORD},
    )  # fmt: skip
    return browser


def page_csrf(browser, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    page = browser.get(url).text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


# --- databases ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A database migrated once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "crm.sqlite3"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    assert POSTGRES_URL
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "crm.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_migrated")
    _truncate_postgres(url)
    return url


# --- the app --------------------------------------------------------------------------


class Client(FlaskClient):
    """A browser-like test client: `submit` sends a form with its CSRF token, as a page would."""

    _csrf: str | None = None

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.get("/account/login").get_data(as_text=True)
            if "csrf_token" not in page:  # logged in: the login page redirects
                page = self.get("/account/settings").get_data(as_text=True)
            self._csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return self._csrf

    def submit(self, url: str, data: dict | None = None, **kwargs):
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)


@pytest.fixture(scope="session")
def compiled_templates(tmp_path_factory) -> FileSystemBytecodeCache:
    """Each test builds an app of its own, and each app compiled every page it showed
    again; Jinja's bytecode cache (keyed by the template's source) does it once a run."""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("jinja")))


@pytest.fixture(autouse=True)
def quick_password_hashes(request, monkeypatch):
    """scrypt spends 0.2 s a password by design, at every test's sign-up and log-in; the
    tests use a quick method, as Django's test settings do, except where marked."""
    if "real_password_hashes" not in request.keywords:
        monkeypatch.setattr("crm.models.accounts.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def app(database_url, compiled_templates):
    app = create_app(TestConfig(database_url))
    app.test_client_class = Client
    app.jinja_env.bytecode_cache = compiled_templates
    yield app
    app.extensions["crm.db"].kw["bind"].dispose()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app) -> Iterator:
    """A session of the test's own, outside any app context: pushing one here would make
    every request of the test share it (and its `g`), which real requests never do."""
    session = app.extensions["crm.db"]()
    yield session
    session.rollback()
    session.close()


# --- factories ------------------------------------------------------------------------


@pytest.fixture
def make_user(session):
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, **kwargs):
        kwargs.setdefault("password", PASSWORD)
        kwargs.setdefault("name", "Test Artist")
        user = create_user(session, email=email or f"user{next(counter)}@example.com", **kwargs)
        session.commit()
        return user

    return make


@pytest.fixture
def make_contact(session):
    def make(account, **raw):
        cleaned = clean_contact(raw)
        assert cleaned.ok, cleaned.errors
        contact = create_contact(session, account, cleaned.values)
        session.commit()
        return contact

    return make


@pytest.fixture
def user(make_user):
    return make_user("artist@example.com", artist_name="The Night Owls", timezone="Europe/London")


@pytest.fixture
def logged_in(app, user) -> Client:
    """A client logged in as `user`."""
    client = app.test_client()
    response = client.submit("/account/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    client._csrf = None  # the session changed at login; fetch a fresh token
    return client


def log_in(app, user) -> Client:
    client = app.test_client()
    client.submit("/account/login", {"email": user.email, "password": PASSWORD})
    client._csrf = None
    return client


@pytest.fixture
def api(app, user, session):
    """A test client that calls the API with `user`'s bearer token: api.get(path), ..."""
    from crm.accounts.tokens import create_token

    _token, plain = create_token(session, user, "tests")
    session.commit()
    return ApiClient(app.test_client(), plain)


class ApiClient:
    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def open(self, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def patch(self, path, **kw):
        return self.open("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


# --- real mail servers ----------------------------------------------------------------

MAILBOX_PASSWORD = "app-password-1"


class Outbox:
    """An aiosmtpd handler that keeps what it receives, and can refuse a recipient for
    good (550) or for now (451), as the artist's SMTP server would."""

    def __init__(self):
        self.messages: list = []
        self.refuse: dict[str, str] = {}  # address -> SMTP answer
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            message = message_from_bytes(envelope.content, policy=email.policy.default)
            message.recipients = list(envelope.rcpt_tos)
            self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """aiosmtpd on a free port that asks for a login and really refuses a wrong password."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.password == MAILBOX_PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    outbox = Outbox()
    port = free_port()
    controller = Controller(
        outbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
        auth_required=True, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    outbox.port = port
    yield outbox
    controller.stop()


DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVECOT_CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password is refused at once (the default waits 2 s), and the next login from
# loopback is not held back for it (anvil's per-IP penalty, off when its socket is).
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
mail_location = maildir:{root}/mail/%u
mail_uid = dovecot
mail_gid = dovecot
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
"""


class Dovecot:
    def __init__(self, root: Path, port: int):
        self.root, self.port, self.host = root, port, "127.0.0.1"
        self._count = 0

    def add_user(self) -> str:
        """A new mailbox of its own for a test: every user name logs in with
        MAILBOX_PASSWORD (a static passdb) and gets a maildir of its own on first login,
        so nothing is written and no file is re-read per test."""
        self._count += 1
        return f"artist{self._count}-{os.getpid()}@stagedoor.example"

    def client(self, user: str, password: str = MAILBOX_PASSWORD):
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(user, password)
        return client


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """A real Dovecot IMAP server (Debian's dovecot-imapd) on a free port, with its own
    throwaway config, stopped and removed afterwards; mail belongs to the dovecot user, as
    Dovecot refuses uid 0. Also used by benchmarks/mailbox_sync.py."""
    # Not under pytest's temporary folder: it is root's alone (0700), and Dovecot's
    # processes, running as the dovecot user, must reach the mail folders.
    root = Path(tempfile.mkdtemp(prefix="stagedoor-dovecot-"))
    root.chmod(0o755)
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir()
    port = free_port()
    config = DOVECOT_CONFIG.format(root=root, port=port, password=MAILBOX_PASSWORD)
    (root / "dovecot.conf").write_text(config)
    shutil.chown(root / "mail", "dovecot", "dovecot")
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = root / "dovecot.log"
                    raise RuntimeError(
                        f"Dovecot did not start: {log.read_text() if log.exists() else ''}"
                    ) from None
                time.sleep(0.1)
        yield Dovecot(root, port)
    finally:
        _stop(process)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """The tests' one Dovecot (see running_dovecot), each test with a user of its own."""
    if not Path(DOVECOT).exists():
        pytest.skip("no Dovecot here (apt-get install dovecot-imapd; .ci/run does)")
    try:
        with running_dovecot() as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(str(exc))
