"""Server time of the contact list at 100,000 contacts in one account, per search and filter,
against two floors, all three called in turn (A B C A B C):
- the least work that gives the page's result: one keyset query for the 50 rows with the
  company's name and the labels the list shows, and one count bounded at 10,001, written
  by hand for each case on the driver (`least_work`);
- the page's own SQL statements (11 or 12: the filter menus and the undo offer too),
  replayed directly on the database, which says how much of the page is its SQL.
The least-work floor orders a search by name, not by the page's "the typed name first"."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from urllib.parse import parse_qsl  # noqa: E402

from sqlalchemy import event, select  # noqa: E402
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
from crm.models import Tag  # noqa: E402

CASES = {
    "first page (by name)": "",
    "search 'records'": "q=records",
    "search two words 'maya okafor'": "q=maya+okafor",
    "role = A&R": "role=ar",
    "tag = festival": "tag=festival",
    "tag = wedding (rare)": "tag=wedding",
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


LABELS = {
    "sqlite": "(SELECT group_concat(t.name, ', ') FROM contact_tags ct JOIN tags t ON t.id = "
    "ct.tag_id WHERE ct.contact_id = c.id)",
    "postgresql": "(SELECT string_agg(t.name, ', ') FROM contact_tags ct JOIN tags t ON t.id "
    "= ct.tag_id WHERE ct.contact_id = c.id)",
}
BY_NAME = "c.sort_name, c.id"
BY_UPDATED = "c.updated_at DESC, c.id DESC"
# The least work for a label (its id looked up once beforehand, which the page cannot
# do): a common one's rows found by walking the list in order and testing each contact, a
# rare one's from its own contacts; its count from contact_tags alone.
LABELLED = {
    "common": "EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag_id = ?)",
    "rare": "c.id IN (SELECT ct.contact_id FROM contact_tags ct WHERE ct.tag_id = ?)",
}
LABEL_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM contact_tags ct WHERE ct.tag_id = ? LIMIT 10001) "
    "AS counted"
)


def search(engine: str, words: list[str]) -> tuple[str, list]:
    """The search's condition: FTS5 on SQLite, the trigram index on PostgreSQL."""
    if engine == "sqlite":
        match = " ".join(f'"{word}"*' for word in words)
        return "c.id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?)", [match]
    return " AND ".join("c.search_text LIKE ?" for _ in words), [f"%{w}%" for w in words]


def least_work(engine: str, label: str, account_id: int, after: list, tag_id=None) -> tuple:
    """The hand-written rows query and bounded count of a case, and the parameters of each
    (the rows' after the account's id): `after` is the keyset of page 499's last row, for
    page 500; `tag_id`, the id of a label case's label."""
    where, params, order = "", [], BY_NAME
    if label.startswith("search"):
        where, params = search(engine, label.split("'")[1].split())
        where = " AND " + where
    elif label.startswith(("tag", "genre")):
        shape = "rare" if label.endswith("(rare)") else "common"
        where, params = " AND " + LABELLED[shape], [tag_id]
    elif label.startswith("role"):
        where, params = " AND c.role = ?", ["ar"]
    elif label.startswith("country"):
        where, params = " AND c.country = ?", ["Germany"]
    elif label == "never contacted":
        where = " AND c.last_contacted_at IS NULL"
    elif label == "sort by company":
        order = "c.company_key IS NULL, c.company_key, " + BY_NAME
    elif label == "sort by last updated":
        order = BY_UPDATED
    seek = ""
    if after:
        updated = "last updated" in label
        seek = (
            " AND (c.updated_at, c.id) < (?, ?)" if updated else " AND (c.sort_name, c.id) > (?, ?)"
        )
        order = BY_UPDATED if updated else BY_NAME
    rows = (
        "SELECT c.id, c.first_name, c.last_name, c.email, c.role, c.title, c.city, c.country, "
        f"c.email_status, c.do_not_contact, c.last_contacted_at, co.name, {LABELS[engine]} "
        "FROM contacts c LEFT JOIN companies co ON co.id = c.company_id "
        f"WHERE c.account_id = ?{where}{seek} ORDER BY {order} LIMIT 50"
    )
    count = (
        f"SELECT count(*) FROM (SELECT 1 FROM contacts c WHERE c.account_id = ?{where} "
        "LIMIT 10001) AS counted"
    )
    count_params = [account_id, *params]
    if label.startswith(("tag", "genre")):
        count, count_params = LABEL_COUNT, [tag_id]
    if engine != "sqlite":
        rows, count = rows.replace("?", "%s"), count.replace("?", "%s")
    return rows, count, params, count_params


def page_499_end(engine, account_id: int, label: str) -> list:
    """The raw sort values of page 499's last row, as the floor's keyset."""
    order = BY_UPDATED if "last updated" in label else BY_NAME
    column = "c.updated_at" if "last updated" in label else "c.sort_name"
    query = (
        f"SELECT {column}, c.id FROM contacts c WHERE c.account_id = {account_id} "
        f"ORDER BY {order} LIMIT 1 OFFSET {499 * 50 - 1}"
    )
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(query).one())


def run(contacts: int, repeat: int, url: str | None = None) -> list[dict]:
    app = fresh_app(url)
    session, user = make_account(app)
    started = time.perf_counter()
    load_contacts(session, user.account, contacts)
    print(f"loaded {contacts:,} contacts in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    client = logged_in_client(app)
    engine = app.extensions["crm.db"].kw["bind"]
    results = []
    account_id = user.account.id
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

        after = page_499_end(engine, account_id, label) if label.startswith("page 500") else []
        tag_id = None
        if label.startswith(("tag", "genre")):
            kind, name = label.removesuffix(" (rare)").split(" = ")
            with engine.connect() as conn:
                tag_id = conn.execute(
                    select(Tag.id).where(Tag.account_id == account_id, Tag.kind == kind,
                                         Tag.key == name.lower())
                ).scalar_one()  # fmt: skip
        rows_sql, count_sql, params, count_params = least_work(
            engine.dialect.name, label, account_id, after, tag_id
        )

        def floor(rows_sql=rows_sql, count_sql=count_sql, params=params, after=after,
                  count_params=count_params):  # fmt: skip
            with engine.connect() as conn:
                cursor = conn.connection.driver_connection.cursor()
                cursor.execute(rows_sql, [account_id, *params, *after])
                found = cursor.fetchall()
                cursor.execute(count_sql, count_params)
                counted = cursor.fetchone()[0]
                cursor.close()
            return found, counted

        found, counted = floor()
        shown = client.get(path).get_data(as_text=True)
        # The same result: as many matches, and (in list order) the same 50 people.
        assert f"{min(counted, 10_000):,}" in shown, (label, counted)
        if not label.startswith("search"):
            assert all(f"/contacts/{row[0]}" in shown for row in found), label
        page, least, same_sql = alternated(lambda path=path: client.get(path), floor, repeat,
                                           replay)  # fmt: skip
        results.append(
            {
                "case": label,
                "median_ms": round(median_ms(page), 2),
                "p95_ms": round(p95_ms(page), 2),
                "floor_median_ms": round(median_ms(least), 2),
                "ratio": f"{median_ms(page) / median_ms(least):.1f}x",
                "sql_median_ms": round(median_ms(same_sql), 2),
                "queries": len(statements),
            }
        )
    return results


COLUMNS = [
    ("case", "case"),
    ("median_ms", "median ms"),
    ("p95_ms", "p95 ms"),
    ("floor_median_ms", "least work, median ms"),
    ("ratio", "ratio to least work"),
    ("sql_median_ms", "page's own SQL, median ms"),
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
                "Targets: p95 under 50 ms, within 3x of the least work (one keyset query for "
                "the rows, one bounded count, by hand on the driver). The page's own SQL "
                "replayed says how much of the page is SQL."
            ],
        }
        print(json.dumps(report))
        return
    print(f"Contact list, {args.contacts:,} contacts, {args.repeat} runs each; {machine()}")
    print(
        "| case | median ms | p95 ms | least work, median ms | ratio | page's SQL, ms | queries |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['case']} | {r['median_ms']} | {r['p95_ms']} | {r['floor_median_ms']} | "
            f"{r['ratio']} | {r['sql_median_ms']} | {r['queries']} |"
        )


if __name__ == "__main__":
    main()
