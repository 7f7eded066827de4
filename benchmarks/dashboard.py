"""Server time of the dashboard and the board for an account with 100,000 contacts, 50,000
pitches and 100,000 follow-ups, on SQLite or PostgreSQL (`--database-url`; its schema is
dropped first), against the floor of the same SQL statements replayed on the driver, the
two called in turn (A B A B) so that the machine's other work weighs on both alike."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from benchmarks._common import (  # noqa: E402
    alternated,
    fresh_app,
    load_contacts,
    logged_in_client,
    machine,
    make_account,
    median_ms,
    p95_ms,
)
from crm.models import Contact, FollowUp, Pitch, Release  # noqa: E402

COLUMNS = [
    ("case", "case"),
    ("median_ms", "median ms"),
    ("p95_ms", "p95 ms"),
    ("sql_median_ms", "same SQL direct, median ms"),
    ("ratio", "ratio to floor"),
]
STATUSES = ["sent"] * 6 + ["replied", "interested", "won", "declined", "no_response", "draft"]


def load_pitches(session, account, pitches: int) -> None:
    rng = random.Random(3)
    releases = []
    for title in ("Night Drive", "Saltwater EP", "Autumn Tour", "Glass Houses"):
        release = Release(account_id=account.id, title=title, artist_name="Bench")
        session.add(release)
        session.flush()
        releases.append(release.id)
    contact_roles = session.execute(
        select(Contact.id, Contact.role).where(Contact.account_id == account.id)
    ).all()
    now = dt.datetime.now(dt.UTC)
    rows, follow_ups = [], []
    for i in range(pitches):
        status = rng.choice(STATUSES)
        sent = now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23))
        contact_id, role = rng.choice(contact_roles)
        rows.append(
            {
                "id": i + 1,
                "account_id": account.id,
                "contact_id": contact_id,
                "contact_role": role,
                "release_id": rng.choice(releases),
                "template_id": None,
                "subject": "Hi",
                "body": "Listen",
                "status": status,
                "channel": "email",
                "sent_at": None if status == "draft" else sent,
                "notes": "",
                "created_at": sent,
                "updated_at": sent,
            }
        )
        if status != "draft":
            for seq, days in ((1, 7), (2, 14)):
                follow_ups.append(
                    {
                        "account_id": account.id,
                        "pitch_id": i + 1,
                        "sequence": seq,
                        "due_at": sent + dt.timedelta(days=days),
                        "state": "open" if status == "sent" else "cancelled",
                        "state_reason": "",
                        "reminder_attempts": 0,
                        "reminder_error": "",
                        "created_at": sent,
                    }
                )
    connection = session.connection()
    for start in range(0, len(rows), 5000):
        connection.execute(insert(Pitch.__table__), rows[start : start + 5000])
    for start in range(0, len(follow_ups), 10000):
        connection.execute(insert(FollowUp.__table__), follow_ups[start : start + 10000])
    session.commit()
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        # What autovacuum does on a server within a minute of a bulk insert: statistics,
        # and the visibility map that lets a count read the index alone.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        session.connection().exec_driver_sql("ANALYZE")
        session.commit()


def run(contacts: int, pitches: int, repeat: int, url: str | None = None) -> list[dict]:
    app = fresh_app(url)
    session, user = make_account(app)
    load_contacts(session, user.account, contacts)
    load_pitches(session, user.account, pitches)
    client = logged_in_client(app)
    engine = app.extensions["crm.db"].kw["bind"]
    # What crm/wsgi.py does in a server process once the app is built: the collector then
    # scans only what requests make (here, also the set-up data that a server never holds).
    gc.collect()
    gc.freeze()
    results = []
    for label, path in (
        ("dashboard", "/"),
        ("board (all releases)", "/pitches/board"),
        ("pitch list, due this week", "/pitches/?due=week"),
    ):
        statements: list = []

        def record(conn, cursor, statement, parameters, context, many, into=statements):
            into.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        assert client.get(path).status_code == 200
        event.remove(engine, "before_cursor_execute", record)

        def replay(statements=statements):
            with engine.connect() as conn:
                cursor = conn.connection.driver_connection.cursor()
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                cursor.close()

        page, floor = alternated(lambda path=path: client.get(path), replay, repeat)
        results.append(
            {
                "case": label,
                "median_ms": round(median_ms(page), 1),
                "p95_ms": round(p95_ms(page), 1),
                "sql_median_ms": round(median_ms(floor), 1),
                "ratio": f"{median_ms(page) / median_ms(floor):.1f}x",
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pitches", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args.contacts, args.pitches, args.repeat, args.database_url)
    report = {
        "title": (
            f"Dashboard and board: {args.contacts:,} contacts, {args.pitches:,} pitches, "
            f"about {args.pitches * 2 * 11 // 12:,} follow-ups ({args.repeat} runs each, A B)"
        ),
        "columns": COLUMNS,
        "results": results,
        "notes": [
            "Target: p95 under 100 ms. The board shows the 300 most recently updated pitches."
        ],
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(machine(), f"{time.perf_counter() - started:.0f}s")
        for r in results:
            print(r)


if __name__ == "__main__":
    main()
