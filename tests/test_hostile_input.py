"""Hostile input: whatever lands in the database (typed in a form, imported from a file,
sent by a script) is shown back as text on every page and in every email, never run as
markup; and whatever a visitor puts in a URL or a form is echoed back escaped too.

The walk covers every page of the URL map and every text column of every table, so a new
page or field is checked the day it is added."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import Enum, String, Text, select

from crm.db import Base
from crm.models import FollowUp, User
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
