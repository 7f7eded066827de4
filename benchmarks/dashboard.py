"""Server time of the dashboard and the board for an account with 100,000 contacts, 50,000
pitches and 100,000 follow-ups, on SQLite or PostgreSQL (`--database-url`; its schema is
dropped first), against two floors, all three called in turn (A B C A B C) so that the
machine's other work weighs on all alike:
- the least work that gives the page's result (`least_work`): hand-written SQL on the
  driver reading only what the page shows, checked to find what the page shows;
- the page's own SQL statements replayed on the driver, which says how much of the page
  is its SQL.
The pitches are shaped like those of an account that sends from its mailbox (see
`load_pitches`): templates, threads with replies, email follow-ups, a few scheduled."""

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
from crm.models import (  # noqa: E402
    CLOSING_STATUSES,
    REPLY_STATUSES,
    Contact,
    EmailTemplate,
    FollowUp,
    Pitch,
    PitchMessage,
    Release,
)
from crm.pagination import COUNT_LIMIT  # noqa: E402
from crm.pitches.dashboard import AGENDA_COUNTED, AGENDA_SHOWN  # noqa: E402
from crm.pitches.services import BOARD_LIMIT, local_day_bounds  # noqa: E402
from crm.reminders.passes import FAILURES_REPORTED  # noqa: E402

COLUMNS = [
    ("case", "case"),
    ("median_ms", "median ms"),
    ("p95_ms", "p95 ms"),
    ("floor_median_ms", "least work, median ms"),
    ("ratio", "ratio to least work"),
    ("sql_median_ms", "page's own SQL, median ms"),
    ("queries", "queries"),
]
STATUSES = ["sent"] * 6 + ["replied", "interested", "won", "declined", "no_response", "draft"]


def load_pitches(session, account, pitches: int) -> None:
    """Pitches as an account that sends from its mailbox has them: most sent with one of
    its templates, each with its message in the thread and a reply in it for those that
    were answered, two follow-ups each (the second an email in the thread for a third of
    them), and a few scheduled to go out. Spread over the last 60 days."""
    rng = random.Random(3)
    releases = []
    for title in ("Night Drive", "Saltwater EP", "Autumn Tour", "Glass Houses"):
        release = Release(account_id=account.id, title=title, artist_name="Bench")
        session.add(release)
        session.flush()
        releases.append(release.id)
    templates = session.scalars(
        select(EmailTemplate.id).where(EmailTemplate.account_id == account.id)
    ).all()
    contact_roles = session.execute(
        select(Contact.id, Contact.role, Contact.email).where(Contact.account_id == account.id)
    ).all()
    now = dt.datetime.now(dt.UTC)
    rows, follow_ups, messages = [], [], []
    for i in range(pitches):
        status = "scheduled" if i % 100 == 0 else rng.choice(STATUSES)
        sent = now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23))
        contact_id, role, email = rng.choice(contact_roles)
        template = rng.choice(templates) if templates and rng.random() < 0.7 else None
        message_id = (
            f"<p{i + 1}.bench@stagedoor.example>" if status not in ("draft", "scheduled") else ""
        )
        rows.append(
            {
                "id": i + 1,
                "account_id": account.id,
                "contact_id": contact_id,
                "contact_role": role,
                "release_id": rng.choice(releases),
                "template_id": template,
                "subject": "Night Drive: a new single for your playlist",
                "body": "Hi,\n\nOur new single is out on Friday. Would it fit? Thanks.\n",
                "status": status,
                "channel": "email",
                "sent_at": None if status in ("draft", "scheduled") else sent,
                "send_at": now + dt.timedelta(hours=rng.randint(1, 240))
                if status == "scheduled"
                else None,
                "message_id": message_id,
                "notes": "",
                "created_at": sent,
                "updated_at": sent,
            }
        )
        if not message_id:
            continue
        messages.append(
            {"account_id": account.id, "pitch_id": i + 1, "direction": "out", "kind": "pitch",
             "sender": "artist@bench.example", "recipient": email or "", "at": sent,
             "subject": "Night Drive: a new single for your playlist", "message_id": message_id,
             "text": "Hi,\n\nOur new single is out on Friday. Would it fit? Thanks.\n",
             "created_at": sent}
        )  # fmt: skip
        if status in ("replied", "interested", "won", "declined"):
            answered = sent + dt.timedelta(days=rng.randint(0, 5), hours=rng.randint(1, 12))
            messages.append(
                {"account_id": account.id, "pitch_id": i + 1, "direction": "in",
                 "kind": "reply", "sender": email or "", "recipient": "artist@bench.example",
                 "subject": "Re: Night Drive: a new single for your playlist", "at": answered,
                 "message_id": f"<r{i + 1}.bench@mail.example>", "created_at": answered,
                 "text": "Thanks for sending this over, I like it. Let me listen properly."}
            )  # fmt: skip
        emailed = status == "sent" and templates and rng.random() < 0.33
        for seq, days in ((1, 7), (2, 14)):
            follow_ups.append(
                {
                    "account_id": account.id,
                    "pitch_id": i + 1,
                    "sequence": seq,
                    "due_at": sent + dt.timedelta(days=days),
                    "state": "open" if status == "sent" else "cancelled",
                    "state_reason": "" if status == "sent" else f"{status} on {sent:%d %b %Y}",
                    "kind": "email" if emailed and seq == 2 else "reminder",
                    "template_id": rng.choice(templates) if emailed and seq == 2 else None,
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
    for start in range(0, len(messages), 10000):
        connection.execute(insert(PitchMessage.__table__), messages[start : start + 10000])
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


# --- the least work giving each page's result -------------------------------------------
# Hand-written SQL on the driver, each statement reading only the columns the page shows:
# what a page has to ask the database at the least, whatever it is built with. The
# filter menus and the login's own look-ups are left out, as for the contact list.

REPLIED = ", ".join(f"'{s.value}'" for s in sorted(REPLY_STATUSES))
NAMED = "c.id, c.first_name, c.last_name, c.email, r.title"
WITH_NAMES = "JOIN contacts c ON c.id = p.contact_id LEFT JOIN releases r ON r.id = p.release_id"


def _agenda_part(name: str, window: str) -> str:
    return (
        f"SELECT * FROM (SELECT '{name}', f.id, f.sequence, f.due_at, {NAMED} FROM follow_ups f"
        f" JOIN pitches p ON p.id = f.pitch_id {WITH_NAMES} WHERE f.account_id = ?"
        f" AND f.state = 'open' AND {window} ORDER BY f.due_at, f.id LIMIT {AGENDA_SHOWN}) a"
    )


def _bounded(window: str, limit: int) -> str:
    return (
        "(SELECT count(*) FROM (SELECT 1 FROM follow_ups f WHERE f.account_id = ?"
        f" AND f.state = 'open' AND {window} LIMIT {limit}) n)"
    )


WINDOWS = {  # a window's condition and how many of its parameters (the bounds) it takes
    "overdue": ("f.due_at < ?", 1),
    "today": ("f.due_at >= ? AND f.due_at < ?", 2),
    "week": ("f.due_at >= ? AND f.due_at < ?", 2),
}


def dashboard_floor(account_id: int, bounds: dict[str, list], horizon) -> list[tuple]:
    """The dashboard's result: pitches counted by release, role and status (its three
    tables and the funnel are sums of these), replies by template with the templates'
    names, the agenda's three bounded counts and first rows, what goes out in the next
    seven days, the new replies, a failing reminder, the mailbox and the first steps."""
    agenda_params = [p for name in WINDOWS for p in (account_id, *bounds[name])]
    return [
        ("SELECT release_id, contact_role, status, count(*) FROM pitches WHERE account_id = ?"
         " GROUP BY release_id, contact_role, status", [account_id]),
        (f"SELECT template_id, count(*), sum(CASE WHEN status IN ({REPLIED}) THEN 1 ELSE 0"
         " END) FROM pitches WHERE account_id = ? AND template_id IS NOT NULL"
         " AND status != 'draft' GROUP BY template_id", [account_id]),
        ("SELECT id, name FROM email_templates WHERE account_id = ?", [account_id]),
        ("SELECT id, title FROM releases WHERE account_id = ?", [account_id]),
        ("SELECT " + ", ".join(_bounded(w, AGENDA_COUNTED + 1) for w, _n in WINDOWS.values()),
         agenda_params),
        (" UNION ALL ".join(_agenda_part(name, w) for name, (w, _n) in WINDOWS.items()),
         agenda_params),
        ("SELECT p.id, p.send_at, p.subject, c.id, c.first_name, c.last_name, c.email"
         " FROM pitches p JOIN contacts c ON c.id = p.contact_id WHERE p.account_id = ?"
         " AND p.status = 'scheduled' AND p.send_at < ? ORDER BY p.send_at, p.id LIMIT 10",
         [account_id, horizon]),
        ("SELECT f.id, f.due_at, p.id, p.subject, c.id, c.first_name, c.last_name, c.email"
         " FROM follow_ups f JOIN pitches p ON p.id = f.pitch_id JOIN contacts c"
         " ON c.id = p.contact_id WHERE f.account_id = ? AND f.kind = 'email'"
         " AND f.state = 'open' AND f.due_at < ? ORDER BY f.due_at, f.id LIMIT 10",
         [account_id, horizon]),
        ("SELECT m.id, m.kind, m.sender, m.subject, m.at, m.text, p.id, p.status, c.id,"
         " c.first_name, c.last_name, c.email FROM pitch_messages m JOIN pitches p"
         " ON p.id = m.pitch_id JOIN contacts c ON c.id = p.contact_id"
         " WHERE m.account_id = ? AND m.direction = 'in' ORDER BY m.at DESC, m.id DESC"
         " LIMIT 8", [account_id]),
        ("SELECT reminder_error FROM follow_ups WHERE account_id = ? AND reminded_at IS NULL"
         f" AND state = 'open' AND reminder_attempts >= {FAILURES_REPORTED} LIMIT 1",
         [account_id]),
        ("SELECT id, email, paused_reason, last_error FROM mailboxes WHERE account_id = ?"
         " AND password_encrypted != '' ORDER BY id LIMIT 1", [account_id]),
        ("SELECT EXISTS (SELECT 1 FROM contacts WHERE account_id = ?), EXISTS (SELECT 1 FROM"
         " releases WHERE account_id = ?), EXISTS (SELECT 1 FROM mailboxes WHERE account_id"
         " = ? AND password_encrypted != ''), EXISTS (SELECT 1 FROM pitches WHERE account_id"
         " = ? AND sent_at IS NOT NULL)", [account_id] * 4),
    ]  # fmt: skip


def board_rows(account_id: int) -> tuple:
    return (
        f"SELECT p.id, p.status, p.sent_at, p.updated_at, {NAMED} FROM pitches p {WITH_NAMES}"
        f" WHERE p.account_id = ? ORDER BY p.updated_at DESC LIMIT {BOARD_LIMIT}",
        [account_id],
    )


def board_stopped(engine: str, account_id: int, closed: list[int]) -> tuple:
    """Why the closed cards' follow-ups stopped: one array parameter on PostgreSQL."""
    among = "= ANY(?)" if engine == "postgresql" else f"IN ({', '.join('?' * len(closed))})"
    params = [account_id, closed] if engine == "postgresql" else [account_id, *closed]
    return (
        "SELECT pitch_id, min(state_reason) FROM follow_ups WHERE account_id = ?"
        f" AND state = 'cancelled' AND pitch_id {among} GROUP BY pitch_id",
        params,
    )


def due_week(account_id: int, start, end) -> list[tuple]:
    """The pitch list's first page for "due in the next 7 days": the pitches with an open
    follow-up in the window, newest first, and how many they are (bounded)."""
    window = "f.state = 'open' AND f.due_at >= ? AND f.due_at < ?"
    return [
        (f"SELECT p.id, p.subject, p.status, p.sent_at, {NAMED} FROM pitches p {WITH_NAMES}"
         " WHERE p.account_id = ? AND EXISTS (SELECT 1 FROM follow_ups f WHERE f.pitch_id ="
         f" p.id AND {window}) ORDER BY p.updated_at DESC, p.id DESC LIMIT 50",
         [account_id, start, end]),
        ("SELECT count(*) FROM (SELECT DISTINCT f.pitch_id FROM follow_ups f WHERE"
         f" f.account_id = ? AND {window} LIMIT {COUNT_LIMIT + 1}) n",
         [account_id, start, end]),
    ]  # fmt: skip


def on_driver(engine, statements, then=None) -> list[list]:
    """Run (sql, parameters) pairs written with ? on the engine's driver, every row read,
    on one connection; `then`, given the rows found, gives the statement that follows."""
    postgres = engine.dialect.name == "postgresql"
    found = []
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for statement in [*statements, None] if then else statements:
            # The last one may need the others' rows.
            sql, params = statement if statement is not None else then(found)
            cursor.execute(sql.replace("?", "%s") if postgres else sql, params)
            found.append(cursor.fetchall())
        cursor.close()
    return found


def stored(engine, column, value):
    """A value as the column stores it (SQLite keeps times as text), for the driver."""
    processor = column.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    return processor(value) if processor else value


def least_work(engine, account) -> dict:
    """Each page's least-work floor, as a function running it on the driver."""
    due = FollowUp.__table__.c.due_at
    now = dt.datetime.now(dt.UTC)
    start, end = local_day_bounds(account, now)
    bounds = {
        "overdue": [stored(engine, due, start)],
        "today": [stored(engine, due, start), stored(engine, due, end)],
        "week": [stored(engine, due, end), stored(engine, due, end + dt.timedelta(days=7))],
    }
    horizon = stored(engine, due, now + dt.timedelta(days=7))

    closing = {status.value for status in CLOSING_STATUSES}

    def stopped(found):
        closed = [row[0] for row in found[0] if row[1] in closing]
        return board_stopped(engine.dialect.name, account.id, closed)

    def board():
        return on_driver(engine, [board_rows(account.id)], then=stopped)

    return {
        "dashboard": lambda: on_driver(engine, dashboard_floor(account.id, bounds, horizon)),
        "board (all releases)": board,
        "pitch list, due this week": lambda: on_driver(
            engine, due_week(account.id, *bounds["week"])
        ),
    }


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
    floors = least_work(engine, user.account)
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

        floor = floors[label]
        shown = client.get(path).get_data(as_text=True)
        _same_result(label, floor(), shown)
        page, least, same_sql = alternated(
            lambda path=path: client.get(path), floor, repeat, replay
        )
        results.append(
            {
                "case": label,
                "median_ms": round(median_ms(page), 1),
                "p95_ms": round(p95_ms(page), 1),
                "floor_median_ms": round(median_ms(least), 1),
                "ratio": f"{median_ms(page) / median_ms(least):.1f}x",
                "sql_median_ms": round(median_ms(same_sql), 1),
                "queries": len(statements),
            }
        )
    return results


def _same_result(label: str, found, page: str) -> None:
    """The floor finds what the page shows: the board's cards, the pitch list's first page
    and its count, the dashboard's first follow-ups due and its newest replies."""
    if label.startswith("board"):
        rows, _stopped = found
        assert rows and all(f'data-pitch-id="{row[0]}"' in page for row in rows), label
    elif label.startswith("pitch list"):
        rows, ((count,),) = found
        assert rows and all(f"/pitches/{row[0]}" in page for row in rows), label
        assert f"{min(count, COUNT_LIMIT):,}" in page, (label, count)
    else:
        agenda, replies = found[5], found[8]
        assert agenda and replies, "the dashboard has follow-ups due and replies to show"
        assert all(f"/pitches/{row[6]}" in page for row in replies), label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pitches", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=100)
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
            "Targets: p95 under 50 ms and within 3x of the least work. The board shows the"
            " 300 most recently updated pitches."
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
