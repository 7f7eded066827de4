"""Server time of the contact list at 100,000 contacts in one account, per search and filter,
and the floor: the same SQL statements the page runs, replayed directly on the database."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from urllib.parse import parse_qsl  # noqa: E402

from sqlalchemy import event  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

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

CASES = {
    "first page (by name)": "",
    "search 'records'": "q=records",
    "search two words 'maya okafor'": "q=maya+okafor",
    "role = A&R": "role=ar",
    "tag = festival": "tag=festival",
    "genre = Techno": "genre=Techno",
    "country = Germany": "country=Germany",
    "never contacted": "never_contacted=1",
    "sort by company": "sort=company",
    "sort by last updated": "sort=updated",
    "page 500 (by name)": "page 500",
    "page 500 (by last updated)": "page 500&sort=updated",
}


def page_500(session, account, query: str) -> str:
    """The link the list's "Next" gives on page 499: found from the last row of page 499,
    as a user who paged that far would have it."""
    from crm.contacts.routes import filters_from
    from crm.contacts.services import contact_query, sort_keys
    from crm.pagination import cursor_for

    filters = filters_from(MultiDict(parse_qsl(query)))
    keys = sort_keys(filters)
    stmt = contact_query(account, filters).with_only_columns(*(k.expression for k in keys))
    last = session.execute(stmt.offset(499 * 50 - 1).limit(1)).one()
    return f"{query}&page=500&after={cursor_for(list(last))}"


def run(contacts: int, repeat: int, url: str | None = None) -> list[dict]:
    app = fresh_app(url)
    session, user = make_account(app)
    started = time.perf_counter()
    load_contacts(session, user.account, contacts)
    print(f"loaded {contacts:,} contacts in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    client = logged_in_client(app)
    engine = app.extensions["crm.db"].kw["bind"]
    results = []
    for label, query in CASES.items():
        if query.startswith("page 500"):
            query = page_500(session, user.account, query.removeprefix("page 500"))
        path = f"/contacts/?{query}"
        statements: list[tuple[str, object]] = []

        def record(conn, cursor, statement, parameters, context, executemany, into=statements):
            into.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        assert client.get(path).status_code == 200
        event.remove(engine, "before_cursor_execute", record)

        def replay(statements=statements):
            # The page's own queries (less the login's user lookup), straight to the driver.
            with engine.connect() as conn:
                raw = conn.connection.driver_connection
                cursor = raw.cursor()
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                cursor.close()

        page, floor = alternated(lambda path=path: client.get(path), replay, repeat)
        results.append(
            {
                "case": label,
                "median_ms": round(median_ms(page), 2),
                "p95_ms": round(p95_ms(page), 2),
                "sql_median_ms": round(median_ms(floor), 2),
                "ratio": f"{median_ms(page) / median_ms(floor):.1f}x",
                "queries": len(statements),
            }
        )
    return results


COLUMNS = [
    ("case", "case"),
    ("median_ms", "median ms"),
    ("p95_ms", "p95 ms"),
    ("sql_median_ms", "same SQL direct, median ms"),
    ("ratio", "ratio to floor"),
    ("queries", "queries"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.contacts, args.repeat, args.database_url)
    if args.json:
        report = {
            "title": (f"Contact list at {args.contacts:,} contacts ({args.repeat} runs each, A B)"),
            "columns": COLUMNS,
            "results": results,
            "notes": [
                "Target: p95 under 50 ms. Floor: the page's own SQL replayed on the driver; "
                "the rest is Flask, the ORM and the template for 50 rows (about 9 ms)."
            ],
        }
        print(json.dumps(report))
        return
    print(f"Contact list, {args.contacts:,} contacts, {args.repeat} runs each; {machine()}")
    print("| case | median ms | p95 ms | same SQL direct, median ms | ratio | queries |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['case']} | {r['median_ms']} | {r['p95_ms']} | {r['sql_median_ms']} | "
            f"{r['ratio']} | {r['queries']} |"
        )


if __name__ == "__main__":
    main()
