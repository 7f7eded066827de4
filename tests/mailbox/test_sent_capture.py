"""An artist who keeps writing from their own mail client still gets the whole tracker: what
they send to a contact lands in their real (Dovecot) Sent folder, and one sync turns it into
a pitch with follow-ups, or into the next message of a pitch's thread."""

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import func, select

from crm.mailbox.sync import sync
from crm.models import Contact, FollowUpState, Mailbox, Pitch, PitchStatus
from crm.pitches import services as pitch_services
from tests.conftest import MAILBOX_PASSWORD
from tests.mailbox.conftest import NOW, settings

SYNC_AT = NOW + dt.timedelta(days=1)


def written(mailbox_user, to, subject="Paper Lanterns", body="Hi Ana,\n\nNew single.\n",
            at=NOW, **headers) -> EmailMessage:  # fmt: skip
    message = EmailMessage()
    message["From"] = f"Robin Vale <{mailbox_user}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain="stagedoor.example")  # as a mail client does
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def file_in(dovecot, mailbox_user, folder: str, message) -> None:
    """The artist's mail client files what it sent (IMAP APPEND)."""
    raw = message if isinstance(message, bytes) else message.as_bytes()
    with dovecot.client(mailbox_user) as imap:
        imap.append(folder, raw)


def synced(app, now=SYNC_AT):
    with app.app_context():
        return sync(app.extensions["crm.db"], app.config, now)


def pitches_of(session, contact):
    session.expire_all()
    return session.scalars(
        select(Pitch).where(Pitch.contact_id == contact.id).order_by(Pitch.id)
    ).all()


def test_mail_written_in_the_artists_client_becomes_a_pitch_with_follow_ups(
    app, session, connected, ana, dovecot, mailbox_user
):
    message = written(mailbox_user, "Ana Müller <ANA@label.example>, Someone <x@else.example>")
    file_in(dovecot, mailbox_user, "Sent", message)
    result = synced(app)
    assert result.logged == 1
    (pitch,) = pitches_of(session, ana)
    assert pitch.status == PitchStatus.SENT and pitch.channel.value == "email"
    assert pitch.subject == "Paper Lanterns" and pitch.body.startswith("Hi Ana,")
    assert pitch.sent_at == NOW and pitch.message_id == message["Message-ID"]
    assert [f.due_at - NOW for f in pitch.follow_ups] == [dt.timedelta(days=7),
                                                          dt.timedelta(days=14)]  # fmt: skip
    assert [m.kind.value for m in pitch.messages] == ["pitch"]
    assert session.scalar(select(func.count(Contact.id))) == 1  # the stranger is no contact
    assert synced(app).logged == 0  # a second sync changes nothing
    assert len(pitches_of(session, ana)) == 1


def test_their_reply_to_it_in_the_same_sync_stops_the_follow_ups(
    app, session, connected, ana, dovecot, mailbox_user
):
    message = written(mailbox_user, "ana@label.example")
    file_in(dovecot, mailbox_user, "Sent", message)
    reply = written("ana@label.example", mailbox_user, subject="Re: Paper Lanterns",
                    body="Love it, send the WAV.", at=NOW + dt.timedelta(hours=3),
                    In_Reply_To=message["Message-ID"])  # fmt: skip
    reply.replace_header("From", "Ana Müller <ana@label.example>")
    file_in(dovecot, mailbox_user, "INBOX", reply)
    result = synced(app)
    assert (result.logged, result.replies) == (1, 1)
    (pitch,) = pitches_of(session, ana)
    assert pitch.status == PitchStatus.REPLIED
    assert {f.state for f in pitch.follow_ups} == {FollowUpState.CANCELLED}


def test_stagedoors_own_copy_in_sent_is_not_logged_again(app, session, pitched, ana):
    assert synced(app).logged == 0
    (pitch,) = pitches_of(session, ana)
    assert [m.kind.value for m in pitch.messages] == ["pitch"]


def test_a_follow_up_by_hand_joins_the_thread_and_ticks_off_the_one_due(
    app, session, pitched, ana, dovecot, mailbox_user
):
    six_days_on = NOW + dt.timedelta(days=6)
    chase = written(mailbox_user, "ana@label.example", subject="Re: Paper Lanterns: a new single",
                    body="Hi Ana, did you get a chance to listen?", at=six_days_on,
                    In_Reply_To=pitched.message_id, References=pitched.message_id)  # fmt: skip
    file_in(dovecot, mailbox_user, "Sent", chase)
    assert synced(app, six_days_on + dt.timedelta(hours=1)).logged == 1
    (pitch,) = pitches_of(session, ana)
    assert [m.kind.value for m in pitch.messages] == ["pitch", "follow_up"]
    first, second = pitch.follow_ups
    assert first.state == FollowUpState.DONE
    assert first.state_reason == "you followed up from your mail client"
    assert second.state == FollowUpState.OPEN


def test_a_pitch_logged_by_hand_takes_the_message_instead_of_a_second_pitch(
    app, session, user, connected, ana, dovecot, mailbox_user
):
    logged = pitch_services.create_pitch(
        session, user.account, user, ana, subject="Paper Lanterns", status=PitchStatus.SENT,
        sent_at=NOW - dt.timedelta(hours=1),
    )  # fmt: skip
    session.commit()
    message = written(mailbox_user, "ana@label.example")
    file_in(dovecot, mailbox_user, "Sent", message)
    assert synced(app).logged == 1
    (pitch,) = pitches_of(session, ana)
    assert pitch.id == logged.id and pitch.message_id == message["Message-ID"]


def test_nobody_unknown_nobody_do_not_contact_and_nothing_when_turned_off(
    app, session, user, connected, make_contact, dovecot, mailbox_user
):
    quiet = make_contact(user.account, first_name="Quiet", email="quiet@label.example",
                         do_not_contact=True)  # fmt: skip
    file_in(dovecot, mailbox_user, "Sent", written(mailbox_user, "quiet@label.example"))
    file_in(dovecot, mailbox_user, "Sent", written(mailbox_user, "friend@home.example"))
    file_in(dovecot, mailbox_user, "Sent", b"this is not\r\n\r\nan email at all\xff")
    assert synced(app).logged == 0
    assert pitches_of(session, quiet) == []
    assert session.scalar(select(func.count(Contact.id))) == 1

    ana = make_contact(user.account, first_name="Ana", email="ana@label.example")
    mailbox = session.get(Mailbox, connected.id)
    mailbox.capture_sent = False
    session.commit()
    file_in(dovecot, mailbox_user, "Sent", written(mailbox_user, "ana@label.example"))
    assert synced(app, SYNC_AT + dt.timedelta(minutes=5)).logged == 0
    assert pitches_of(session, ana) == []


def test_the_setting_on_the_page_and_in_the_api(api, logged_in, smtp_server, dovecot, mailbox_user):
    body = settings(smtp_server, dovecot, mailbox_user) | {"password": MAILBOX_PASSWORD}
    assert api.open("PUT", "/api/v1/mailbox", json=body).get_json()["capture_sent"] is True
    off = api.open("PUT", "/api/v1/mailbox", json=body | {"capture_sent": False})
    assert off.status_code == 200 and off.get_json()["capture_sent"] is False
    # A change that does not name it leaves it as it was.
    kept = api.open("PUT", "/api/v1/mailbox", json=body | {"daily_limit": 20}).get_json()
    assert kept["capture_sent"] is False and kept["daily_limit"] == 20

    page = logged_in.get("/mailbox/").get_data(as_text=True)
    assert "Log the mail I send from my own mail client as pitches" in page
    box = (
        page.split('name="capture_sent"')[0].rsplit("<input", 1)[1]
        + page.split('name="capture_sent"')[1].split(">", 1)[0]
    )
    assert "checked" not in box
