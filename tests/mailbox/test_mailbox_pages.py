"""The artist connects their mailbox on its page, composes a pitch, sends it from their own
address, sees it queued on the dashboard, holds one, and reads the thread on the pitch."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm.db import utcnow
from crm.models import Mailbox, Pitch, PitchStatus
from tests.conftest import MAILBOX_PASSWORD
from tests.mailbox.conftest import run


def page_settings(smtp_server, dovecot, address: str, password: str = MAILBOX_PASSWORD) -> dict:
    return {
        "preset": "", "display_name": "Robin Vale", "email": address, "username": address,
        "password": password, "smtp_host": "127.0.0.1", "smtp_port": str(smtp_server.port),
        "smtp_security": "none", "imap_host": "127.0.0.1", "imap_port": str(dovecot.port),
        "imap_security": "none", "daily_limit": "50", "min_gap_seconds": "0",
        "days": ["1", "2", "3", "4", "5", "6", "7"], "start": "00:00", "end": "23:59",
    }  # fmt: skip


def test_connecting_on_the_page_and_a_refusal_in_the_servers_words(
    logged_in, smtp_server, dovecot, mailbox_user, session
):
    wrong = logged_in.submit(
        "/mailbox/", page_settings(smtp_server, dovecot, mailbox_user, password="nope")
    )
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "The SMTP server said: 535" in page
    assert f'value="{mailbox_user}"' in page  # what was typed is kept
    assert session.scalar(select(Mailbox.id)) is None
    right = logged_in.submit(
        "/mailbox/", page_settings(smtp_server, dovecot, mailbox_user), follow_redirects=True
    )
    assert "both servers accepted the login" in right.get_data(as_text=True)
    assert MAILBOX_PASSWORD not in logged_in.get("/mailbox/").get_data(as_text=True)


def test_the_test_email_goes_to_the_artist_from_their_mailbox(
    logged_in, connected, smtp_server, mailbox_user
):
    page = logged_in.submit("/mailbox/test", follow_redirects=True).get_data(as_text=True)
    assert f"Sent a test email to {mailbox_user}" in page
    [message] = smtp_server.messages
    assert message["To"] == f"Robin Vale <{mailbox_user}>" or mailbox_user in message["To"]


def test_compose_send_queue_hold_and_the_thread(
    app, logged_in, session, user, connected, ana, smtp_server
):
    connected.send_window = {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"}
    session.commit()
    composed = logged_in.submit(
        f"/pitches/new?contact_id={ana.id}",
        {"contact_id": str(ana.id), "subject": "Paper Lanterns", "body": "Hi Ana, a song.",
         "channel": "email", "action": "send_now"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Queued: it goes out from your mailbox" in composed.get_data(as_text=True)
    pitch = session.scalars(select(Pitch)).one()
    assert pitch.status == PitchStatus.SCHEDULED
    dashboard = logged_in.get("/").get_data(as_text=True)
    assert "Going out from your mailbox" in dashboard and "Paper Lanterns" in dashboard
    logged_in.submit(f"/pitches/{pitch.id}/hold", {"next": "/"})
    session.expire_all()
    assert session.get(Pitch, pitch.id).status == PitchStatus.DRAFT
    logged_in.submit(f"/pitches/{pitch.id}/send", {"send_at": ""})
    assert run(app, utcnow() + dt.timedelta(seconds=1)).sent == 1
    shown = logged_in.get(f"/pitches/{pitch.id}").get_data(as_text=True)
    assert "The thread" in shown and "Hi Ana, a song." in shown
    assert smtp_server.messages[0]["Subject"] == "Paper Lanterns"


def test_a_contact_without_an_email_cannot_be_sent_and_nothing_is_saved(
    logged_in, session, user, connected, make_contact
):
    nobody = make_contact(user.account, first_name="Nadia")
    response = logged_in.submit(
        f"/pitches/new?contact_id={nobody.id}",
        {"contact_id": str(nobody.id), "subject": "Hi", "body": "A song.", "channel": "email",
         "action": "send_now"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "has no email address" in response.get_data(as_text=True)
    assert session.scalars(select(Pitch)).all() == []


def test_a_bulk_pitch_of_20_after_editing_one_goes_out_paced_and_skips_who_it_must(
    app, logged_in, session, user, connected, make_contact, smtp_server, dovecot, mailbox_user
):
    from crm.models import EmailTemplate

    # Tomorrow only, all day: the 20 slots, planned from the real clock, fall in one day's
    # window whatever the time of the run.
    tomorrow = dt.datetime.now(ZoneInfo(user.account.timezone)) + dt.timedelta(days=1)
    connected.send_window = {"days": [tomorrow.isoweekday()], "start": "00:00", "end": "23:59"}
    connected.min_gap_seconds = 60
    session.commit()
    people = [
        make_contact(user.account, first_name=f"Curator{i:02d}", email=f"c{i}@playlists.example")
        for i in range(20)
    ]
    nobody = make_contact(user.account, first_name="Nomail")
    quiet = make_contact(user.account, first_name="Quiet", email="q@x.example",
                         do_not_contact="yes")  # fmt: skip
    template = session.scalars(select(EmailTemplate).order_by(EmailTemplate.id)).first()
    query = {"contact_id": [str(c.id) for c in [*people, nobody, quiet]],
             "template_id": str(template.id)}  # fmt: skip
    review = logged_in.get("/pitches/bulk", query_string=query).get_data(as_text=True)
    assert "2 will be skipped" in review
    assert "Nomail: no email address" in review and "Quiet: marked do-not-contact" in review
    assert f"Send 20 emails from {mailbox_user}" in review
    assert "To: c7@playlists.example" in review
    first = people[0]
    sent = logged_in.submit(
        "/pitches/bulk",
        {**query, "action": "mailbox", f"subject-{first.id}": "Just for you",
         f"body-{first.id}": "A personal note, Curator00."},
        follow_redirects=True,
    )  # fmt: skip
    assert "Queued 20 emails" in sent.get_data(as_text=True)
    pitches = session.scalars(select(Pitch).order_by(Pitch.send_at)).all()
    assert len(pitches) == 20 and all(p.status == PitchStatus.SCHEDULED for p in pitches)
    gaps = {(b.send_at - a.send_at).total_seconds() for a, b in itertools.pairwise(pitches)}
    assert gaps == {60.0}  # a human pace, not a burst
    start = pitches[0].send_at
    assert run(app, start).sent == 1 and run(app, start + dt.timedelta(seconds=30)).sent == 0
    for minute in range(1, 20):
        run(app, start + dt.timedelta(minutes=minute))
    assert len(smtp_server.messages) == 20
    edited = next(m for m in smtp_server.messages if m.recipients == ["c0@playlists.example"])
    assert edited["Subject"] == "Just for you"
    assert "A personal note" in edited.get_body(("plain",)).get_content()
    with dovecot.client(mailbox_user) as imap:
        imap.select_folder("Sent")
        assert len(imap.search()) == 20
