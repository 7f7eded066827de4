"""The inbox pass: a real Dovecot mailbox (started here, as the tests start theirs) holding
`--messages` messages, of which `--related` answer some of `--pitches` stored pitches
(replies by their headers, out-of-office answers in German, Postfix bounces, in the mix the
tests use) and the rest are strangers' newsletters and personal mail. Measured: the first
`mailbox sync` of it, against the floor of imaplib fetching the same messages' headers and
text parts over one connection; alternated A B A B in one run. Then an incremental sync
with nothing new, and one with 100 new messages. `--database-url` runs it on PostgreSQL
(its schema is dropped first)."""

from __future__ import annotations

import argparse
import datetime as dt
import imaplib
import json
import random
import statistics
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, delete, insert, text, update  # noqa: E402

from benchmarks._common import fresh_app, machine, make_account, median_ms, p95_ms  # noqa: E402
from crm.db import utcnow  # noqa: E402
from crm.mailbox import secrets  # noqa: E402
from crm.mailbox.sync import sync  # noqa: E402
from crm.models import (  # noqa: E402
    Contact,
    ContactNote,
    EmailStatus,
    FollowUp,
    FollowUpState,
    Mailbox,
    Pitch,
    PitchMessage,
    PitchStatus,
)
from tests.conftest import MAILBOX_PASSWORD, running_dovecot  # noqa: E402

COLUMNS = [("case", "case"), ("value", "value")]
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mail"
FLOOR_PARTS = (
    "(BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES"
    " AUTO-SUBMITTED CONTENT-TYPE)] BODY.PEEK[TEXT])"
)


def contact_email(n: int) -> str:
    return f"c{n}@label{n % 97}.example"


def pitch_id(n: int) -> str:
    return f"<p{n}.bench@stagedoor.example>"


def load(session, account, user, pitches: int, imap_port: int, key: str, sent_at) -> None:
    """The contacts and their sent pitches, each with two open follow-ups, and the mailbox."""
    connection = session.connection()
    now = utcnow()
    connection.execute(insert(Contact.__table__), [
        {"id": n, "account_id": account.id, "first_name": f"Curator {n}", "last_name": "Öberg",
         "email": contact_email(n), "email_key": contact_email(n), "phone": "", "title": "",
         "city": "", "country": "", "website": "", "instagram": "", "twitter": "",
         "tiktok": "", "linkedin": "", "notes": "", "do_not_contact": False,
         "sort_name": f"curator {n}", "search_text": f"curator {n}", "email_status": "ok",
         "created_at": now, "updated_at": now}
        for n in range(1, pitches + 1)
    ])  # fmt: skip
    connection.execute(insert(Pitch.__table__), [
        {"id": n, "account_id": account.id, "contact_id": n, "subject": "Paper Lanterns",
         "body": "Hi,\n\nour new single.\n", "status": "sent", "channel": "email",
         "sent_at": sent_at, "notes": "", "message_id": pitch_id(n), "delivery_error": "",
         "send_attempts": 0, "created_at": now, "updated_at": now}
        for n in range(1, pitches + 1)
    ])  # fmt: skip
    connection.execute(insert(FollowUp.__table__), [
        {"account_id": account.id, "pitch_id": n, "sequence": step,
         "due_at": sent_at + dt.timedelta(days=7 * step), "state": "open", "state_reason": "",
         "kind": "reminder", "reminder_attempts": 0, "reminder_error": ""}
        for n in range(1, pitches + 1) for step in (1, 2)
    ])  # fmt: skip
    session.add(
        Mailbox(
            user_id=user.id, account_id=account.id, email=user.email, display_name="Robin",
            smtp_host="127.0.0.1", smtp_port=1, smtp_security="none", imap_host="127.0.0.1",
            imap_port=imap_port, imap_security="none", username=user.email,
            password_encrypted=secrets.encrypt(key, MAILBOX_PASSWORD),
        )
    )  # fmt: skip
    session.commit()


def related(kind: str, n: int, artist: str) -> bytes:
    """An answer to pitch n, from the tests' own samples of each kind."""
    name = {"reply": "gmail_reply.eml", "ooo": "outlook_ooo_de.eml",
            "bounce": "postfix_bounce.eml"}[kind]  # fmt: skip
    raw = (FIXTURES / name).read_text()
    raw = raw.replace("{ARTIST}", artist).replace("{PITCH_ID}", pitch_id(n))
    raw = raw.replace("ana@label.example", contact_email(n))
    raw = raw.replace("Message-ID: <", f"Message-ID: <bench{n}.{kind}.", 1)
    return raw.replace("\n", "\r\n").encode()


def unrelated(n: int, artist: str, rng: random.Random) -> bytes:
    message = EmailMessage()
    newsletter = rng.random() < 0.7
    message["From"] = (
        f"news{n % 300}@shop{n % 41}.example" if newsletter else f"friend{n}@home.example"
    )
    message["To"] = artist
    message["Subject"] = f"{'Weekly picks' if newsletter else 'Dinner on Friday?'} #{n}"
    message["Date"] = format_datetime(
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    )
    message["Message-ID"] = f"<u{n}@bench.example>"
    text = "Hello,\n\n" + "Lots of news, new records and tour dates this week. " * rng.randint(
        3, 30
    )
    message.set_content(text)
    if newsletter:
        message["List-Unsubscribe"] = f"<https://shop{n % 41}.example/u/{n}>"
        message.add_alternative(
            f"<html><body><p>{text}</p><a href='https://x.example'>Shop</a></body></html>",
            subtype="html",
        )
    return message.as_bytes()


def messages(count: int, answered: int, pitches: int, artist: str, seed: int) -> list[bytes]:
    """`answered` answers (70% replies, 15% out-of-office, 15% bounces) to distinct pitches,
    among strangers' mail, shuffled as an inbox is."""
    rng = random.Random(seed)
    targets = rng.sample(range(1, pitches + 1), answered)
    kinds = rng.choices(["reply", "ooo", "bounce"], weights=[70, 15, 15], k=answered)
    found = [related(kind, n, artist) for kind, n in zip(kinds, targets, strict=True)]
    found += [unrelated(seed * 1_000_000 + i, artist, rng) for i in range(count - answered)]
    rng.shuffle(found)
    return found


def fill(dovecot, user: str, raw: list[bytes]) -> None:
    client = dovecot.client(user)
    for start in range(0, len(raw), 500):
        client.multiappend("INBOX", raw[start : start + 500])
    client.logout()


def reset(session, sent_at) -> None:
    """Every pitch sent and unanswered again, the mailbox never read: the next round's first
    sync does the same work."""
    session.execute(delete(PitchMessage))
    session.execute(delete(ContactNote))
    session.execute(update(Pitch).values(status=PitchStatus.SENT, replied_at=None,
                                         delivery_error="", updated_at=sent_at))  # fmt: skip
    session.execute(update(FollowUp).values(state=FollowUpState.OPEN, state_reason="",
                                            completed_at=None))  # fmt: skip
    session.execute(update(Contact).values(email_status=EmailStatus.OK))
    session.execute(update(Mailbox).values(
        inbox_uidvalidity=None, inbox_last_uid=0, sent_uidvalidity=None, sent_last_uid=0,
        sync_claimed_until=None, next_sync_at=None, sync_failures=0, last_error=""))  # fmt: skip
    session.commit()


def floor(port: int, user: str) -> int:
    """The least work that reads the same: one imaplib connection fetching each message's
    headers and text part, 50 at a time."""
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(user, MAILBOX_PASSWORD)
    client.select("INBOX", readonly=True)
    _status, data = client.uid("SEARCH", "ALL")
    uids = data[0].split()
    fetched = 0
    for start in range(0, len(uids), 50):
        _status, parts = client.uid("FETCH", b",".join(uids[start : start + 50]), FLOOR_PARTS)
        fetched += sum(1 for part in parts if isinstance(part, tuple)) // 2
    client.logout()
    return fetched


def run(url, count: int, answered: int, pitches: int, rounds: int) -> tuple[str, list[dict]]:
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = fresh_app(url)
    session, user = make_account(app)
    sent_at = utcnow() - dt.timedelta(days=10)
    factory = app.extensions["crm.db"]
    with running_dovecot() as dovecot:
        artist = dovecot.add_user()
        user.email = artist
        session.commit()
        load(session, user.account, user, pitches, dovecot.port, app.config["MAILBOX_KEY"], sent_at)
        started = time.perf_counter()
        fill(dovecot, artist, messages(count, answered, pitches, artist, seed=1))
        filled = time.perf_counter() - started
        subject_s, floor_s = [], []
        for _ in range(rounds):  # A B A B: a drifting machine cannot flatter either side
            reset(session, sent_at)
            started = time.perf_counter()
            with app.app_context():
                result = sync(factory, app.config)
            subject_s.append(time.perf_counter() - started)
            assert not result.failed, result.failed
            assert result.read >= answered * 0.95, result  # soft bounces are not counted
            started = time.perf_counter()
            assert floor(dovecot.port, artist) == count
            floor_s.append(time.perf_counter() - started)
        idle = []
        for _ in range(30):
            started = time.perf_counter()
            with app.app_context():
                sync(factory, app.config)
            idle.append(time.perf_counter() - started)
        new = []
        for batch in range(3):
            fill(dovecot, artist, messages(100, 10, pitches, artist, seed=10 + batch))
            started = time.perf_counter()
            with app.app_context():
                sync(factory, app.config)
            new.append(time.perf_counter() - started)
    name = "PostgreSQL" if url else "SQLite"
    ratio = statistics.median(subject_s) / statistics.median(floor_s)
    return name, [
        {"case": f"{name}: first sync, {count:,} messages ({answered:,} answers to"
                 f" {pitches:,} pitches)",
         "value": f"{statistics.median(subject_s):.1f} s median of {rounds}"
                  f" ({count / statistics.median(subject_s):,.0f} messages/s),"
                  f" {ratio:.1f}x the floor"},
        {"case": f"{name}: floor, imaplib fetching headers and text, one connection",
         "value": f"{statistics.median(floor_s):.1f} s median of {rounds}"},
        {"case": f"{name}: incremental sync, nothing new",
         "value": f"{median_ms(idle):.0f} ms median, {p95_ms(idle):.0f} ms p95 of 30"},
        {"case": f"{name}: incremental sync, 100 new messages (10 answers)",
         "value": f"{statistics.median(new) * 1000:.0f} ms median of 3"},
        {"case": f"{name}: filling the mailbox (IMAP MULTIAPPEND, not the app)",
         "value": f"{filled:.1f} s"},
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=2_000)
    parser.add_argument("--pitches", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    name, results = run(args.database_url, args.messages, args.answers, args.pitches, args.rounds)
    report = {
        "title": f"Mailbox sync pass ({name}, Dovecot on loopback)",
        "columns": COLUMNS,
        "results": results,
        "notes": [
            "Targets: the first sync within 2x of the floor; an incremental sync with"
            " nothing new under 100 ms. The sync also reads the (empty) Sent folder. The"
            " floor fetches and parses nothing else: the sync parses each message, tells"
            " bounces, automatic replies and replies apart (flufl.bounce, mail-parser-reply,"
            " dateparser) and writes what it finds.",
        ],
    }
    print(json.dumps(report) if args.json else f"{machine()}\n{json.dumps(results, indent=1)}")


if __name__ == "__main__":
    main()
