"""Pitches move through their statuses; follow-ups fall due on the cadence and stop the
moment someone replies."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.contacts.fields import FieldError
from crm.models import FollowUp, FollowUpState, Pitch, PitchStatus
from crm.pitches import dashboard, services
from crm.releases.services import clean_isrc, clean_upc, create_release

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)  # a fixed clock


@pytest.fixture
def ana(make_contact, user):
    return make_contact(user.account, first_name="Ana", email="ana@x.example", role="curator")


def pitch(session, user, contact, **kwargs):
    kwargs.setdefault("subject", "Hi")
    created = services.create_pitch(session, user.account, user, contact, now=NOW, **kwargs)
    session.commit()
    return created


def test_sending_schedules_follow_ups_on_the_default_cadence(session, user, ana):
    sent = pitch(session, user, ana, status=PitchStatus.SENT)
    assert sent.sent_at == NOW
    assert [f.due_at for f in sent.follow_ups] == [
        NOW + dt.timedelta(days=7),
        NOW + dt.timedelta(days=14),
    ]
    assert ana.last_contacted_at == NOW


def test_a_draft_has_no_follow_ups_until_it_is_sent(session, user, ana):
    draft = pitch(session, user, ana)
    assert draft.follow_ups == []
    services.change_status(session, user.account, draft, PitchStatus.SENT, NOW)
    assert len(draft.follow_ups) == 2


def test_a_pitch_can_use_its_own_cadence(session, user, ana):
    sent = pitch(session, user, ana, status=PitchStatus.SENT, cadence=[3, 10, 30])
    assert [(f.due_at - NOW).days for f in sent.follow_ups] == [3, 10, 30]


@pytest.mark.parametrize("outcome", ["replied", "interested", "won", "declined", "no_response"])
def test_a_reply_or_close_cancels_the_open_follow_ups(session, user, ana, outcome):
    sent = pitch(session, user, ana, status=PitchStatus.SENT)
    services.complete_follow_up(session, sent.follow_ups[0], FollowUpState.DONE, NOW)
    services.change_status(session, user.account, sent, PitchStatus(outcome), NOW)
    session.commit()
    assert [f.state for f in sent.follow_ups] == [FollowUpState.DONE, FollowUpState.CANCELLED]
    assert sent.follow_ups[1].state_reason


def test_do_not_contact_cannot_be_pitched(session, user, make_contact):
    shy = make_contact(user.account, first_name="Shy", do_not_contact="yes")
    with pytest.raises(services.PitchRefused, match="do-not-contact"):
        pitch(session, user, shy, status=PitchStatus.SENT)


def test_snooze_keeps_the_local_hour_across_a_dst_change(session, make_user, make_contact):
    london = make_user("uk@example.com", timezone="Europe/London")
    contact = make_contact(london.account, first_name="Ana")
    # Saturday 28 March 2026, 09:00 in London (GMT); clocks go forward that night.
    due = dt.datetime(2026, 3, 28, 9, 0, tzinfo=dt.UTC)
    sent = services.create_pitch(
        session,
        london.account,
        london,
        contact,
        status=PitchStatus.SENT,
        now=due - dt.timedelta(days=7),
    )
    follow_up = sent.follow_ups[0]
    services.snooze(session, london.account, follow_up, days=1)
    assert follow_up.due_at == dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.UTC)  # 09:00 BST


def test_dashboard_agenda_uses_the_users_today(session, make_user, make_contact):
    tokyo = make_user("jp@example.com", timezone="Asia/Tokyo")
    contact = make_contact(tokyo.account, first_name="Ken")
    now = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)  # 01:00 on the 11th in Tokyo
    sent = services.create_pitch(
        session, tokyo.account, tokyo, contact, status=PitchStatus.SENT, now=now, cadence=[1, 3, 20]
    )
    sent.follow_ups[0].due_at = now - dt.timedelta(hours=2)  # 23:00 on the 10th: overdue
    sent.follow_ups[1].due_at = now + dt.timedelta(hours=10)  # 11:00 on the 11th: today
    session.commit()
    agenda = dashboard.agenda(session, tokyo.account, now)
    assert [f.sequence for f in agenda.overdue] == [1]
    assert [f.sequence for f in agenda.today] == [2]
    assert agenda.week == []  # the third is 20 days out


def test_the_dashboard_shows_the_first_follow_ups_and_caps_its_counts(
    logged_in, session, user, make_contact, monkeypatch
):
    """An account with thousands overdue gets the oldest few, "1,000+" and a link."""
    monkeypatch.setattr(dashboard, "AGENDA_SHOWN", 2)
    monkeypatch.setattr(dashboard, "AGENDA_COUNTED", 3)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    for name in ("Ana", "Ben", "Cleo", "Dev", "Esme"):
        contact = make_contact(user.account, first_name=name)
        services.create_pitch(
            session, user.account, user, contact, status=PitchStatus.SENT, now=long_ago
        )
    session.commit()
    agenda = dashboard.agenda(session, user.account)
    assert [f.contact_name.split()[0] for f in agenda.overdue] == ["Ana", "Ben"]  # oldest
    assert agenda.counts["overdue"] == 4  # counted up to the cap, plus one
    page = logged_in.get("/").get_data(as_text=True)
    assert "3+</span>" in page and "See all 3+ in the pitch list" in page


def test_dashboard_numbers(session, user, make_contact):
    release = create_release(session, user.account, {"title": "Night Drive"})
    outcomes = ["sent", "replied", "interested", "won", "declined", "sent"]
    for index, outcome in enumerate(outcomes):
        contact = make_contact(
            user.account, first_name=f"C{index}", role="press" if index % 2 else "curator"
        )
        pitch(session, user, contact, release=release, status=PitchStatus(outcome))
    counts = dashboard.pitch_counts(session, user.account)
    assert dashboard.funnel(counts, release.id) == [
        ("Sent", 6),
        ("Replied", 4),
        ("Interested", 2),
        ("Won", 1),
    ]
    by_role = {
        role.value: (sent, replied) for role, sent, replied in dashboard.reply_rate_by_role(counts)
    }
    assert by_role == {"curator": (3, 2), "press": (3, 2)}
    [(key, by_status)] = dashboard.status_counts_by_release(session, user.account, counts)
    assert key[1] == "Night Drive" and by_status[PitchStatus.SENT] == 2


@pytest.mark.slow
def test_bulk_pitching_500_contacts_in_one_action(logged_in, session, user, make_contact):
    from crm.contacts.services import create_contact

    ids = []
    for i in range(500):
        ids.append(create_contact(session, user.account, {"first_name": f"Curator{i}"}).id)
    session.commit()
    release = create_release(session, user.account, {"title": "Night Drive"})
    session.commit()
    template_id = session.scalar(select(func.min(Pitch.template_id)))
    from crm.models import EmailTemplate

    template_id = session.scalar(
        select(EmailTemplate.id).where(EmailTemplate.name == "Playlist-curator pitch")
    )
    query = {"contact_id": ids, "release_id": release.id, "template_id": template_id}
    review = logged_in.get("/pitches/bulk", query_string=query).get_data(as_text=True)
    assert "Mark all 500 as sent" in review and "Curator499" in review
    response = logged_in.submit("/pitches/bulk", {**query})
    assert response.status_code == 302
    assert session.scalar(select(func.count(Pitch.id))) == 500
    assert session.scalar(select(func.count(FollowUp.id))) == 1000
    body = session.scalar(select(Pitch.body).where(Pitch.contact_id == ids[0]))
    assert body.startswith("Hi Curator0,")


def test_pitching_twice_for_a_release_warns_first(logged_in, session, user, ana):
    release = create_release(session, user.account, {"title": "Night Drive"})
    session.commit()
    form = {
        "contact_id": ana.id,
        "release_id": release.id,
        "subject": "Hi",
        "body": "x",
        "channel": "email",
        "action": "send",
    }
    assert logged_in.submit(f"/pitches/new?contact_id={ana.id}", form).status_code == 302
    again = logged_in.submit(f"/pitches/new?contact_id={ana.id}", form)
    assert again.status_code == 422
    assert "already pitched" in again.get_data(as_text=True)
    forced = logged_in.submit(f"/pitches/new?contact_id={ana.id}", {**form, "pitch_again": "y"})
    assert forced.status_code == 302


def test_web_refuses_do_not_contact(logged_in, user, make_contact):
    shy = make_contact(user.account, first_name="Shy", do_not_contact="yes")
    response = logged_in.submit(
        f"/pitches/new?contact_id={shy.id}",
        {"contact_id": shy.id, "subject": "Hi", "body": "x", "channel": "email", "action": "send"},
    )
    assert response.status_code == 422
    assert "do-not-contact" in response.get_data(as_text=True)


def test_logging_a_reply_from_the_pitch_page(logged_in, session, user, ana):
    sent = pitch(session, user, ana, status=PitchStatus.SENT)
    response = logged_in.submit(
        f"/pitches/{sent.id}/reply", {"outcome": "interested", "note": "Wants the EP"}
    )
    assert response.status_code == 302
    session.expire_all()
    sent = session.get(Pitch, sent.id)
    assert sent.status == PitchStatus.INTERESTED and "Wants the EP" in sent.notes
    assert {f.state for f in sent.follow_ups} == {FollowUpState.CANCELLED}


def test_board_moves_a_card_with_or_without_javascript(logged_in, session, user, ana):
    sent = pitch(session, user, ana, status=PitchStatus.SENT)
    board = logged_in.get("/pitches/board").get_data(as_text=True)
    assert f'data-pitch-id="{sent.id}"' in board
    moved = logged_in.post(
        f"/pitches/{sent.id}/status",
        data={"status": "won", "csrf_token": logged_in.csrf_token()},
        headers={"Accept": "application/json"},
    )
    assert moved.get_json() == {"id": sent.id, "status": "won"}
    back = logged_in.submit(
        f"/pitches/{sent.id}/status", {"status": "declined", "next": "/pitches/board"}
    )
    assert back.headers["Location"] == "/pitches/board"


def test_without_javascript_the_board_is_one_form_and_a_card_moves_by_its_menu(
    logged_in, session, user, ana, make_contact
):
    """The cards share one form (one token, no form a card); a card's Move button names
    the pitch, and only that card's menu counts."""
    first = pitch(session, user, ana, status=PitchStatus.SENT)
    other = pitch(
        session, user, make_contact(user.account, first_name="Bo"), status=PitchStatus.SENT
    )
    board = logged_in.get("/pitches/board").get_data(as_text=True)
    cards = board.split("data-board>", 1)[1].split('id="board-csrf"', 1)[0]
    assert cards.count("<form") == 0 and cards.count('name="csrf_token"') == 0
    moved = logged_in.submit(
        "/pitches/board/move",
        {"move": str(first.id), f"status-{first.id}": "won", f"status-{other.id}": "declined",
         "next": "/pitches/board"},
    )  # fmt: skip
    assert moved.headers["Location"] == "/pitches/board"
    session.expire_all()
    assert session.get(Pitch, first.id).status == PitchStatus.WON
    assert session.get(Pitch, other.id).status == PitchStatus.SENT
    for bad in ({}, {"move": "x"}, {"move": str(first.id), f"status-{first.id}": "sent-ish"}):
        assert logged_in.submit("/pitches/board/move", bad).status_code == 400


def test_a_card_of_another_account_cannot_be_moved_from_the_board(
    logged_in, session, make_user, make_contact
):
    stranger = make_user("stranger@example.com")
    theirs = pitch(session, stranger, make_contact(stranger.account, first_name="Cy"),
                   status=PitchStatus.SENT)  # fmt: skip
    response = logged_in.submit(
        "/pitches/board/move", {"move": str(theirs.id), f"status-{theirs.id}": "won"}
    )
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Pitch, theirs.id).status == PitchStatus.SENT


def test_follow_up_one_click_actions(logged_in, session, user, ana):
    sent = pitch(session, user, ana, status=PitchStatus.SENT)
    first, second = sent.follow_ups
    assert logged_in.submit(f"/follow-ups/{first.id}/done").status_code == 302
    assert logged_in.submit(f"/follow-ups/{second.id}/snooze", {"snooze": "3"}).status_code == 302
    session.expire_all()
    assert session.get(FollowUp, first.id).state == FollowUpState.DONE
    assert session.get(FollowUp, second.id).due_at == NOW + dt.timedelta(days=17)
    page = logged_in.get(f"/follow-ups/{second.id}").get_data(as_text=True)
    assert "What to send" in page and "Hi Ana" in page


def test_dashboard_page_shows_due_follow_ups(logged_in, session, user, ana):
    sent = pitch(session, user, ana, status=PitchStatus.SENT)
    sent.follow_ups[0].due_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    session.commit()
    page = logged_in.get("/").get_data(as_text=True)
    assert "Follow up #1 with Ana" in page and "Overdue" in page


@pytest.mark.parametrize(
    ("value", "ok"),
    [("GB-ABC-26-00001", True), ("USRC17607839", True), ("GB-ABC-26", False), ("123", False)],
)
def test_isrc_format(value, ok):
    if ok:
        assert len(clean_isrc(value)) == 12
    else:
        with pytest.raises(FieldError):
            clean_isrc(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("036000291452", True), ("036000291453", False), ("4006381333931", True), ("12345", False)],
)
def test_upc_check_digit(value, ok):
    if ok:
        assert clean_upc(value) == value
    else:
        with pytest.raises(FieldError):
            clean_upc(value)


def test_api_release_pitch_and_follow_up_flow(api, session, ana):
    release = api.post(
        "/api/v1/releases",
        json={"title": "Night Drive", "kind": "single", "release_date": "2026-04-01"},
    )
    assert release.status_code == 201, release.get_json()
    release_id = release.get_json()["id"]
    created = api.post(
        "/api/v1/pitches",
        json={
            "contact_id": ana.id,
            "release_id": release_id,
            "subject": "Hi",
            "body": "Listen",
            "status": "sent",
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert len(body["follow_ups"]) == 2 and body["status"] == "sent"
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=8)).isoformat()
    due = api.get("/api/v1/follow-ups", query_string={"due_before": later}).get_json()
    assert due["total"] == 1
    done = api.patch(f"/api/v1/follow-ups/{due['items'][0]['id']}", json={"done": True})
    assert done.get_json()["done"] is True
    replied = api.patch(f"/api/v1/pitches/{body['id']}", json={"status": "replied"}).get_json()
    assert [f["state"] for f in replied["follow_ups"]] == ["done", "cancelled"]
    listed = api.get("/api/v1/pitches", query_string={"status": "replied"}).get_json()
    assert listed["total"] == 1


def test_api_refuses_do_not_contact(api, user, make_contact):
    shy = make_contact(user.account, first_name="Shy", do_not_contact="yes")
    response = api.post("/api/v1/pitches", json={"contact_id": shy.id, "status": "sent"})
    assert response.status_code == 422
    assert "do-not-contact" in response.get_json()["error"]


def test_the_contact_page_shows_a_timeline_newest_first(logged_in, session, user, ana):
    ana.created_at = NOW - dt.timedelta(days=30)
    sent = pitch(session, user, ana, status=PitchStatus.SENT)
    services.change_status(
        session, user.account, sent, PitchStatus.REPLIED, NOW + dt.timedelta(days=2)
    )
    session.commit()
    page = logged_in.get(f"/contacts/{ana.id}").get_data(as_text=True)
    timeline = page[page.index("Timeline") :]
    assert timeline.index("Follow-up #2 cancelled") < timeline.index("Replied")
    assert timeline.index("Replied") < timeline.index("Pitched") < timeline.index("Added")
