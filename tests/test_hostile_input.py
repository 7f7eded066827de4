"""Hostile input: whatever lands in the database (typed in a form, imported from a file,
sent by a script) is shown back as text on every page and in every email, never run as
markup; and whatever a visitor puts in a URL or a form is echoed back escaped too.

The walk covers every page of the URL map and every text column of every table, so a new
page or field is checked the day it is added."""

import datetime as dt
import io
import sqlite3
import threading
from html.parser import HTMLParser

import pytest
from sqlalchemy import Enum, String, Text, event, func, select

from crm.db import Base
from crm.models import Contact, FollowUp, PitchStatus, User
from crm.pitches import services as pitch_services
from crm.reminders.passes import compose
from tests.conftest import log_in
from tests.objects import one_of_everything, page_urls

PAYLOAD = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>"
# What would run if it reached a page unescaped, in text or in an attribute.
LIVE = ("<script>alert(1)", "<img src=x onerror", "'><script", "\"'><")
# Columns that are not text a user types (secrets, lookup keys, codes with a fixed format).
NOT_TEXT = {
    "password_hash",
    "token_hash",
    "key",
    "email_key",
    "company_key",
    "search_text",
    "timezone",
}
QUERY_ARGUMENTS = ("q", "sort", "status", "role", "tag", "genre", "release", "template", "due")


def assert_escaped(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.mimetype != "text/html":
        return
    body = response.get_data(as_text=True)
    for live in LIVE:
        assert live not in body, f"{where} shows {live!r} unescaped"


def fill_every_text_column(session) -> int:
    """Put the payload in every text column of every row, as data that came in by any path
    (an older version, a direct API call, an import) could be. Returns how many were set."""
    filled = 0
    for mapper in Base.registry.mappers:
        columns = [
            column
            for column in mapper.columns
            if isinstance(column.type, String | Text)
            and not isinstance(column.type, Enum)
            and column.name not in NOT_TEXT
            and not column.name.endswith(("_token", "_path"))
            and (column.type.length is None or column.type.length >= len(PAYLOAD))
            and not (mapper.class_ is User and column.name == "email")
        ]
        for row in session.scalars(select(mapper.class_)):
            for column in columns:
                setattr(row, mapper.get_property_by_column(column).key, PAYLOAD)
                filled += 1
    session.commit()
    return filled


@pytest.fixture
def owner(app, make_user, session):
    user = make_user("owner@example.com")
    objects = one_of_everything(session, user, PAYLOAD)
    session.commit()
    assert fill_every_text_column(session) > 50
    return log_in(app, user), objects


def test_every_page_shows_stored_payloads_as_text(app, owner):
    client, objects = owner
    shown = 0
    for url in page_urls(app, objects):
        response = client.get(url, follow_redirects=True)
        assert_escaped(response, url)
        shown += "&lt;script&gt;alert(1)" in response.get_data(as_text=True)
    assert shown >= 15, "the walk should see the payload on most pages"


def test_payloads_in_the_query_string_are_echoed_escaped(app, owner):
    client, objects = owner
    query = "&".join(f"{name}={PAYLOAD}" for name in QUERY_ARGUMENTS)
    for url in page_urls(app, objects):
        assert_escaped(client.get(f"{url}?{query}", follow_redirects=True), f"{url}?...")


class _Forms(HTMLParser):
    """The POST forms of a page, with the fields a user types into."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}, "typed": 0})
        elif self.forms and tag in ("input", "textarea", "select") and attrs.get("name"):
            form, kind = self.forms[-1], attrs.get("type", "text")
            if tag == "textarea" or kind in ("text", "search", "email", "url", "tel"):
                form["fields"][attrs["name"]] = PAYLOAD
                form["typed"] += 1
            elif kind == "hidden" or tag == "select":
                form["fields"].setdefault(attrs["name"], attrs.get("value", ""))


def test_every_form_echoes_payloads_escaped_when_it_refuses_or_saves_them(app, owner):
    client, objects = owner
    submitted = 0
    for url in page_urls(app, objects):
        page = client.get(url)
        if page.mimetype != "text/html":
            continue
        parser = _Forms()
        parser.feed(page.get_data(as_text=True))
        for form in parser.forms:
            action = form["action"] or url
            if not form["typed"] or any(w in action for w in ("delete", "logout", "revoke")):
                continue
            response = client.post(action, data=form["fields"], follow_redirects=True)
            assert_escaped(response, f"POST {action} (from {url})")
            submitted += 1
    assert submitted >= 10


def test_reminder_emails_escape_payloads_in_their_html_part(app, owner, session):
    _client, objects = owner
    account = objects["user"].account
    due = list(session.scalars(select(FollowUp).where(FollowUp.account_id == account.id)))
    with app.test_request_context():
        text, html, _headers = compose(app.config, account, [objects["user"]], due, PAYLOAD)
    assert PAYLOAD in text  # plain text is shown as text by every mail client
    for live in LIVE:
        assert live not in html
    assert "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("value", ["²", "99999999999", "0", "-1", "1e3"])
def test_ids_that_cannot_exist_in_the_query_string_are_ignored(app, owner, value):
    """ "²" is a digit to Python and not a number to int(); 99999999999 is past PostgreSQL's
    integer ids: a filter given either shows the page, not an error."""
    client, objects = owner
    query = "&".join(f"{name}={value}" for name in ("release_id", "company_id", "contact_id"))
    for url in page_urls(app, objects):
        response = client.get(f"{url}?{query}", follow_redirects=True)
        assert response.status_code < 500, f"{url}?{query}: {response.status_code}"


# --- input that used to end in a 500 ------------------------------------------------------
# Each case below answered 500 before it had its test; the rules that refuse them are
# named in the test.


@pytest.fixture
def sent(session, user, make_contact):
    contact = make_contact(user.account, first_name="Ana", email="ana@label.example")
    pitch = pitch_services.create_pitch(
        session, user.account, user, contact, subject="Hi", status=PitchStatus.SENT
    )
    session.commit()
    return pitch


@pytest.mark.parametrize("path", ["/contacts/", "/pitches/", "/companies/"])
def test_a_page_number_past_any_integer_shows_a_page(logged_in, path):
    assert logged_in.get(f"{path}?page=100000000000000000000").status_code == 200
    assert logged_in.get(f"{path}?page=-5&per_page=99999999999999999999").status_code == 200


@pytest.mark.parametrize(
    "due_at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1899-12-31T00:00:00Z"]
)
def test_a_follow_up_date_out_of_the_years_people_mean_is_refused(api, sent, due_at):
    follow_up = sent.follow_ups[0]
    response = api.patch(f"/api/v1/follow-ups/{follow_up.id}", json={"due_at": due_at})
    assert response.status_code == 422
    assert "between 1900 and 2200" in str(response.get_json()["fields"])


def test_a_pitch_sent_in_9999_is_refused(api, user, make_contact):
    contact = make_contact(user.account, first_name="Bea")
    response = api.post(
        "/api/v1/pitches",
        json={"contact_id": contact.id, "status": "sent", "sent_at": "9999-12-31T00:00:00Z"},
    )
    assert response.status_code == 422


def test_a_snooze_to_9999_is_refused_and_says_so(logged_in, sent, session):
    follow_up = sent.follow_ups[0]
    before = follow_up.due_at
    response = logged_in.submit(
        f"/follow-ups/{follow_up.id}/snooze",
        {"snooze": "date", "until": "9999-12-31"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Not snoozed: Use a date between 1900 and 2200." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(follow_up), follow_up.id).due_at == before


def test_pages_show_a_year_1_follow_up_stored_by_an_older_version(logged_in, sent, session, user):
    follow_up = sent.follow_ups[0]
    follow_up.due_at = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    user.account.timezone = "America/New_York"  # west of UTC: year 0 locally
    session.commit()
    for url in ["/", "/pitches/", f"/pitches/{sent.id}", f"/follow-ups/{follow_up.id}",
                f"/contacts/{sent.contact_id}"]:  # fmt: skip
        assert logged_in.get(url).status_code == 200, url


@pytest.mark.parametrize("next_url", ["/\t/evil.example", "//evil.example", "/\\evil.example",
                                      "https://evil.example/", "/\r\nSet-Cookie: x=1"])  # fmt: skip
def test_a_follow_up_action_never_redirects_off_the_site(logged_in, sent, next_url):
    follow_up = sent.follow_ups[0]
    response = logged_in.submit(
        f"/follow-ups/{follow_up.id}/snooze", {"snooze": "1", "next": next_url}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_cell_over_a_million_characters_is_refused_with_a_reason(api, logged_in):
    sheet = f"first_name,email\n{'a' * 1_100_000},b@x.example\n".encode()
    response = api.post("/api/v1/contacts/import", data={"file": (io.BytesIO(sheet), "big.csv")})
    assert response.status_code == 422
    assert "over 1,000,000 characters" in response.get_json()["error"]
    page = logged_in.submit(
        "/imports/", {"file": (io.BytesIO(sheet), "big.csv")}, content_type="multipart/form-data"
    )
    assert page.status_code == 422
    assert "over 1,000,000 characters" in page.get_data(as_text=True)


def test_a_header_of_thousands_of_columns_is_refused_before_the_mapping_page(logged_in):
    sheet = (",".join(f"c{i}" for i in range(5000)) + "\n" + "x," * 4999 + "x\n").encode()
    page = logged_in.submit(
        "/imports/", {"file": (io.BytesIO(sheet), "wide.csv")}, content_type="multipart/form-data"
    )
    assert page.status_code == 422
    assert "5,000 columns" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 32"),
        ('{"first_name": ' + "9" * 5000 + "}", "not valid JSON"),
        ('{"first_name": "\\ud800"}', "unpaired surrogates"),
    ],
)
def test_json_the_parser_cannot_take_is_a_400_with_the_reason(api, body, reason):
    response = api.post("/api/v1/contacts", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert reason in response.get_json()["error"]


def test_a_template_nested_hundreds_deep_is_refused(api):
    body = "{{ " + "(" * 500 + "contact.first_name" + ")" * 500 + " }}"
    response = api.post("/api/v1/templates", json={"name": "n", "subject": "s", "body": body})
    assert response.status_code == 422
    fallbacks = "{{ contact.first_name" + ' | default("a")' * 50 + " }}"
    response = api.post("/api/v1/templates", json={"name": "m", "subject": "s", "body": fallbacks})
    assert response.status_code == 422


def test_a_patch_with_no_body_is_refused(api, user, make_contact):
    contact = make_contact(user.account, first_name="Ana")
    response = api.patch(f"/api/v1/contacts/{contact.id}")
    assert response.status_code == 400
    assert "fields to change" in response.get_json()["error"]


def test_export_guards_full_width_formula_prefixes(session, user, make_contact):
    from crm.imports.export import export_rows

    make_contact(user.account, first_name="\uff1dHYPERLINK(1)", notes="\uff20SUM(1)")
    rows = list(export_rows(session, user.account))
    cells = [c for row in rows for c in row]
    assert "'\uff1dHYPERLINK(1)" in cells and "'\uff20SUM(1)" in cells


def test_a_dozen_creates_of_one_email_at_once_give_one_contact_and_422s(app, api, user, session):
    """On PostgreSQL the second insert waits on the first and then fails the unique index.
    (Twelve at once: as many as the app's connection pool serves without queueing.)"""
    barrier = threading.Barrier(12)
    codes: list[int] = []

    def create() -> None:
        client = app.test_client()
        barrier.wait()
        codes.append(
            client.post(
                "/api/v1/contacts",
                json={"first_name": "Ana", "email": "race@label.example"},
                headers={"Authorization": f"Bearer {api.token}"},
            ).status_code
        )

    threads = [threading.Thread(target=create) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(codes) == 12 and codes.count(201) == 1
    assert set(codes) <= {201, 422, 503}  # 503: SQLite's lock held past its busy timeout
    assert session.scalar(select(func.count(Contact.id))) == 1


def test_a_busy_database_answers_503_with_retry_after(app, api, logged_in, database_url):
    """A writer holds SQLite's lock past the busy timeout: writes are told to retry, token
    reads go on (their last-use stamp waits for no lock)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    app.extensions["crm.db"].kw["bind"].dispose()
    blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        engine = app.extensions["crm.db"].kw["bind"]
        # Fail after 0.1 s instead of the 15 s a save waits, so the test is quick.
        event.listen(
            engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=100")
        )
        response = api.post("/api/v1/contacts", json={"first_name": "Ana"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "busy" in response.get_json()["error"]
        page = logged_in.submit("/contacts/new", {"first_name": "Ana"})
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert api.get("/api/v1/contacts").status_code == 200
    finally:
        blocker.rollback()
        blocker.close()
