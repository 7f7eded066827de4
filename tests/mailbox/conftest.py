"""Fixtures of the mailbox tests: a Dovecot user of the test's own, a mailbox connected to
aiosmtpd and Dovecot with a real login, and a contact to pitch."""

import pytest

from crm.mailbox.services import connect_mailbox
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
