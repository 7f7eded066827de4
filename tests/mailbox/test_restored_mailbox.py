"""An artist moves to a fresh instance: the backup brings their mailbox's settings back, but
never its password, so the mailbox waits, not connected, sending and reading nothing, until
they type the password once; then the pitch they had queued goes out."""

import io

from sqlalchemy import select

from crm.backup.archive import restore_backup, write_backup
from crm.mailbox.sending import schedule_send
from crm.mailbox.services import connect_mailbox
from crm.mailbox.sync import sync
from crm.models import Mailbox, Pitch, PitchStatus
from tests.conftest import MAILBOX_PASSWORD
from tests.mailbox.conftest import NOW, draft, run, settings


def test_a_restored_mailbox_waits_for_its_password_then_sends_what_was_queued(
    app, session, user, make_user, make_contact, api, logged_in, smtp_server, dovecot,
    mailbox_user,
):  # fmt: skip
    old = make_user("robin@old-instance.example")
    mailbox, cleaned = connect_mailbox(
        session, old, settings(smtp_server, dovecot, mailbox_user, daily_limit=20,
                               min_gap_seconds=120, capture_sent=False),
        MAILBOX_PASSWORD, app.config["MAILBOX_KEY"],
    )  # fmt: skip
    assert mailbox is not None, cleaned.errors
    ana = make_contact(old.account, first_name="Ana", email="ana@label.example")
    schedule_send(session, old.account, draft(session, old, ana), NOW, now=NOW)
    session.commit()
    backup = io.BytesIO()
    write_backup(session, old.account, backup)
    assert MAILBOX_PASSWORD.encode() not in backup.getvalue()
    session.delete(mailbox)  # the old instance is gone: only the backup is left
    session.commit()

    restored = restore_backup(session, user.account, user, io.BytesIO(backup.getvalue()))
    session.commit()
    assert any("enter its password on the Mailbox page" in note for note in restored.notes)

    described = api.get("/api/v1/mailbox").get_json()
    assert described["connected"] is False
    assert described["email"] == mailbox_user and described["smtp_port"] == smtp_server.port
    assert described["daily_limit"] == 20 and described["min_gap_seconds"] == 120
    assert described["capture_sent"] is False
    assert "Restored from a backup" in described["last_error"]
    page = logged_in.get("/mailbox/").get_data(as_text=True)
    assert "Not connected yet" in page and f'value="{mailbox_user}"' in page
    assert "Send me a test email" not in page

    # Nothing is sent or read, and nothing fails, while it waits.
    assert run(app).sent == 0
    with app.app_context():
        assert sync(app.extensions["crm.db"], app.config, NOW).failed == []
    assert (
        session.scalar(select(Pitch.status).where(Pitch.account_id == user.account_id))
        == PitchStatus.SCHEDULED
    )

    # The password once, and the queued pitch goes out from the restored settings.
    # GET's answer sent back as it came, with the password: what a script does.
    response = api.open("PUT", "/api/v1/mailbox", json=described | {"password": MAILBOX_PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["connected"] is True
    assert response.get_json()["last_error"] == ""
    assert run(app).sent == 1
    session.expire_all()
    assert (
        session.scalar(select(Pitch.status).where(Pitch.account_id == user.account_id))
        == PitchStatus.SENT
    )
    assert len(session.scalars(select(Mailbox)).all()) == 1


def test_a_mailbox_already_connected_is_kept_over_the_backups(
    app, session, user, make_user, smtp_server, dovecot, connected, mailbox_user
):
    old = make_user("robin@old-instance.example")
    connect_mailbox(
        session, old, settings(smtp_server, dovecot, dovecot.add_user()), MAILBOX_PASSWORD,
        app.config["MAILBOX_KEY"],
    )  # fmt: skip
    session.commit()
    backup = io.BytesIO()
    write_backup(session, old.account, backup)
    restore_backup(session, user.account, user, io.BytesIO(backup.getvalue()))
    session.commit()
    session.expire_all()
    mine = session.scalar(select(Mailbox).where(Mailbox.user_id == user.id))
    assert mine.connected and mine.email == mailbox_user
