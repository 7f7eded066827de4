"""One of everything an account can hold, with a given text in its text fields.

The isolation test fills it with a secret and proves no one else sees it; the hostile-input
test fills it with XSS payloads and proves every page escapes them; the accessibility walk
uses it so that every page has something to show."""

from __future__ import annotations

import csv
import io

from flask import url_for
from sqlalchemy import select

from crm.accounts.sessions import start_session
from crm.accounts.tokens import create_token
from crm.contacts.changes import add_label
from crm.contacts.fields import clean_contact
from crm.contacts.saved_views import save_view
from crm.contacts.services import ContactFilters, add_note, create_contact
from crm.imports.services import import_now
from crm.mail_templates.services import create_template
from crm.models import LoginSession, PitchStatus, TagKind, TemplatePurpose, User
from crm.pitches.services import change_status, create_pitch
from crm.releases.services import create_release
from crm.reminders.passes import unsubscribe_token

# URL parameters, and which object of `one_of_everything` fills them.
URL_OBJECTS = {
    "contact_id": "contact",
    "company_id": "company",
    "token_id": "token",
    "import_id": "import",
    "template_id": "template",
    "release_id": "release",
    "pitch_id": "pitch",
    "follow_up_id": "follow_up",
    "note_id": "note",
    "session_id": "login",
    "change_id": "change",
    "view_id": "view",
}


def one_of_everything(session, user: User, text: str, *, email: str = "secret@victim.example"):
    """A contact with a company and a note, an API token, an import (with a rejected row), a
    template, a release, a sent pitch with its follow-ups and a replied one; `text` in their
    text.
    The caller commits."""
    account = user.account
    cleaned = clean_contact(
        {
            "first_name": text,
            "email": email,
            "company": f"{text} Records",
            "notes": text,
            "tags": text,
            "genres": text,
            "country": "Iceland",
        }
    )
    assert cleaned.ok, cleaned.errors
    contact = create_contact(session, account, cleaned.values)
    other = create_contact(
        session, account, clean_contact({"first_name": f"{text} Two", "role": "curator"}).values
    )
    token, _plain = create_token(session, user, text)
    sheet = io.StringIO()
    csv.writer(sheet).writerows(
        [["Name", "Email", "Notes"], [f"{text} Three", "three@victim.example", text],
         [text, "bad@", "x"]]
    )  # fmt: skip
    record, _summary = import_now(session, account, user, f"{text}.csv", sheet.getvalue().encode())
    template = create_template(
        session,
        account,
        {"name": text, "purpose": TemplatePurpose.OTHER, "subject": text, "body": text},
    )
    release = create_release(session, account, {"title": text})
    pitch = create_pitch(
        session,
        account,
        user,
        contact,
        release=release,
        template=template,
        subject=text,
        body=text,
        status=PitchStatus.SENT,
    )
    replied = create_pitch(
        session, account, user, other, release=release, subject=text, body=text,
        status=PitchStatus.SENT,
    )  # fmt: skip
    change_status(session, account, replied, PitchStatus.REPLIED, note=text)
    note = add_note(session, account, contact, text, author=user)
    change = add_label(session, account, user, ContactFilters(), TagKind.TAG, text)
    view = save_view(session, account, text, ContactFilters(q=text))
    start_session(session, user, user_agent=text)
    session.flush()
    login = session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).first()
    return {
        "user": user,
        "contact": contact,
        "company": contact.company,
        "token": token,
        "import": record,
        "template": template,
        "release": release,
        "pitch": pitch,
        "replied": replied,
        "follow_up": pitch.follow_ups[0],
        "note": note,
        "login": login,
        "change": change,
        "view": view,
    }


# GET routes that are not pages: files, feeds and the JSON API (tested on their own).
NOT_PAGES = {
    "static",
    "reminders.calendar",
    "api-docs.openapi_json",
    "backup.download",
    "backup.contacts_vcf",
}


def page_urls(app, objects) -> list[str]:
    """Every page of the app a browser can open (GET routes outside the JSON API), its URL
    filled from `objects`, so a new page is walked the day it is added."""
    values = {arg: objects[name].id for arg, name in URL_OBJECTS.items()}
    values["token"] = unsubscribe_token(app.config["SECRET_KEY"], objects["user"].account_id)
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            api = rule.rule.startswith("/api/") and rule.endpoint != "api_docs"
            if "GET" not in rule.methods or api or rule.endpoint in NOT_PAGES:
                continue
            urls.append(url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments}))
    return sorted(urls)
