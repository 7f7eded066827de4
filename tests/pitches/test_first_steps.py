"""A new account's dashboard: a checklist of the first steps that ticks itself as the
artist takes them, the one next action in front, and no empty chart."""

from crm.models import Mailbox, Security


def first_steps(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page[page.find('id="first-steps-heading"') : page.find("Hide these steps")]


def test_a_new_account_follows_the_checklist_to_its_first_pitch(logged_in, session, user):
    page = logged_in.get("/").get_data(as_text=True)
    assert "0 of 5 done" in page
    assert ">Import your contacts</a>" in page and ">New pitch</a>" not in page
    assert 'id="funnel-chart"' not in page  # no 0-to-1 chart of nothing
    assert "Once pitches go out" in page

    contact = logged_in.submit(
        "/contacts/new", {"first_name": "Ana", "email": "ana@bluebird.example"}
    )
    assert contact.status_code == 302
    steps = first_steps(logged_in)
    assert (
        "1 of 5 done" in steps
        and 'Bring in your contacts</span><span class="visually-hidden"> (done)' in steps
    )
    assert ">New pitch</a>" in logged_in.get("/").get_data(as_text=True)

    assert (
        logged_in.submit("/releases/", {"title": "Night Drive", "kind": "single"}).status_code
        == 302
    )
    session.add(
        Mailbox(
            user_id=user.id, account_id=user.account_id, email=user.email, smtp_host="smtp.example",
            smtp_port=465, smtp_security=Security.SSL, imap_host="imap.example", imap_port=993,
            imap_security=Security.SSL, username=user.email, password_encrypted="x",
        )
    )  # fmt: skip
    session.commit()
    assert "3 of 5 done" in first_steps(logged_in)

    contact_id = contact.headers["Location"].rstrip("/").split("/")[-1]
    sent = logged_in.submit(
        "/pitches/new",
        {"action": "send", "contact_id": contact_id, "subject": "Night Drive", "body": "Hi"},
    )
    assert sent.status_code == 302
    assert "4 of 5 done" in first_steps(logged_in)

    saved = logged_in.submit("/reminders/settings", {"reminders_enabled": "y", "cadence": "7,14"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = logged_in.get("/").get_data(as_text=True)
    assert "First steps" not in page  # all taken: the checklist goes
    assert 'id="funnel-chart"' in page


def test_the_checklist_can_be_hidden(logged_in):
    assert "First steps" in logged_in.get("/").get_data(as_text=True)
    hidden = logged_in.submit("/first-steps/hide")
    assert hidden.status_code == 302
    assert "First steps" not in logged_in.get("/").get_data(as_text=True)


def test_moments_are_said_one_way_on_every_page():
    """Near moments relative to today, the rest as a date: one format per kind of date."""
    import datetime as dt

    from crm.filters import describe_moment

    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)

    def said(**delta):
        return describe_moment(now + dt.timedelta(**delta), "Europe/Berlin", now)

    assert said(hours=2) == "today, 15:00"
    assert said(days=1) == "tomorrow, 13:00"
    assert said(days=-1) == "yesterday, 13:00"
    assert said(days=3) == "in 3 days, Fri 13:00"
    assert said(days=-4) == "4 days ago"
    assert said(days=53) == "23 Jan 2027"
    assert describe_moment(dt.datetime(1, 1, 1, tzinfo=dt.UTC), "America/New_York", now)
