"""Fixtures of the mailbox tests: a Dovecot user of the test's own, a mailbox connected to
aiosmtpd and Dovecot with a real login, a contact to pitch, and a pitch sent to her."""

import datetime as dt

import pytest

from crm.mailbox.sending import schedule_send, send_due
from crm.mailbox.services import connect_mailbox
from crm.models import Pitch
from crm.pitches import services as pitch_services
from tests.conftest import MAILBOX_PASSWORD


def settings(smtp_server, dovecot, user_name: str, **more) -> dict:
    return {
        "email": user_name, "display_name": "Robin Vale", "username": user_name,
        "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_security": "none",
        "imap_host": "127.0.0.1", "imap_port": dovecot.port, "imap_security": "none",
        "daily_limit": 50, "min_gap_seconds": 0,
        "send_window": {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"},
    } | more  # fmt: skip


@pytest.fixture
def mailbox_user(dovecot):
    return dovecot.add_user()


@pytest.fixture
def connected(app, session, user, smtp_server, dovecot, mailbox_user):
    mailbox, cleaned = connect_mailbox(
        session, user, settings(smtp_server, dovecot, mailbox_user), MAILBOX_PASSWORD,
        app.config["MAILBOX_KEY"],
    )  # fmt: skip
    assert mailbox is not None, cleaned.errors
    session.commit()
    return mailbox


@pytest.fixture
def ana(make_contact, user):
    return make_contact(
        user.account, first_name="Ana", last_name="Müller", email="ana@label.example"
    )


# A Tuesday, 10:00 in London: inside the default window (Monday to Friday, 09:00-18:00).
NOW = dt.datetime(2026, 3, 17, 10, 0, tzinfo=dt.UTC)


def draft(session, user, contact, subject="Paper Lanterns: a new single", body=None):
    pitch = pitch_services.create_pitch(
        session, user.account, user, contact, subject=subject,
        body=body or "Hi Ana,\n\nHere is the single: https://example.com/stream/1\n\nRobin",
    )  # fmt: skip
    session.commit()
    return pitch


def run(app, now=NOW):
    with app.app_context():
        return send_due(app.extensions["crm.db"], app.config, now)


@pytest.fixture
def pitched(app, session, user, connected, ana, smtp_server):
    """Ana was pitched from the mailbox on Tuesday 17 March; follow-ups in 7 and 14 days."""
    pitch = schedule_send(session, user.account, draft(session, user, ana), NOW, now=NOW)
    session.commit()
    assert run(app).sent == 1
    session.expire_all()
    return session.get(Pitch, pitch.id)
