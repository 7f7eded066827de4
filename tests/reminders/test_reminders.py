"""Every due follow-up is reminded exactly once, over a real SMTP server."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import update

from crm.db import utcnow
from crm.models import Account, FollowUp, FollowUpState, PitchStatus, User
from crm.pitches import services as pitch_services
from crm.reminders import passes
from crm.reminders.passes import LEASE, claim, send_digests, send_due, unsubscribe_token
from tests.conftest import Outbox, free_port

NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def inbox(app):
    handler = Outbox()  # the same handler as the mailbox tests', without AUTH here
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER="Stagedoor <reminders@stagedoor.example>",
    )
    yield handler
    controller.stop()


def pitched(session, user, contact, due_at: dt.datetime = NOW):
    """A pitch sent to `contact` 7 days before `due_at`, so its first follow-up is due
    then (not committed)."""
    return pitch_services.create_pitch(
        session,
        user.account,
        user,
        contact,
        subject="Hi",
        status=PitchStatus.SENT,
        now=due_at - dt.timedelta(days=7),
    )


@pytest.fixture
def due(session, user, make_contact):
    """A follow-up due at NOW."""
    pitch = pitched(session, user, make_contact(user.account, first_name="Ana", last_name="Okafor"))
    session.commit()
    return pitch.follow_ups[0]


def command_env(app, database_url: str, **more: str) -> dict[str, str]:
    """The environment of a `flask --app crm ...` process on the test's database and inbox."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        **more,
    }


def run_pass(app, now=NOW):
    with app.app_context():
        return send_due(app.extensions["crm.db"], app.config, now)


def test_a_due_follow_up_is_reminded_once(app, inbox, due, session, user):
    result = run_pass(app)
    assert (result.sent_emails, result.reminded) == (1, 1)
    [message] = inbox.messages
    assert message["To"] == user.email
    assert message["From"] == "Stagedoor <reminders@stagedoor.example>"
    assert message["Subject"] == "1 follow-up due: Ana Okafor"
    assert message["Date"] and message["Message-ID"].endswith("@stagedoor.example>")
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/reminders/unsubscribe/")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"/follow-ups/{due.id}" in text and f"/follow-ups/{due.id}" in html
    assert run_pass(app).sent_emails == 0
    assert run_pass(app, NOW + dt.timedelta(hours=1)).sent_emails == 0
    session.expire_all()
    assert session.get(FollowUp, due.id).reminded_at == NOW


def test_nothing_is_sent_before_it_is_due(app, inbox, due):
    assert run_pass(app, NOW - dt.timedelta(minutes=1)).sent_emails == 0
    assert inbox.messages == []


def test_two_passes_at_once_in_threads_send_once(app, inbox, session, user, make_contact):
    for i in range(30):
        pitched(session, user, make_contact(user.account, first_name=f"C{i}"))
    session.commit()
    results = []
    threads = [threading.Thread(target=lambda: results.append(run_pass(app))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.reminded for r in results) == 30
    reminded = [
        line
        for m in inbox.messages
        for line in m.get_body(("plain",)).get_content().splitlines()
        if line.startswith("- Follow up")
    ]
    assert len(reminded) == 30 and len(set(reminded)) == 30


@pytest.mark.slow
def test_two_passes_in_separate_processes_send_once(app, inbox, due, database_url):
    env = command_env(app, database_url)
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "crm",
        "reminders",
        "send-due",
        "--now",
        NOW.isoformat(),
    ]
    runs = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert len(inbox.messages) == 1


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.slow
def test_the_worker_process_reminds_what_falls_due_while_it_runs(
    app, inbox, database_url, session, user, make_contact, tmp_path
):
    """`flask --app crm worker` as it runs beside the web server: it catches up at once on
    what came due while it was stopped, then finds each new due follow-up on its next
    round, and never reminds one twice."""
    env = command_env(app, database_url, REMINDER_INTERVAL_SECONDS="1")

    def pitch_due_a_minute_ago(first_name: str, last_name: str) -> None:
        contact = make_contact(user.account, first_name=first_name, last_name=last_name)
        pitched(session, user, contact, due_at=utcnow() - dt.timedelta(minutes=1))
        session.commit()

    pitch_due_a_minute_ago("Ana", "Okafor")  # came due while the worker was stopped
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "crm", "worker"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: len(inbox.messages) == 1), log.read_text()
        assert inbox.messages[0]["Subject"] == "1 follow-up due: Ana Okafor"

        pitch_due_a_minute_ago("Bea", "Lund")  # while the worker runs
        assert wait_for(lambda: len(inbox.messages) == 2), log.read_text()
        assert inbox.messages[1]["Subject"] == "1 follow-up due: Bea Lund"

        time.sleep(3)  # three more rounds
        assert len(inbox.messages) == 2
        assert worker.poll() is None, log.read_text()
    finally:
        worker.send_signal(signal.SIGTERM)  # systemd's stop, make run's: between rounds
        try:
            assert worker.wait(timeout=30) == 0, log.read_text()
        finally:
            if worker.poll() is None:  # never left behind to remind another test's data
                worker.kill()
                worker.wait()


def test_a_pass_that_died_after_claiming_gives_back_after_the_lease(app, inbox, due):
    with app.app_context():
        with app.extensions["crm.db"]() as session:
            assert claim(session, NOW) is not None  # ... and then the process died
    assert run_pass(app, NOW + dt.timedelta(minutes=1)).sent_emails == 0
    assert run_pass(app, NOW + LEASE + dt.timedelta(seconds=1)).sent_emails == 1
    assert len(inbox.messages) == 1


def test_smtp_down_then_up_is_retried_and_sent_once(app, inbox, due, session):
    up_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    result = run_pass(app)
    assert result.sent_emails == 0 and result.failed
    session.expire_all()
    follow_up = session.get(FollowUp, due.id)
    assert follow_up.reminder_attempts == 1 and follow_up.reminded_at is None
    assert follow_up.next_attempt_at == NOW + passes.backoff(1)
    app.config["MAIL_PORT"] = up_port
    assert run_pass(app, NOW + dt.timedelta(seconds=30)).sent_emails == 0  # backing off
    assert run_pass(app, NOW + dt.timedelta(minutes=2)).sent_emails == 1
    assert run_pass(app, NOW + dt.timedelta(minutes=10)).sent_emails == 0
    assert len(inbox.messages) == 1


def test_repeated_failures_show_on_the_dashboard(app, due, session, logged_in):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    moment = NOW
    for _ in range(3):
        run_pass(app, moment)
        moment += dt.timedelta(hours=7)
    page = logged_in.get("/").get_data(as_text=True)
    assert "Reminder emails are failing" in page


def test_a_refused_recipient_does_not_block_or_double_the_others(app, inbox, due, session, user):
    colleague = User(
        account_id=user.account_id, email="manager@example.com", name="M", password_hash="x"
    )
    session.add(colleague)
    session.commit()
    inbox.refuse["manager@example.com"] = "550 5.1.1 No such user"
    assert run_pass(app).sent_emails == 1
    assert run_pass(app, NOW + dt.timedelta(hours=1)).sent_emails == 0
    [message] = inbox.messages
    assert message.recipients == [user.email]


def test_a_follow_up_done_between_claim_and_send_is_not_reminded(app, inbox, due, session):
    with app.app_context():
        with app.extensions["crm.db"]() as other:
            token = claim(other, NOW)
    follow_up = session.get(FollowUp, due.id)
    follow_up.state = FollowUpState.DONE
    session.commit()
    with app.app_context():
        result = passes.PassResult()
        passes._send_claimed(
            app.extensions["crm.db"],
            app.config,
            passes.SmtpSettings.from_config(app.config),
            token,
            NOW,
            result,
        )
    assert inbox.messages == [] and result.reminded == 0


def test_reminders_off_means_no_email(app, inbox, due, session, user):
    user.account.reminders_enabled = False
    session.commit()
    assert run_pass(app).sent_emails == 0


@pytest.mark.parametrize(
    ("now", "sent"),
    [
        (dt.datetime(2026, 3, 28, 7, 30, tzinfo=dt.UTC), False),  # 07:30 GMT, before 08:00
        (dt.datetime(2026, 3, 28, 8, 30, tzinfo=dt.UTC), True),  # 08:30 GMT
        (dt.datetime(2026, 3, 29, 7, 30, tzinfo=dt.UTC), True),  # 08:30 BST, after the change
    ],
)
def test_the_daily_digest_follows_the_local_hour_across_dst(
    app, inbox, due, session, user, now, sent
):
    user.account.timezone, user.account.digest_enabled = "Europe/London", True
    user.account.digest_hour = 8
    session.commit()
    with app.app_context():
        count = send_digests(app.extensions["crm.db"], app.config, now)
        again = send_digests(app.extensions["crm.db"], app.config, now + dt.timedelta(hours=3))
    assert count == (1 if sent else 0)
    assert again == (0 if sent else 1)  # one a day; a late worker catches up once


def test_unsubscribe_link_works_without_login_and_only_for_its_account(
    app, session, user, make_user
):
    other = make_user("other@example.com")
    client = app.test_client()
    token = unsubscribe_token(app.config["SECRET_KEY"], user.account_id)
    forged = unsubscribe_token("not-the-key", other.account_id)
    assert client.post(f"/reminders/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/reminders/unsubscribe/{token}x").status_code == 404
    assert client.post(f"/reminders/unsubscribe/{token}").status_code == 200
    session.expire_all()
    assert user.account.reminders_enabled is False
    assert session.get(type(other.account), other.account_id).reminders_enabled is True


def test_calendar_feed_parses_and_can_be_revoked(logged_in, app, due, session, user):
    logged_in.submit("/reminders/calendar", {"action": "new"})
    session.expire_all()
    token = user.account.calendar_token
    feed = app.test_client().get(f"/reminders/calendar/{token}.ics")
    assert feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 2 and str(events[0]["SUMMARY"]) == "Follow up with Ana Okafor"
    logged_in.submit("/reminders/calendar", {"action": "off"})
    assert app.test_client().get(f"/reminders/calendar/{token}.ics").status_code == 404


def test_test_email_command(runner, inbox, app):
    result = runner.invoke(args=["reminders", "test-email", "me@example.com"])
    assert result.exit_code == 0, result.output
    assert inbox.messages[0]["Subject"] == "Stagedoor test email"
    app.config["MAIL_PORT"] = free_port()
    result = runner.invoke(args=["reminders", "test-email", "me@example.com"])
    assert result.exit_code == 1 and "Sending failed: Could not talk to" in result.output


def test_reminder_settings_page(logged_in, session, user):
    response = logged_in.submit(
        "/reminders/settings",
        {
            "reminders_enabled": "y",
            "digest_enabled": "y",
            "digest_hour": "7",
            "timezone": "Europe/Berlin",
            "cadence": "3,7,14",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    account = user.account
    assert (
        account.digest_enabled,
        account.digest_hour,
        account.timezone,
        account.cadence_days,
    ) == (True, 7, "Europe/Berlin", [3, 7, 14])


def test_an_account_gets_one_email_listing_everything_due(
    app, inbox, session, user, make_contact, make_user
):
    other = make_user("second@example.com")
    for owner in (user, other, user, other) * 3:
        pitched(session, owner, make_contact(owner.account, first_name="C"))
    session.commit()
    result = run_pass(app)
    assert (result.sent_emails, result.reminded) == (2, 12)
    assert sorted(m["To"] for m in inbox.messages) == sorted([user.email, other.email])


def poisoned(session, make_user, make_contact) -> FollowUp:
    """A due follow-up of an account whose stored time zone no longer exists (written
    straight to the database, as an old version or a hand edit could): composing its email
    fails."""
    owner = make_user("poisoned@example.com")
    pitch = pitched(session, owner, make_contact(owner.account, first_name="Zed"))
    session.flush()
    session.execute(
        update(Account).where(Account.id == owner.account_id).values(timezone="Mars/Olympus")
    )
    session.commit()
    return pitch.follow_ups[0]


def test_a_follow_up_stored_at_year_1_west_of_utc_is_still_reminded(
    app, inbox, session, make_user, make_contact
):
    """Year 1 in Los Angeles is before the calendar Python can hold: it used to end the
    whole pass with an OverflowError."""
    owner = make_user("west@example.com", timezone="America/Los_Angeles")
    pitch = pitched(session, owner, make_contact(owner.account, first_name="Zed"))
    session.flush()
    session.execute(
        update(FollowUp)
        .where(FollowUp.id == pitch.follow_ups[0].id)
        .values(due_at=dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    )
    session.commit()
    assert run_pass(app).sent_emails == 1


def test_a_poisoned_account_never_stops_the_others_reminders(
    app, inbox, session, make_user, make_contact
):
    bad = poisoned(session, make_user, make_contact)
    others = [make_user(f"artist{i}@example.com") for i in range(3)]
    for other in others:
        pitched(session, other, make_contact(other.account, first_name="Ana"))
    session.commit()
    result = run_pass(app)
    assert sorted(m["To"] for m in inbox.messages) == sorted(o.email for o in others)
    assert result.failed and result.failed[0][0] == bad.account_id
    session.expire_all()
    follow_up = session.get(FollowUp, bad.id)
    assert follow_up.claim_token is None and follow_up.reminder_attempts == 1
    assert follow_up.reminder_error  # said why, and tried again later with a delay
    assert run_pass(app, NOW + dt.timedelta(seconds=5)).sent_emails == 0


def test_send_due_exits_0_when_one_account_fails(
    app, inbox, session, make_user, make_contact, runner, user
):
    poisoned(session, make_user, make_contact)
    pitched(session, user, make_contact(user.account, first_name="Ana"))
    session.commit()
    result = runner.invoke(args=["reminders", "send-due", "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "sent 1 emails" in result.output and "1 failed" in result.output
    assert len(inbox.messages) == 1


def test_three_digest_passes_at_once_send_each_account_one(
    app, inbox, session, make_user, make_contact
):
    owners = [make_user(f"digest{i}@example.com", timezone="UTC") for i in range(6)]
    for owner in owners:
        owner.account.digest_enabled, owner.account.digest_hour = True, 8
        pitched(session, owner, make_contact(owner.account, first_name="Ana"))
    session.commit()
    at = NOW.replace(hour=9)
    barrier = threading.Barrier(3)

    def one_pass() -> None:
        barrier.wait()
        with app.app_context():
            send_digests(app.extensions["crm.db"], app.config, at)

    threads = [threading.Thread(target=one_pass) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(m["To"] for m in inbox.messages) == sorted(o.email for o in owners)


def test_one_accounts_failing_digest_never_stops_the_others(
    app, inbox, session, make_user, make_contact
):
    bad = poisoned(session, make_user, make_contact)
    good = make_user("good@example.com", timezone="UTC")
    session.execute(
        update(Account)
        .where(Account.id.in_([bad.account_id, good.account_id]))
        .values(digest_enabled=True, digest_hour=0)
    )
    pitched(session, good, make_contact(good.account, first_name="Ana"))
    session.commit()
    with app.app_context():
        assert send_digests(app.extensions["crm.db"], app.config, NOW) >= 1
    assert good.email in [m["To"] for m in inbox.messages]


def test_the_digest_tells_what_came_back_since_yesterday(app, inbox, session, user, make_contact):
    """Replies the inbox sync read yesterday and today are in the morning's digest, even
    on a day with no follow-up due; older ones are not."""
    from crm.models import Direction, MessageKind, PitchMessage

    user.account.timezone, user.account.digest_enabled, user.account.digest_hour = "UTC", True, 8
    pitch = pitched(
        session, user, make_contact(user.account, first_name="Cleo"), NOW + dt.timedelta(days=30)
    )
    for days_ago, kind, text in ((0.5, MessageKind.REPLY, "Love it, send the EP"),
                                 (1.2, MessageKind.AUTO_REPLY, "Out of office until Monday"),
                                 (3, MessageKind.REPLY, "An old answer")):  # fmt: skip
        session.add(
            PitchMessage(
                account_id=user.account_id, pitch_id=pitch.id, direction=Direction.IN,
                kind=kind, at=NOW - dt.timedelta(days=days_ago), text=text,
            )
        )  # fmt: skip
    session.commit()
    morning = NOW.replace(hour=9, minute=0)
    with app.app_context():
        assert send_digests(app.extensions["crm.db"], app.config, morning) == 1
    message = inbox.messages[-1]
    assert message["Subject"] == "Today: 2 answers came back"
    text = message.get_body(("plain",)).get_content()
    assert 'Cleo replied: "Love it, send the EP"' in text
    assert "Cleo answered automatically (away)" in text
    assert "An old answer" not in text
