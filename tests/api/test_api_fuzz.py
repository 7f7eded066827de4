"""Schema-driven fuzzing: schemathesis generates requests from the app's own OpenAPI
document and checks that no call fails with a server error or answers outside its schema.

Driven through hypothesis directly: schemathesis' pytest plugin does not run on pytest 9."""

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from crm.models import Contact, EmailTemplate, PitchStatus

# What the issue asks of the API: no server error, and every answer as documented. Not
# "every schema-valid body is accepted": the schema gives types, while the rules that need
# the database (unique email) or several fields (a name or an email) live in the services.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Bounded: enough to cover each operation's shapes without slowing CI.
EXAMPLES_PER_OPERATION = 30


@pytest.mark.slow
def test_no_call_fails_or_breaks_its_schema(app, api, make_contact, user):
    make_contact(user.account, first_name="Ana", email="ana@x.example", tags="priority")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()


# Operations whose acceptance turns on what no schema can state, and why: left out here,
# and checked below on the account's own objects with those rules met
# (test_requests_on_real_objects_that_meet_the_rules_beyond_the_schema_are_accepted).
RULES_BEYOND_THE_SCHEMA = {
    # The document states "a name or an email" (an anyOf); what it cannot state: a phone
    # as phonenumbers reads it for the contact's country, a country pycountry knows, a
    # social handle or a link on that network, email-validator's domain rules, and an
    # address the account already has.
    ("POST", "/api/v1/contacts"): "phone, country, handles, email domains, a taken address",
    ("POST", "/api/v1/contacts/import"): "the file's contents must be a readable CSV or vCard",
    ("POST", "/api/v1/releases"): "a UPC's check digit",
    ("PATCH", "/api/v1/releases/{release_id}"): "a UPC's check digit",
    ("POST", "/api/v1/pitches"): "the contact must be one of the account's",
    ("PUT", "/api/v1/mailbox"): "both mail servers must accept the login",
}


@pytest.mark.slow
def test_every_request_the_document_allows_is_accepted(app, api, make_contact, user):
    """The document carries the field rules (lengths, formats, enums, no NUL, the years a
    date may fall in), so a request built from it is not refused with a 400 or a 422."""
    from schemathesis.checks import positive_data_acceptance
    from schemathesis.generation import GenerationMode

    make_contact(user.account, first_name="Ana", email="ana@x.example", tags="priority")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        if (operation.method.upper(), operation.path) in RULES_BEYOND_THE_SCHEMA:
            continue

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            # The same examples every run: a rule the document cannot state (an unclosed
            # "{{" in a template) must not turn CI red one run in a thousand.
            derandomize=True,
        )
        def check(case):
            case.call_and_validate(
                headers=headers, checks=[positive_data_acceptance, not_a_server_error]
            )

        check()


def test_the_documents_years_are_the_rules_years():
    import re

    from crm.api.schemas import YEARS_PATTERN
    from crm.fields import FIRST_YEAR, LAST_YEAR

    years = [y for y in range(1000, 10_000) if re.match(YEARS_PATTERN, f"{y}-01-01")]
    assert (years[0], years[-1], len(years)) == (FIRST_YEAR, LAST_YEAR, LAST_YEAR - FIRST_YEAR + 1)


def test_the_document_says_a_new_contact_needs_a_name_or_an_email(app):
    from crm.contacts.fields import NAME_OR_EMAIL_FIELDS

    document = app.test_client().get("/api/v1/openapi.json").get_json()
    create = document["components"]["schemas"]["ContactCreate"]
    assert [branch["required"] for branch in create["anyOf"]] == [
        [name] for name in NAME_OR_EMAIL_FIELDS
    ]
    body = document["paths"]["/api/v1/contacts"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/ContactCreate")


# --- requests on the account's own objects ----------------------------------------------


def _upc(digits: str) -> str:
    """The generated digits with the check digit they need (the rule is crm.releases')."""
    body = digits[:-1]
    weights = (3, 1) if len(digits) == 12 else (1, 3)
    total = sum(int(d) * weights[i % 2] for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


class MeetsTheRules:
    """Makes a generated request meet the rules the document cannot state, and nothing
    more: ids name the account's own objects, a UPC gets its check digit, an address is
    one no other contact has, a phone, country and social link are ones their rules read,
    the mailbox's servers are the test's own. The rest is as schemathesis generated it."""

    def __init__(self, ids: dict[str, int], mail: dict):
        self.ids, self.mail, self.counter = ids, mail, itertools.count()

    def __call__(self, case) -> None:
        for name in list(case.path_parameters or {}):
            found = self.ids[name]
            case.path_parameters[name] = found(case) if callable(found) else found
        body = case.body if isinstance(case.body, dict) else None
        if body is None:
            return
        n = next(self.counter)
        path = case.operation.path
        for name in ("contact_id", "release_id", "template_id"):
            if body.get(name) is not None:
                body[name] = self.ids[name]
        if body.get("upc"):
            body["upc"] = _upc(body["upc"])
        if path.startswith("/api/v1/contacts") and "import" not in path:
            if body.get("email"):
                body["email"] = f"c{n}@example.com"
            if body.get("other_emails"):
                body["other_emails"] = [f"c{n}.{i}@example.com" for i, _ in
                                        enumerate(body["other_emails"])]  # fmt: skip
            if body.get("phone"):
                body["phone"] = "+44 7700 900123"
            if body.get("country"):
                body["country"] = "Iceland"
            for network in ("instagram", "twitter", "tiktok"):
                if body.get(network):
                    body[network] = f"@ana_{n}"
            for name in ("website", "linkedin"):
                if body.get(name):
                    body[name] = f"https://ana{n}.example/"
        if path == "/api/v1/contacts/import":
            body["file"] = b"Name,Email\nAna Two,ana.two@example.com\n"
        if path == "/api/v1/mailbox":
            body.update(self.mail)
            window = body.get("send_window")
            if window and window["end"] <= window["start"]:  # a window ends after it starts
                window["start"], window["end"] = "00:00", "23:59"


@pytest.mark.slow
def test_requests_on_real_objects_that_meet_the_rules_beyond_the_schema_are_accepted(
    app, api, session, user, make_contact, smtp_server, dovecot
):
    """Every operation, on objects that exist (a generated id mostly finds nothing, and a
    404 proves little), with only the rules no schema states met: nothing the document
    allows is refused."""
    from schemathesis.checks import positive_data_acceptance
    from schemathesis.generation import GenerationMode

    from crm.mailbox.services import connect_mailbox
    from crm.models import FollowUp
    from crm.pitches.services import create_pitch
    from crm.releases.services import create_release
    from tests.conftest import MAILBOX_PASSWORD

    address = dovecot.add_user()
    mail = {
        "email": address, "username": address, "password": MAILBOX_PASSWORD,
        "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_security": "none",
        "imap_host": "127.0.0.1", "imap_port": dovecot.port, "imap_security": "none",
    }  # fmt: skip
    mailbox, cleaned = connect_mailbox(session, user, mail, MAILBOX_PASSWORD,
                                       app.config["MAILBOX_KEY"])  # fmt: skip
    assert mailbox is not None, cleaned.errors
    ana = make_contact(user.account, first_name="Ana", email="ana@x.example", tags="priority")
    release = create_release(session, user.account, {"title": "Paper Lanterns"})
    template = session.scalars(
        select(EmailTemplate).where(EmailTemplate.account_id == user.account_id)
    ).first()
    pitch = create_pitch(session, user.account, user, ana, release=release, subject="Hi",
                         body="Hello", status=PitchStatus.SENT)  # fmt: skip
    session.commit()
    follow_up = session.scalars(select(FollowUp).where(FollowUp.pitch_id == pitch.id)).first()
    pitch_id = pitch.id

    def pitch_for(case) -> int:
        """A draft to send (the examples before may have marked the pitch replied, which
        is not sent again: a rule of the pitch's state, not of the request)."""
        if not case.operation.path.endswith("/send"):
            return pitch_id
        draft = create_pitch(session, user.account, user, session.get(Contact, ana_id),
                             subject="Hi", body="Hello")  # fmt: skip
        session.commit()
        return draft.id

    ana_id = ana.id
    ids = {
        "contact_id": ana.id, "release_id": release.id, "template_id": template.id,
        "pitch_id": pitch_for, "follow_up_id": follow_up.id,
    }  # fmt: skip
    meet = MeetsTheRules(ids, mail)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api.token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "DELETE" or operation.path == "/api/v1/tokens":
            continue  # deleting what the next examples use; logging in (rate-limited)

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None,
            suppress_health_check=list(HealthCheck), database=None, derandomize=True,
        )  # fmt: skip
        def check(case):
            meet(case)
            case.call_and_validate(
                headers=headers, checks=[positive_data_acceptance, not_a_server_error]
            )

        check()
