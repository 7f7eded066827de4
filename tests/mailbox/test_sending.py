"""Pitches go out from the artist's own mailbox: connected with a real login to real
servers (aiosmtpd with AUTH, Dovecot), sent exactly once at a human pace within the window
and the daily limit, with a copy filed in the Sent folder."""

import datetime as dt
import threading

import pytest
from sqlalchemy import select, text

from crm.db import utcnow
from crm.mailbox import compose
from crm.mailbox.sending import LEASE, _claim_next, schedule_send
from crm.mailbox.services import mailbox_of
from crm.models import Contact, EmailStatus, Mailbox, Pitch, PitchStatus
from crm.pitches import services as pitch_services
from tests.conftest import MAILBOX_PASSWORD, free_port
from tests.mailbox.conftest import NOW, draft, run, settings


def test_connecting_checks_both_logins_and_stores_the_password_encrypted(
    api, smtp_server, dovecot, mailbox_user, session, database_url
):
    response = api.open(
        "PUT", "/api/v1/mailbox",
        json=settings(smtp_server, dovecot, mailbox_user) | {"password": MAILBOX_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["connected"] is True and body["email"] == mailbox_user
    assert "password" not in body and MAILBOX_PASSWORD not in response.get_data(as_text=True)
    stored = session.scalar(text("SELECT password_encrypted FROM mailboxes"))
    assert stored and MAILBOX_PASSWORD not in stored
    if database_url.startswith("sqlite"):
        session.commit()
        raw = open(database_url.removeprefix("sqlite:///"), "rb").read()
        assert MAILBOX_PASSWORD.encode() not in raw
    assert api.get("/api/v1/mailbox").get_json()["connected"] is True


def test_a_wrong_password_is_refused_in_the_servers_words_and_nothing_is_stored(
    api, smtp_server, dovecot, mailbox_user, session
):
    response = api.open(
        "PUT", "/api/v1/mailbox",
        json=settings(smtp_server, dovecot, mailbox_user) | {"password": "wrong"},
    )  # fmt: skip
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert "535" in fields["smtp"][0]  # aiosmtpd's own "535 5.7.8 Authentication ..."
    assert "imap" in fields and "IMAP server said" in fields["imap"][0]
    assert session.scalar(select(Mailbox.id)) is None


def test_an_unreachable_server_says_so(api, smtp_server, dovecot, mailbox_user):
    response = api.open(
        "PUT", "/api/v1/mailbox",
        json=settings(smtp_server, dovecot, mailbox_user, smtp_port=free_port())
        | {"password": MAILBOX_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 422
    assert "refused the connection" in response.get_json()["fields"]["smtp"][0]


def test_plain_text_to_a_remote_host_is_refused(api, smtp_server, dovecot, mailbox_user):
    response = api.open(
        "PUT", "/api/v1/mailbox",
        json=settings(smtp_server, dovecot, mailbox_user, smtp_host="smtp.example.com")
        | {"password": MAILBOX_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 422
    assert "in clear" in response.get_json()["fields"]["smtp_security"][0]


def test_a_pitch_goes_out_once_from_the_artists_address_with_a_copy_in_sent(
    app, api, connected, ana, session, user, smtp_server, dovecot, mailbox_user
):
    # The API works on the real clock: a window open all week, so the test runs any time.
    connected.send_window = {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"}
    session.commit()
    pitch = draft(session, user, ana)
    response = api.post(f"/api/v1/pitches/{pitch.id}/send")
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "scheduled"
    now = utcnow() + dt.timedelta(seconds=1)
    assert run(app, now).sent == 1
    assert run(app, now + dt.timedelta(minutes=5)).sent == 0  # exactly once
    [message] = smtp_server.messages
    assert message["From"] == f"Robin Vale <{mailbox_user}>"
    assert message["To"] == "Ana Müller <ana@label.example>"
    assert message["Subject"] == "Paper Lanterns: a new single"
    assert message["Message-ID"].endswith("@stagedoor.example>")
    assert message.get_body(("html",)) is not None  # the body has a link
    assert message.recipients == ["ana@label.example"]
    body = api.get(f"/api/v1/pitches/{pitch.id}").get_json()
    assert body["status"] == "sent" and body["message_id"] == message["Message-ID"]
    assert body["sent_at"].startswith(now.strftime("%Y-%m-%dT%H:%M"))
    assert len(body["follow_ups"]) == 2  # the cadence starts from the real send
    assert [m["kind"] for m in body["messages"]] == ["pitch"]
    with dovecot.client(mailbox_user) as imap:
        imap.select_folder("Sent")
        [uid] = imap.search()
        copy = imap.fetch([uid], ["ENVELOPE"])[uid][b"ENVELOPE"]
        assert copy.message_id.decode() == message["Message-ID"]


def test_a_subject_can_never_carry_a_header(connected):
    message = compose.build(
        connected, to_name="Ana\r\nBcc: all@evil.example", to_email="ana@label.example",
        subject="Hi\r\nBcc: all@evil.example", body="x", msgid="<1@x>", now=NOW,
    )  # fmt: skip
    raw = message.as_string()
    assert "\nBcc:" not in raw and message["Bcc"] is None
    assert message["Subject"] == "Hi Bcc: all@evil.example"


def test_three_passes_at_once_send_each_pitch_once(app, session, user, connected, make_contact,
                                                   smtp_server):  # fmt: skip
    for i in range(12):
        contact = make_contact(user.account, first_name=f"C{i}", email=f"c{i}@label.example")
        schedule_send(session, user.account, draft(session, user, contact), NOW, now=NOW)
    session.commit()
    barrier = threading.Barrier(3)

    def one_pass():
        barrier.wait()
        run(app)

    threads = [threading.Thread(target=one_pass) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    recipients = [m.recipients[0] for m in smtp_server.messages]
    assert len(recipients) == 12 and len(set(recipients)) == 12


def test_a_pass_that_died_after_claiming_gives_the_pitch_back_after_the_lease(
    app, session, user, connected, ana, smtp_server
):
    pitch = schedule_send(session, user.account, draft(session, user, ana), NOW, now=NOW)
    session.commit()
    with app.extensions["crm.db"]() as other:
        assert [p.id for p in _claim_next(other, user.account_id, NOW)] == [pitch.id]  # died
    assert run(app, NOW + dt.timedelta(minutes=1)).sent == 0
    assert run(app, NOW + LEASE + dt.timedelta(seconds=1)).sent == 1
    assert len(smtp_server.messages) == 1 and pitch.id


def test_a_window_until_2359_is_open_to_the_end_of_the_day(connected):
    """A time input cannot say 24:00: "until 23:59" means the whole of the last minute."""
    from crm.mailbox.services import local_window

    connected.send_window = {"days": [2], "start": "00:00", "end": "23:59"}
    last_seconds = NOW.replace(hour=23, minute=59, second=30)  # a Tuesday in London (GMT)
    assert local_window(connected, "Europe/London", last_seconds) == (True, last_seconds)
    connected.send_window = {"days": [2], "start": "09:00", "end": "18:00"}
    assert local_window(connected, "Europe/London", NOW.replace(hour=18))[0] is False


def test_a_bulk_send_is_paced_and_waits_for_the_window_and_the_daily_limit(
    app, session, user, connected, make_contact, smtp_server
):
    connected.min_gap_seconds, connected.daily_limit = 600, 3
    session.commit()
    late = NOW.replace(hour=17, minute=20)  # 17:20 in London (GMT in March)
    pitches = []
    for i in range(5):
        contact = make_contact(user.account, first_name=f"C{i}", email=f"c{i}@label.example")
        pitches.append(schedule_send(session, user.account, draft(session, user, contact),
                                     now=late))  # fmt: skip
    session.commit()
    times = [p.send_at for p in pitches]
    assert times[:3] == [late, late + dt.timedelta(minutes=10), late + dt.timedelta(minutes=20)]
    # The fourth would be 17:50 but the daily limit is 3: it waits for Wednesday 09:00.
    assert times[3] == dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.UTC)
    assert times[4] == times[3] + dt.timedelta(minutes=10)
    assert run(app, late).sent == 1
    assert run(app, late + dt.timedelta(minutes=5)).sent == 0  # the gap
    assert run(app, late + dt.timedelta(minutes=10)).sent == 1
    assert run(app, late + dt.timedelta(hours=3)).sent == 0  # 20:20: outside the window
    wednesday = late + dt.timedelta(hours=16)  # 09:20: the one missed at 17:40 goes first
    assert [run(app, wednesday + dt.timedelta(minutes=m)).sent for m in (0, 5, 10, 20)] == [
        1,
        0,
        1,
        1,
    ]
    assert len(smtp_server.messages) == 5


def test_a_permanent_refusal_bounces_the_pitch_and_the_address(
    app, api, session, user, connected, ana, smtp_server
):
    smtp_server.refuse["ana@label.example"] = "550 5.1.1 <ana@label.example>: no such user"
    pitch = schedule_send(session, user.account, draft(session, user, ana), NOW, now=NOW)
    session.commit()
    assert run(app).bounced == 1
    session.expire_all()
    pitch = session.get(Pitch, pitch.id)
    assert pitch.status == PitchStatus.BOUNCED and "no such user" in pitch.delivery_error
    assert session.get(Contact, ana.id).email_status == EmailStatus.BOUNCED
    again = draft(session, user, session.get(Contact, ana.id))
    refused = api.post(f"/api/v1/pitches/{again.id}/send")
    assert refused.status_code == 422 and "bounced" in refused.get_json()["error"]


def test_a_temporary_refusal_is_retried_later_and_says_so(
    app, session, user, connected, ana, smtp_server
):
    smtp_server.refuse["ana@label.example"] = "451 4.7.1 Greylisted, try again later"
    pitch = schedule_send(session, user.account, draft(session, user, ana), NOW, now=NOW)
    session.commit()
    assert run(app).deferred == 1
    session.expire_all()
    pitch = session.get(Pitch, pitch.id)
    assert pitch.status == PitchStatus.SCHEDULED and "Greylisted" in pitch.delivery_error
    assert pitch.send_at == NOW + dt.timedelta(minutes=2)
    del smtp_server.refuse["ana@label.example"]
    assert run(app, NOW + dt.timedelta(minutes=1)).sent == 0
    assert run(app, NOW + dt.timedelta(minutes=2)).sent == 1


def test_a_pass_stopped_by_a_temporary_refusal_gives_the_rest_of_its_batch_back_at_once(
    app, session, user, connected, ana, make_contact, smtp_server
):
    """With no pause between messages a pass claims a batch; what it did not get to is
    free for the next pass at once, not after the lease."""
    smtp_server.refuse["ana@label.example"] = "451 4.7.1 Greylisted, try again later"
    bob = make_contact(user.account, first_name="Bob", email="bob@radio.example")
    first = schedule_send(session, user.account, draft(session, user, ana), NOW, now=NOW)
    second = schedule_send(session, user.account, draft(session, user, bob), NOW, now=NOW)
    session.commit()
    assert run(app).deferred == 1
    session.expire_all()
    assert session.get(Pitch, second.id).send_claim is None
    assert run(app, NOW + dt.timedelta(minutes=1)).sent == 1
    assert [m.recipients[0] for m in smtp_server.messages] == ["bob@radio.example"]
    assert session.get(Pitch, first.id).status == PitchStatus.SCHEDULED


def test_a_refused_login_pauses_the_mailbox_and_tells_the_artist(
    app, session, user, connected, ana, smtp_server
):
    from crm.mailbox import secrets

    connected.password_encrypted = secrets.encrypt(app.config["MAILBOX_KEY"], "revoked")
    session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      MAIL_USERNAME="instance", MAIL_PASSWORD=MAILBOX_PASSWORD)  # fmt: skip
    pitch = schedule_send(session, user.account, draft(session, user, ana), NOW, now=NOW)
    session.commit()
    result = run(app)
    assert result.sent == 0 and result.failed
    session.expire_all()
    assert "refused the login" in session.get(Mailbox, connected.id).paused_reason
    assert session.get(Pitch, pitch.id).status == PitchStatus.SCHEDULED  # nothing dropped
    [notice] = smtp_server.messages
    assert notice["Subject"] == "Your pitches are on hold" and notice["To"] == user.email


def test_another_account_neither_sees_nor_uses_the_mailbox(
    app, session, user, connected, ana, make_user
):
    from crm.accounts.tokens import create_token

    other = make_user("other@example.com")
    _token, plain = create_token(session, other, "t")
    session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    client = app.test_client()
    assert client.get("/api/v1/mailbox", headers=headers).get_json()["connected"] is False
    pitch = draft(session, user, ana)
    assert client.post(f"/api/v1/pitches/{pitch.id}/send", headers=headers).status_code == 404
    theirs = pitch_services.create_pitch(
        session, other.account, other,
        session.get(Contact, ana.id) if False else _contact_of(session, other), subject="Hi",
    )  # fmt: skip
    session.commit()
    refused = client.post(f"/api/v1/pitches/{theirs.id}/send", headers=headers)
    assert refused.status_code == 422 and "Connect your mailbox" in refused.get_json()["error"]
    assert mailbox_of(session, other) is None


def _contact_of(session, owner):
    from crm.contacts.services import create_contact

    contact = create_contact(session, owner.account, {"first_name": "Bo", "email": "bo@x.example"})
    session.commit()
    return contact


# --- follow-up emails in the thread ---------------------------------------------------------


@pytest.fixture
def emailed_cadence(session, user):
    """The account's first follow-up is an email (its starter follow-up template)."""
    from crm.models import EmailTemplate, TemplatePurpose

    template = session.scalars(
        select(EmailTemplate).where(
            EmailTemplate.account_id == user.account_id,
            EmailTemplate.purpose == TemplatePurpose.FOLLOW_UP,
        )
    ).first()
    user.account.cadence_steps = [{"kind": "email", "template_id": template.id}]
    session.commit()
    return template


def sent_pitch(app, session, user, contact, smtp_server):
    pitch = schedule_send(session, user.account, draft(session, user, contact), NOW, now=NOW)
    session.commit()
    assert run(app).sent == 1
    session.expire_all()
    return session.get(Pitch, pitch.id)


def test_a_follow_up_email_goes_out_a_week_later_in_the_thread_once(
    app, session, user, connected, ana, smtp_server, emailed_cadence, dovecot, mailbox_user
):
    from crm.models import FollowUpKind, FollowUpState

    pitch = sent_pitch(app, session, user, ana, smtp_server)
    first, second = pitch.follow_ups
    assert (first.kind, second.kind) == (FollowUpKind.EMAIL, FollowUpKind.REMINDER)
    week = NOW + dt.timedelta(days=7)
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        run(app, week)

    threads = [threading.Thread(target=worker) for _ in range(2)]  # two workers at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(smtp_server.messages) == 2
    original, follow_up = smtp_server.messages
    assert follow_up["Subject"] == "Re: Paper Lanterns: a new single"
    assert follow_up["In-Reply-To"] == original["Message-ID"]
    assert original["Message-ID"] in follow_up["References"]
    assert "Ana" in follow_up.get_body(("plain",)).get_content()
    session.expire_all()
    first = session.get(type(first), first.id)
    assert first.state == FollowUpState.DONE and first.state_reason == "emailed"
    assert [m.kind.value for m in session.get(Pitch, pitch.id).messages] == ["pitch", "follow_up"]
    assert run(app, week + dt.timedelta(hours=1)).sent == 0
    with dovecot.client(mailbox_user) as imap:
        imap.select_folder("Sent")
        assert len(imap.search()) == 2


def test_no_follow_up_email_after_a_reply(
    app, session, user, connected, ana, smtp_server, emailed_cadence
):
    pitch = sent_pitch(app, session, user, ana, smtp_server)
    pitch_services.change_status(session, user.account, pitch, PitchStatus.REPLIED)
    session.commit()
    assert run(app, NOW + dt.timedelta(days=8)).sent == 0
    assert len(smtp_server.messages) == 1


def test_the_reminder_pass_leaves_email_follow_ups_to_the_mailbox(
    app, session, user, connected, ana, smtp_server, emailed_cadence
):
    from crm.reminders.passes import send_due as remind

    sent_pitch(app, session, user, ana, smtp_server)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      MAIL_USERNAME="instance", MAIL_PASSWORD=MAILBOX_PASSWORD)  # fmt: skip
    with app.app_context():
        result = remind(app.extensions["crm.db"], app.config, NOW + dt.timedelta(days=7, hours=1))
    assert result.reminded == 0


def test_the_dashboard_shows_a_coming_follow_up_email_and_holds_it(
    app, logged_in, session, user, connected, ana, smtp_server, emailed_cadence
):
    from crm.models import FollowUpKind

    pitch = sent_pitch(app, session, user, ana, smtp_server)
    first = pitch.follow_ups[0]
    first.due_at = utcnow() + dt.timedelta(days=2)  # within the dashboard's next 7 days
    session.commit()
    page = logged_in.get("/").get_data(as_text=True)
    assert "Going out from your mailbox" in page and "follow-up #1 to" in page
    logged_in.submit(f"/follow-ups/{first.id}/hold", {"next": "/"})
    session.expire_all()
    assert session.get(type(first), first.id).kind == FollowUpKind.REMINDER
