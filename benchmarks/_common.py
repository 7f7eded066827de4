"""Shared helpers of the benchmarks: a fresh migrated database, a fast loader of demo-like
contacts, a logged-in test client, timing, and the machine's description."""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from benchmarks._people import account_rows
from config import TestConfig
from crm import create_app
from crm.accounts.services import create_user
from crm.bulk import refresh_statistics, vacuum_after_commit
from crm.contacts.services import derived_fields
from crm.db import upgrade, utcnow
from crm.models import Company, Contact, ContactEmail, Tag, TagKind, contact_tags
from crm.text import fold

PASSWORD = "benchmark password"


def fresh_app(url: str | None = None):
    """An app on a new, migrated SQLite database, or on the given server's database, its
    schema dropped and made anew first (never point it at data you keep)."""
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="stagedoor-bench-"))
        url = f"sqlite:///{folder / 'crm.sqlite3'}"
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return create_app(TestConfig(url, WTF_CSRF_ENABLED=False))


def make_account(app, email: str = "bench@example.com"):
    session = app.extensions["crm.db"]()
    user = create_user(session, email=email, password=PASSWORD, name="Bench")
    session.commit()
    return session, user


def load_contacts(session, account, count: int, seed: int = 1) -> None:
    """Insert `count` contacts shaped like a real account's (benchmarks/_people.py: a
    company per 2.5 people, roles guessed from titles, long-tailed labels, second addresses)
    in bulk: the benchmarks measure reading, not this. Sort and search columns as the app
    works them out; then what the app itself does after an import of this size."""
    rows = account_rows(count, seed)
    now = utcnow()
    names = sorted({r["company"] for r in rows if r["company"]})
    session.execute(insert(Company), [
        {"account_id": account.id, "name": name, "key": fold(name), "website": "",
         "city": "", "country": "", "notes": "", "created_at": now, "updated_at": now}
        for name in names
    ])  # fmt: skip
    companies = dict(
        session.execute(
            select(Company.name, Company.id).where(Company.account_id == account.id)
        ).all()
    )
    tags: dict[tuple[TagKind, str], int] = {}
    for kind, field in ((TagKind.GENRE, "genres"), (TagKind.TAG, "tags")):
        for name in sorted({g for r in rows for g in r[field]}):
            tag = Tag(account_id=account.id, kind=kind, name=name, key=fold(name))
            session.add(tag)
            session.flush()
            tags[(kind, name)] = tag.id
    rng = random.Random(seed)
    values = []
    for i, r in enumerate(rows):
        values.append(
            {
                "account_id": account.id,
                **{k: r[k] for k in ("first_name", "last_name", "email", "phone", "role",
                                     "role_inferred", "title", "city", "country", "notes",
                                     "do_not_contact")},
                "email_key": r["email"].lower(),
                "company_id": companies.get(r["company"]),
                "website": "", "instagram": "", "twitter": "", "tiktok": "", "linkedin": "",
                **derived_fields(r, r["company"]),
                "created_at": now,
                # Contacts touched over two years, not all in one instant.
                "updated_at": now - dt.timedelta(seconds=rng.randrange(2 * 365 * 86400)),
                "last_contacted_at": now if i % 3 == 0 else None,
            }
        )  # fmt: skip
    for start in range(0, len(values), 5000):
        session.execute(insert(Contact), values[start : start + 5000])
    ids = dict(
        session.execute(
            select(Contact.email_key, Contact.id).where(Contact.account_id == account.id)
        ).all()
    )
    links = [
        {"contact_id": ids[r["email"].lower()], "tag_id": tags[(kind, name)]}
        for r in rows
        for kind, field in ((TagKind.GENRE, "genres"), (TagKind.TAG, "tags"))
        for name in r[field]
    ]
    for start in range(0, len(links), 10000):
        session.execute(insert(contact_tags), links[start : start + 10000])
    others = [
        {"account_id": account.id, "contact_id": ids[r["email"].lower()], "position": n,
         "email": other, "email_key": other.lower()}
        for r in rows for n, other in enumerate(r["other_emails"])
    ]  # fmt: skip
    for start in range(0, len(others), 10000):
        session.execute(insert(ContactEmail), others[start : start + 10000])
    # What the app itself does after an import of this size (crm.bulk), no more.
    tables = ["companies", "contacts", "contact_tags", "contact_emails"]
    refresh_statistics(session.connection(), tables, count)
    vacuum_after_commit(session, tables, count)
    session.commit()


def logged_in_client(app, email: str = "bench@example.com"):
    client = app.test_client()
    response = client.post("/account/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def alternated(subject, floor, repeat: int, *more) -> tuple[list[float], ...]:
    """Seconds per call of each, called in turn (A B A B ..., or A B C A B C ... with more
    floors) after one warm-up call each, so that whatever else the machine does weighs on
    all alike."""
    funcs = (subject, floor, *more)
    for func in funcs:
        func()
    times: tuple[list[float], ...] = tuple([] for _ in funcs)
    for _ in range(repeat):
        for func, out in zip(funcs, times, strict=True):
            start = time.perf_counter()
            func()
            out.append(time.perf_counter() - start)
    return times


def timed(func, repeat: int) -> list[float]:
    """Seconds per call, after one warm-up call."""
    func()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


class Sink:
    """An aiosmtpd handler that counts what it is given, in a counter the benchmark reads."""

    def __init__(self, count):
        self.count = count

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def _accept_password(password: str):
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == password.encode(), handled=False)

    return authenticator


def smtp_server(port: int, count, ready, stop, password: str | None = None) -> None:
    """aiosmtpd in a process of its own, as a mail server is: not sharing the pass's GIL.
    With `password`, it asks for a login (AUTH) and accepts only that password."""
    from aiosmtpd.controller import Controller

    auth = (
        {"authenticator": _accept_password(password), "auth_required": True,
         "auth_require_tls": False}
        if password else {}
    )  # fmt: skip
    controller = Controller(Sink(count), hostname="127.0.0.1", port=port, **auth)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
