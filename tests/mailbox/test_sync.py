"""Replies, out-of-office answers and bounces delivered to the artist's real (Dovecot)
inbox become pitch history in one sync, and follow-ups stop or move by themselves."""

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.mailbox.sync import sync
from crm.models import Contact, ContactNote, EmailStatus, FollowUpState, Pitch, PitchStatus
from tests.mailbox.conftest import NOW, draft

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def deliver(dovecot, mailbox_user, name: str, pitch: Pitch) -> None:
    """The message arrives in the artist's inbox (IMAP APPEND into Dovecot)."""
    text = (FIXTURES / name).read_text()
    text = text.replace("{ARTIST}", mailbox_user).replace("{PITCH_ID}", pitch.message_id)
    with dovecot.client(mailbox_user) as imap:
        imap.append("INBOX", text.replace("\n", "\r\n").encode())


def synced(app):
    with app.app_context():
        return sync(app.extensions["crm.db"], app.config, NOW + dt.timedelta(days=1))


def reload(session, pitch):
    session.expire_all()
    return session.get(Pitch, pitch.id)


def test_a_reply_by_its_headers_moves_the_pitch_to_replied_and_stops_follow_ups(
    app, session, pitched, dovecot, mailbox_user
):
    deliver(dovecot, mailbox_user, "gmail_reply.eml", pitched)
    result = synced(app)
    assert result.replies == 1
    pitch = reload(session, pitched)
    assert pitch.status == PitchStatus.REPLIED
    assert {f.state for f in pitch.follow_ups} == {FollowUpState.CANCELLED}
    reply = pitch.messages[-1]
    assert reply.kind.value == "reply" and reply.direction.value == "in"
    assert reply.text.startswith("Love it, Robin.") and "wrote:" not in reply.text
    assert synced(app).read == 0  # a second sync changes nothing


def test_a_reply_without_headers_is_matched_by_its_sender_and_html_is_text(
    app, session, pitched, dovecot, mailbox_user
):
    deliver(dovecot, mailbox_user, "apple_reply_no_headers.eml", pitched)
    assert synced(app).replies == 1
    pitch = reload(session, pitched)
    assert pitch.status == PitchStatus.REPLIED
    text = pitch.messages[-1].text
    assert "heard it twice" in text and "<" not in text and "alert" not in text


@pytest.mark.parametrize(
    ("fixture", "back"),
    [("outlook_ooo_de.eml", dt.date(2026, 4, 10)), ("yahoo_ooo_fr.eml", dt.date(2026, 4, 6))],
)
def test_an_out_of_office_with_a_return_date_moves_the_follow_ups_after_it(
    app, session, pitched, dovecot, mailbox_user, fixture, back
):
    deliver(dovecot, mailbox_user, fixture, pitched)
    assert synced(app).auto_replies == 1
    pitch = reload(session, pitched)
    assert pitch.status == PitchStatus.SENT  # not a reply
    first, second = pitch.follow_ups
    assert first.state == FollowUpState.OPEN
    # The next working day after the return date (10 April 2026 is a Friday: Monday 13th).
    expected = {
        dt.date(2026, 4, 10): dt.date(2026, 4, 13),
        dt.date(2026, 4, 6): dt.date(2026, 4, 7),
    }
    assert first.due_at.date() == expected[back] and second.due_at.date() == expected[back]
    note = session.scalars(select(ContactNote)).all()[-1]
    assert "Out of office until" in note.body


def test_an_out_of_office_without_a_date_is_logged_and_moves_nothing(
    app, session, pitched, dovecot, mailbox_user
):
    due = [f.due_at for f in pitched.follow_ups]
    deliver(dovecot, mailbox_user, "ooo_es_no_date.eml", pitched)
    assert synced(app).auto_replies == 1
    pitch = reload(session, pitched)
    assert [f.due_at for f in pitch.follow_ups] == due and pitch.status == PitchStatus.SENT
    assert pitch.messages[-1].kind.value == "auto_reply"


def test_a_hard_bounce_marks_the_pitch_and_the_address_and_stops_follow_ups(
    app, api, session, pitched, dovecot, mailbox_user, user
):
    deliver(dovecot, mailbox_user, "postfix_bounce.eml", pitched)
    assert synced(app).bounces == 1
    pitch = reload(session, pitched)
    assert pitch.status == PitchStatus.BOUNCED and "5.1.1" in pitch.delivery_error
    assert session.get(Contact, pitch.contact_id).email_status == EmailStatus.BOUNCED
    assert {f.state for f in pitch.follow_ups} == {FollowUpState.CANCELLED}
    again = draft(session, user, session.get(Contact, pitch.contact_id))
    assert api.post(f"/api/v1/pitches/{again.id}/send").status_code == 422


def test_a_bounce_in_exims_plain_text_format_is_found_too(
    app, session, pitched, dovecot, mailbox_user
):
    deliver(dovecot, mailbox_user, "exim_bounce.eml", pitched)
    assert synced(app).bounces == 1
    assert reload(session, pitched).status == PitchStatus.BOUNCED


@pytest.mark.parametrize(
    ("sender", "subject", "bounce"),
    [
        ("Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
         "Delivery Status Notification (Failure)", True),
        ("Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@label.example>",
         "Undeliverable: Paper Lanterns", True),
        ("MAILER-DAEMON@yahoo.com", "Failure Notice", True),
        ("postmaster@label.example", "Unzustellbar: Paper Lanterns", True),
        # The subject as it travels, in encoded words: read as the person would read it.
        ("Outlook <outlook@label.example>", "=?utf-8?q?Non_remis=C2=A0:_Paper_Lanterns?=", True),
        ("Music Weekly <news@musicweekly.example>", "This week in indie", False),
        ("friend@home.example", "Dinner on Friday?", False),
    ],
)  # fmt: skip
def test_only_what_may_be_a_bounce_is_read_past_its_headers(sender, subject, bounce):
    """A stranger's message outside every thread is passed over unread (the inbox is mostly
    newsletters), unless its headers say it may be a delivery report."""
    from crm.mailbox.classify import could_be_a_bounce, read_headers

    headers = read_headers(f"From: {sender}\r\nSubject: {subject}\r\n\r\nbody".encode())
    assert could_be_a_bounce(headers) is bounce


def test_a_soft_bounce_is_logged_and_nothing_else(app, session, pitched, dovecot, mailbox_user):
    deliver(dovecot, mailbox_user, "soft_bounce.eml", pitched)
    synced(app)
    pitch = reload(session, pitched)
    assert pitch.status == PitchStatus.SENT
    assert session.get(Contact, pitch.contact_id).email_status == EmailStatus.OK
    assert pitch.messages[-1].kind.value == "bounce"


def test_strangers_newsletters_and_a_malformed_message_among_good_ones(
    app, session, pitched, dovecot, mailbox_user
):
    for name in ("newsletter.eml", "malformed.eml", "gmail_reply.eml"):
        deliver(dovecot, mailbox_user, name, pitched)
    result = synced(app)
    assert result.replies == 1 and result.read == 1
    assert reload(session, pitched).status == PitchStatus.REPLIED


def test_two_syncs_at_once_apply_each_message_once(app, session, pitched, dovecot, mailbox_user):
    deliver(dovecot, mailbox_user, "gmail_reply.eml", pitched)
    barrier = threading.Barrier(2)
    results = []

    def one():
        barrier.wait()
        results.append(synced(app))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.replies for r in results) == 1
    assert [m.kind.value for m in reload(session, pitched).messages] == ["pitch", "reply"]


def test_a_uidvalidity_change_reads_again_without_applying_twice(
    app, session, pitched, dovecot, mailbox_user, connected
):
    deliver(dovecot, mailbox_user, "gmail_reply.eml", pitched)
    assert synced(app).replies == 1
    session.expire_all()
    mailbox = session.get(type(connected), connected.id)
    mailbox.inbox_uidvalidity = 1  # as if the server had renumbered the folder
    session.commit()
    assert synced(app).replies == 0
    assert len(reload(session, pitched).messages) == 2


def test_the_sync_command_and_another_accounts_mailbox(
    app, runner, session, pitched, dovecot, mailbox_user, user
):
    deliver(dovecot, mailbox_user, "gmail_reply.eml", pitched)
    result = runner.invoke(args=["mailbox", "sync", "--user", user.email])
    assert result.exit_code == 0, result.output
    assert "1 replies" in result.output


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Paper Lanterns", "Automatic reply: Paper Lanterns",
        "Abwesenheitsnotiz: Paper Lanterns", "Réponse automatique : Paper Lanterns",
        "Respuesta automática: Paper Lanterns", "Resposta automática: Paper Lanterns",
        "Risposta automatica: Paper Lanterns", "Afwezig: Paper Lanterns",
    ],
)  # fmt: skip
def test_out_of_office_subjects_in_seven_languages_are_automatic(subject):
    from email.message import EmailMessage

    from crm.mailbox.classify import Kind, classify

    message = EmailMessage()
    message["From"], message["Subject"] = "ana@label.example", subject
    message.set_content("Away.")
    assert classify(message).kind == Kind.AUTO_REPLY


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("I am back on 12 January 2027.", dt.date(2027, 1, 12)),
        ("Out until 12/01/2027, limited access to email.", dt.date(2027, 1, 12)),
        ("Ich bin bis zum 12.01.2027 im Urlaub.", dt.date(2027, 1, 12)),
        ("Sono fuori sede fino al 12 gennaio 2027.", dt.date(2027, 1, 12)),
        ("Ik ben afwezig tot en met 12 januari 2027.", dt.date(2027, 1, 12)),
        ("Estou de férias até 12 de janeiro de 2027.", dt.date(2027, 1, 12)),
        ("On holiday, replies soon.", None),
    ],
)
def test_a_return_date_is_read_in_the_common_languages(text, back):
    from crm.mailbox.classify import return_date

    assert return_date(text, dt.datetime(2026, 12, 20, tzinfo=dt.UTC)) == back


def test_a_message_over_the_size_cap_is_skipped_with_a_note(
    app, session, pitched, dovecot, mailbox_user, monkeypatch
):
    from crm.mailbox import sync as sync_module

    monkeypatch.setattr(sync_module, "MAX_MESSAGE_BYTES", 1024 * 1024)
    text = (FIXTURES / "gmail_reply.eml").read_text()
    text = text.replace("{ARTIST}", mailbox_user).replace("{PITCH_ID}", pitched.message_id)
    with dovecot.client(mailbox_user) as imap:
        imap.append("INBOX", (text + "x" * 2_000_000).replace("\n", "\r\n").encode())
    result = synced(app)
    assert result.read == 0 and "over 1,048,576 bytes" in result.skipped[0]
    assert reload(session, pitched).status == PitchStatus.SENT


def test_large_messages_are_fetched_a_few_at_a_time_and_all_are_read(
    app, session, pitched, dovecot, mailbox_user, monkeypatch
):
    """A batch's whole messages are fetched in groups bounded in bytes (here one a group),
    across batches (here of two): none is left out, none read twice."""
    from crm.mailbox import sync as sync_module

    monkeypatch.setattr(sync_module, "FETCHED_BYTES", 1)
    monkeypatch.setattr(sync_module, "BATCH", 2)
    for name in ("newsletter.eml", "outlook_ooo_de.eml", "gmail_reply.eml"):
        deliver(dovecot, mailbox_user, name, pitched)
    result = synced(app)
    assert (result.auto_replies, result.replies, result.read) == (1, 1, 2)
    assert reload(session, pitched).status == PitchStatus.REPLIED
    assert synced(app).read == 0


def test_the_dashboard_shows_new_replies_with_one_click_outcomes(
    app, logged_in, session, pitched, dovecot, mailbox_user
):
    deliver(dovecot, mailbox_user, "gmail_reply.eml", pitched)
    synced(app)
    page = logged_in.get("/").get_data(as_text=True)
    assert "New replies" in page and "Love it, Robin." in page
    logged_in.submit(f"/pitches/{pitched.id}/status", {"status": "interested", "next": "/"})
    assert reload(session, pitched).status == PitchStatus.INTERESTED
