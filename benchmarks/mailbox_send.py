"""The mailbox pass: 1,000 scheduled pitches across 100 accounts, each account with its own
mailbox on a local aiosmtpd server (its own process, with AUTH), sent by one
`mailbox send-due` pass with pacing off (min_gap_seconds 0), against the floor of raw
smtplib sending the same messages over one logged-in connection per account. Subject and
floor alternate A B A B in one run. Also: finding a pass's next due pitch among 1,000,000
stored pitches. `--database-url` runs it on PostgreSQL (its schema is dropped first)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import smtplib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text, update  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from benchmarks._common import fresh_app, machine, median_ms, smtp_server, timed  # noqa: E402
from crm.mailbox import compose, secrets  # noqa: E402
from crm.mailbox.sending import _due, send_due  # noqa: E402
from crm.models import Account, Contact, Mailbox, Pitch, PitchStatus, User  # noqa: E402

COLUMNS = [("case", "case"), ("value", "value")]
# A Tuesday at 10:00 UTC: inside every mailbox's window.
NOW = dt.datetime(2026, 3, 17, 10, 0, tzinfo=dt.UTC)
PASSWORD = "bench-app-password"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load(session, key: str, accounts: int, per_account: int, smtp_port: int, imap_port: int):
    connection = session.connection()
    password_hash = generate_password_hash("x")
    encrypted = secrets.encrypt(key, PASSWORD)
    connection.execute(insert(Account.__table__), [
        {"id": i, "artist_name": f"A{i}", "timezone": "UTC", "cadence_days": [7, 14],
         "reminders_enabled": True, "digest_enabled": False, "digest_hour": 8,
         "calendar_token": "", "created_at": NOW}
        for i in range(1, accounts + 1)
    ])  # fmt: skip
    connection.execute(insert(User.__table__), [
        {"id": i, "account_id": i, "email": f"artist{i}@bench.example", "name": f"A{i}",
         "password_hash": password_hash, "session_version": 1, "created_at": NOW}
        for i in range(1, accounts + 1)
    ])  # fmt: skip
    connection.execute(insert(Mailbox.__table__), [
        {"id": i, "user_id": i, "account_id": i, "email": f"artist{i}@bench.example",
         "display_name": f"Artist {i}", "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
         "smtp_security": "none", "imap_host": "127.0.0.1", "imap_port": imap_port,
         "imap_security": "none", "username": f"artist{i}@bench.example",
         "password_encrypted": encrypted, "daily_limit": 100_000,
         "send_window": {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"},
         "min_gap_seconds": 0, "paused_reason": "", "last_error": "",
         "created_at": NOW, "updated_at": NOW}
        for i in range(1, accounts + 1)
    ])  # fmt: skip
    contacts = [
        {"id": n, "account_id": (n - 1) // per_account + 1, "first_name": f"Curator {n}",
         "last_name": "Ångström", "email": f"c{n}@playlists.example",
         "email_key": f"c{n}@playlists.example", "phone": "", "title": "", "city": "",
         "country": "", "website": "", "instagram": "", "twitter": "", "tiktok": "",
         "linkedin": "", "notes": "", "do_not_contact": False, "sort_name": f"curator {n}",
         "search_text": f"curator {n}", "email_status": "ok", "created_at": NOW,
         "updated_at": NOW}
        for n in range(1, accounts * per_account + 1)
    ]  # fmt: skip
    connection.execute(insert(Contact.__table__), contacts)
    body = ("Hi {name},\n\nOur new single is out on Friday: https://example.com/stream/1\n\n"
            "Would it fit your playlist? Thanks for listening.\n\nRobin")  # fmt: skip
    connection.execute(insert(Pitch.__table__), [
        {"id": c["id"], "account_id": c["account_id"], "contact_id": c["id"],
         "subject": "Paper Lanterns: a new single for your playlist",
         "body": body.format(name=c["first_name"]), "status": "scheduled", "channel": "email",
         "send_at": NOW, "notes": "", "message_id": "", "delivery_error": "",
         "send_attempts": 0, "created_at": NOW, "updated_at": NOW}
        for c in contacts
    ])  # fmt: skip
    session.commit()


def reset(session, total: int) -> None:
    """The benchmark's pitches scheduled again, their threads and follow-ups gone: the next
    round sends the same ones (the stored old ones stay sent)."""
    session.execute(text("DELETE FROM follow_ups"))
    session.execute(text("DELETE FROM pitch_messages"))
    session.execute(
        update(Pitch)
        .where(Pitch.id <= total)
        .values(status=PitchStatus.SCHEDULED, send_at=NOW, sent_at=None, message_id="",
                send_claim=None, send_claimed_until=None)
    )  # fmt: skip
    session.execute(update(Mailbox).values(next_send_at=None, last_error=""))
    session.commit()


def floor(session, smtp_port: int) -> int:
    """The least work giving the same emails: read the rows, build each message as the pass
    does (the same headers, the plain text and its HTML alternative: `compose.build`), send
    them over one logged-in connection per account. No claim, no bookkeeping."""
    rows = session.execute(
        select(Pitch.account_id, Pitch.subject, Pitch.body, Contact.first_name,
               Contact.last_name, Contact.email, Mailbox)
        .join(Contact, Contact.id == Pitch.contact_id)
        .join(Mailbox, Mailbox.account_id == Pitch.account_id)
        .order_by(Pitch.account_id, Pitch.id)
    ).all()  # fmt: skip
    session.rollback()
    sent, current, client = 0, None, None
    for account_id, subject, body, first, last, to, mailbox in rows:
        if account_id != current:
            if client is not None:
                client.quit()
            client = smtplib.SMTP("127.0.0.1", smtp_port)
            client.login(mailbox.username, PASSWORD)
            current = account_id
        message = compose.build(
            mailbox, to_name=f"{first} {last}", to_email=to, subject=subject, body=body,
            msgid=compose.message_id(mailbox), now=NOW,
        )  # fmt: skip
        client.send_message(message)
        sent += 1
    if client is not None:
        client.quit()
    return sent


def run(url: str | None, accounts: int, per_account: int, stored: int, rounds: int):
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = fresh_app(url)
    session = app.extensions["crm.db"]()
    smtp_port, imap_port = free_port(), free_port()  # nothing listens on imap_port
    count, ready, stop = (multiprocessing.Value("i", 0), multiprocessing.Event(),
                          multiprocessing.Event())  # fmt: skip
    server = multiprocessing.Process(
        target=smtp_server, args=(smtp_port, count, ready, stop, PASSWORD)
    )
    server.start()
    ready.wait(30)
    load(session, app.config["MAILBOX_KEY"], accounts, per_account, smtp_port, imap_port)
    total = accounts * per_account
    subject_s, floor_s = [], []
    for _ in range(rounds):  # A B A B: a drifting machine cannot flatter either side
        reset(session, total)
        started = time.perf_counter()
        with app.app_context():
            result = send_due(app.extensions["crm.db"], app.config, NOW)
        subject_s.append(time.perf_counter() - started)
        assert result.sent == total, result
        started = time.perf_counter()
        assert floor(session, smtp_port) == total
        floor_s.append(time.perf_counter() - started)
    stop.set()
    server.join(30)
    # The due lookup among many stored pitches: the rest sent long ago.
    connection = session.connection()
    first = total + 1
    for start in range(first, stored + 1, 50_000):
        connection.execute(insert(Pitch.__table__), [
            {"id": n, "account_id": (n % accounts) + 1, "contact_id": (n % total) + 1,
             "subject": "old", "body": "", "status": "sent", "channel": "email",
             "sent_at": NOW - dt.timedelta(days=30), "send_at": NOW - dt.timedelta(days=30),
             "notes": "", "message_id": f"<{n}@bench>", "delivery_error": "",
             "send_attempts": 0, "created_at": NOW, "updated_at": NOW}
            for n in range(start, min(start + 50_000, stored + 1))
        ])  # fmt: skip
    session.commit()
    reset(session, total)
    if url:
        session.execute(text("ANALYZE"))
        session.commit()
    query = (
        select(Pitch.id)
        .where(Pitch.account_id == accounts // 2, _due(NOW))
        .order_by(Pitch.send_at, Pitch.id)
        .limit(1)
    )
    find = timed(lambda: session.execute(query).all(), 100)
    engine_name = "PostgreSQL" if url else "SQLite"
    ratio = statistics.median(subject_s) / statistics.median(floor_s)
    return engine_name, [
        {"case": f"{engine_name}: one pass, {total:,} pitches in {accounts} accounts",
         "value": f"{statistics.median(subject_s):.2f} s median of {rounds} "
                  f"({total / statistics.median(subject_s):,.0f} emails/s),"
                  f" {ratio:.1f}x the floor"},
        {"case": f"{engine_name}: floor, smtplib, one connection per account",
         "value": f"{statistics.median(floor_s):.2f} s median of {rounds}"},
        {"case": f"{engine_name}: find an account's next due pitch among {stored:,}",
         "value": f"{median_ms(find):.2f} ms median, 100 samples"},
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--per-account", type=int, default=10)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    engine_name, results = run(
        args.database_url, args.accounts, args.per_account, args.stored, args.rounds
    )
    report = {
        "title": f"Mailbox send pass ({engine_name}, aiosmtpd with AUTH on loopback)",
        "columns": COLUMNS,
        "results": results,
        "notes": [
            "Targets: within 2x of the floor; finding the due batch under 20 ms. Both sides"
            " send the same messages (compose.build: names, Date, Message-ID, the HTML"
            " alternative). The pass also tries the Sent-folder copy over IMAP; here the"
            " IMAP port is closed, so that costs one refused connection per account, which"
            " the floor does not pay.",
        ],
    }
    print(json.dumps(report) if args.json else f"{machine()}\n{results}")


if __name__ == "__main__":
    main()
