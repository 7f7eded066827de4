"""No page shows one account's data to another, and nothing private is open to visitors.

The test walks the app's URL map, so a new route is covered the day it is added: every
rule must be listed in PUBLIC or fill its URL from OBJECTS below, or this test fails."""

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from crm.accounts.tokens import create_token
from crm.models import Company, Contact, EmailTemplate, FollowUp, Pitch
from tests.conftest import log_in
from tests.objects import URL_OBJECTS as OBJECTS
from tests.objects import one_of_everything

# Routes anyone may open.
PUBLIC = {
    "static",
    "home.index",
    "accounts.login",
    "accounts.signup",
    "api_docs",
    "api-docs.openapi_json",
    "tokens.create_token",
    # Opened by a secret in the URL, no login (tests/reminders prove forged ones fail):
    "reminders.unsubscribe",
    "reminders.calendar",
}
# URL parameters that are not objects, with a value to walk them with.
FIXED = {"action": "done"}
SECRET = "Zanzibar-Secret-7"
# Routes that act on the session itself; walking them would end the intruder's visit.
SESSION_ONLY = {"accounts.logout"}


@pytest.fixture
def victim(make_user, session):
    objects = one_of_everything(session, make_user("victim@example.com"), SECRET)
    session.commit()
    return objects


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        unknown = set(rule.arguments) - set(OBJECTS) - set(FIXED)
        assert not unknown, f"{rule.rule}: add {unknown} to OBJECTS in {__name__}"
        yield rule


def url_for_rule(rule, victim) -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = FIXED[arg] if arg in FIXED else victim[OBJECTS[arg]].id
        url = re.sub(rf"<(?:[^>]+:)?{arg}>", str(value), url)
    return url


def readable(response) -> str:
    """A response's text; a zip (the backup) read file by file."""
    if response.mimetype == "application/zip" and response.status_code == 200:
        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
        return "".join(archive.read(name).decode() for name in archive.namelist())
    return response.get_data(as_text=True)


def victims_data(session, victim):
    """What the victim's account holds: counts, and the contact as it was saved."""
    session.expire_all()
    account_id = victim["user"].account_id
    contact = session.get(Contact, victim["contact"].id)
    return (
        session.scalar(select(func.count(Contact.id)).where(Contact.account_id == account_id)),
        session.scalar(select(func.count(Company.id)).where(Company.account_id == account_id)),
        contact and (contact.first_name, contact.notes, contact.updated_at),
        session.scalar(
            select(func.count(EmailTemplate.id)).where(EmailTemplate.account_id == account_id)
        ),
        session.scalar(select(EmailTemplate.updated_at).where(EmailTemplate.name == SECRET)),
        tuple(
            session.scalars(select(Pitch.status).where(Pitch.subject == SECRET).order_by(Pitch.id))
        ),
        tuple(session.scalars(select(FollowUp.state).where(FollowUp.account_id == account_id))),
        tuple(session.scalars(select(FollowUp.due_at).where(FollowUp.account_id == account_id))),
    )


def test_another_account_sees_nothing_and_changes_nothing(app, victim, make_user, session):
    intruder_user = make_user("intruder@example.com")
    intruder = log_in(app, intruder_user)
    _token, plain = create_token(session, intruder_user, "intruder")
    session.commit()
    bearer = {"Authorization": f"Bearer {plain}"}
    before = victims_data(session, victim)
    for rule in routes(app):
        if rule.endpoint in SESSION_ONLY:
            continue
        url = url_for_rule(rule, victim)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            query = "?q=zanzibar" if not rule.arguments else ""  # lower case: no echo
            if url.startswith("/api/"):
                response = intruder.open(
                    url + query,
                    method=method,
                    headers=bearer,
                    json={"first_name": "x"} if method in ("POST", "PATCH") else None,
                )
            elif method == "GET":
                response = intruder.get(url + query)
            else:
                response = intruder.submit(url, {"name": "x", "first_name": "x"})
            body = readable(response)
            assert SECRET not in body, f"{method} {url} leaks another account's data"
            if rule.arguments:
                # An API body that does not fit its schema is refused (422) before any lookup.
                allowed = {404, 422} if url.startswith("/api/") and method != "GET" else {404}
                assert response.status_code in allowed, f"{method} {url}: {response.status_code}"
    assert victims_data(session, victim) == before


def test_filter_menus_and_suggestions_show_only_your_own_values(app, victim, make_user):
    intruder = log_in(app, make_user("intruder@example.com"))
    page = intruder.get("/contacts/").get_data(as_text=True)
    assert SECRET not in page and "Iceland" not in page
    assert intruder.get(f"/companies/suggest?q={SECRET[:4]}").get_json() == []


def test_visitors_are_sent_to_log_in(app, victim, session):
    visitor = app.test_client()
    before = victims_data(session, victim)
    for rule in routes(app):
        url = url_for_rule(rule, victim)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = visitor.open(url, method=method, data={"csrf_token": visitor.csrf_token()})
            assert response.status_code in (302, 401), f"{method} {url}: {response.status_code}"
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/account/login")
            assert SECRET not in response.get_data(as_text=True)
    assert victims_data(session, victim) == before


def test_no_write_is_accepted_without_a_csrf_token(app, victim, session):
    owner = log_in(app, victim["user"])
    before = victims_data(session, victim)
    for rule in routes(app):
        url = url_for_rule(rule, victim)
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            response = owner.open(url, method=method, data={"first_name": "x", "name": "x"})
            # The API takes no cookies at all (401), so a forged form cannot use it either.
            expected = 401 if url.startswith("/api/") else 400
            assert response.status_code == expected, f"{method} {url} accepted a write"
    assert victims_data(session, victim) == before
    assert owner.get("/contacts/").status_code == 200


def test_every_query_names_the_account_through_the_scope_module():
    """An account's rows are picked in one place (crm.scope: owned, owned_by, owned_among),
    so a new query cannot quietly write the filter wrong or leave it out of a join."""
    import re
    from pathlib import Path

    raw = re.compile(r"\b[A-Za-z_]+\.account_id == (?:self\.)?account\.id")
    found = [
        f"{path}:{number}: {line.strip()}"
        for path in sorted(Path("crm").rglob("*.py"))
        if path.name != "scope.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if raw.search(line) and ".c.account_id" not in line and "template.account_id" not in line
    ]
    assert not found, "\n".join(found)
