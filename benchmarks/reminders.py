"""One reminder pass over 10,000 accounts with 100,000 due follow-ups to a local aiosmtpd
server in its own process (emails per second, seconds per pass), and the time to find due
follow-ups among 1,000,000 stored ones (SQLite)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from benchmarks._common import fresh_app, machine, median_ms, smtp_server, timed  # noqa: E402
from crm.models import Account, Contact, FollowUp, Pitch, User  # noqa: E402
from crm.reminders.passes import due_batch, send_due  # noqa: E402

COLUMNS = [("case", "case"), ("value", "value")]
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def load(session, accounts: int, due: int, stored: int) -> None:
    password = generate_password_hash("benchmark password")
    connection = session.connection()
    connection.execute(
        insert(Account.__table__),
        [
            {
                "id": i,
                "artist_name": f"Artist {i}",
                "timezone": "UTC",
                "cadence_days": [7, 14],
                "reminders_enabled": True,
                "digest_enabled": False,
                "digest_hour": 8,
                "calendar_token": "",
                "created_at": NOW,
            }
            for i in range(1, accounts + 1)
        ],
    )
    connection.execute(
        insert(User.__table__),
        [
            {
                "id": i,
                "account_id": i,
                "email": f"artist{i}@bench.example",
                "name": f"A{i}",
                "password_hash": password,
                "session_version": 1,
                "created_at": NOW,
            }
            for i in range(1, accounts + 1)
        ],
    )
    per_account = stored // accounts
    contacts, pitches, follow_ups = [], [], []
    for n in range(stored):
        account = n // per_account + 1
        if n < accounts * 10:  # ten contacts and pitches per account
            contacts.append(
                {
                    "id": n + 1,
                    "account_id": (n // 10) + 1,
                    "first_name": f"C{n}",
                    "last_name": "",
                    "phone": "",
                    "title": "",
                    "city": "",
                    "country": "",
                    "website": "",
                    "instagram": "",
                    "twitter": "",
                    "tiktok": "",
                    "linkedin": "",
                    "notes": "",
                    "do_not_contact": False,
                    "sort_name": f"c{n}",
                    "search_text": f"c{n}",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            pitches.append(
                {
                    "id": n + 1,
                    "account_id": (n // 10) + 1,
                    "contact_id": n + 1,
                    "subject": "Hi",
                    "body": "x",
                    "status": "sent",
                    "channel": "email",
                    "sent_at": NOW,
                    "notes": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        is_due = n % (stored // due) == 0
        # Of the rest: a third done, a third due in a month, and a third reminded last week
        # but still open (users leave follow-ups undone): the pass must not wade through them.
        reminded = not is_due and n % 3 == 1
        pitch = (n % (accounts * 10)) + 1
        if is_due:
            due_at = NOW - dt.timedelta(hours=1)
        elif reminded:
            due_at = NOW - dt.timedelta(days=7)
        else:
            due_at = NOW + dt.timedelta(days=30)
        follow_ups.append(
            {
                "account_id": (pitch - 1) // 10 + 1,
                "pitch_id": pitch,
                "sequence": 1,
                "due_at": due_at,
                "reminded_at": due_at if reminded else None,
                "state": "open" if is_due or n % 3 else "done",
                "state_reason": "",
                "reminder_attempts": 0,
                "reminder_error": "",
                "created_at": NOW,
            }
        )
        del account
    for table, rows in (
        (Contact.__table__, contacts),
        (Pitch.__table__, pitches),
        (FollowUp.__table__, follow_ups),
    ):
        for start in range(0, len(rows), 20000):
            connection.execute(insert(table), rows[start : start + 20000])
    session.commit()
    session.connection().exec_driver_sql("ANALYZE")
    session.commit()


def run(accounts: int, due: int, stored: int) -> list[dict]:
    app = fresh_app()
    session = app.extensions["crm.db"]()
    load(session, accounts, due, stored)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    count, ready, stop = (
        multiprocessing.Value("i", 0),
        multiprocessing.Event(),
        multiprocessing.Event(),
    )
    server = multiprocessing.Process(target=smtp_server, args=(port, count, ready, stop))
    server.start()
    ready.wait(30)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    query = due_batch(NOW)
    find = timed(lambda: session.execute(query).all(), 20)
    batch = len(session.execute(query).all())
    plan = (
        session.connection()
        .exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(query.compile(compile_kwargs={"literal_binds": True}))
        )
        .fetchall()
    )
    session.rollback()
    started = time.perf_counter()
    with app.app_context():
        result = send_due(app.extensions["crm.db"], app.config, NOW)
    seconds = time.perf_counter() - started
    stop.set()
    server.join(30)
    emails = count.value
    assert result.reminded == due, (result.reminded, due)
    uses_index = any("ix_follow_ups_state_reminded_at_due_at" in str(row[-1]) for row in plan)
    return [
        {
            "case": f"one pass: {due:,} due follow-ups in {accounts:,} accounts",
            "value": f"{seconds:.1f} s, {emails:,} emails ({emails / seconds:,.0f}/s)",
        },
        {
            "case": f"find a pass's first batch ({batch:,} due follow-ups) among {stored:,}",
            "value": f"{median_ms(find):.1f} ms median{' (index)' if uses_index else ''}",
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.accounts, args.due, args.stored)
    report = {
        "title": "Reminder pass (SQLite, aiosmtpd on loopback)",
        "columns": COLUMNS,
        "results": results,
        "notes": ["Target: finding due follow-ups under 100 ms."],
    }
    print(json.dumps(report) if args.json else f"{machine()}\n{results}")


if __name__ == "__main__":
    main()
