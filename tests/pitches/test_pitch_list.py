"""The list of pitches: an artist narrows it to what needs them (whose follow-up is due,
which release, which kind of contact) and pages through it without losing a row."""

import datetime as dt
import re

import pytest

from crm.models import PitchStatus
from crm.pitches import services
from crm.pitches.listing import PitchFilters, browse_pitches
from crm.releases.services import create_release


@pytest.fixture
def pitched(session, user, make_contact):
    """Three pitches sent on different days, one draft, and another artist's pitch."""
    account, now = user.account, dt.datetime.now(dt.UTC)
    release = create_release(session, account, {"title": "Night Drive"})
    ana = make_contact(account, first_name="Ana", email="ana@x.example", role="curator")
    ben = make_contact(account, first_name="Ben", email="ben@x.example", role="press")
    cleo = make_contact(account, first_name="Cleo", email="cleo@x.example", role="curator")

    def sent(contact, days_ago, **kwargs):
        return services.create_pitch(
            session, account, user, contact, subject=f"For {contact.first_name}",
            status=PitchStatus.SENT, now=now - dt.timedelta(days=days_ago), **kwargs,
        )  # fmt: skip

    pitches = {
        "ana": sent(ana, 3, release=release),  # first follow-up in 4 days: this week
        "ben": sent(ben, 10),  # the first 3 days ago (overdue), the second in 4 days
        "cleo": sent(cleo, 40, release=release),  # both follow-ups long overdue
        "draft": services.create_pitch(session, account, user, cleo, subject="Draft", now=now),
    }
    session.commit()
    return pitches


def shown(page: str, pitched) -> set[str]:
    return {name for name, p in pitched.items() if f'/pitches/{p.id}"' in page}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"ana", "ben", "cleo", "draft"}),
        ("status=sent", {"ana", "ben", "cleo"}),
        ("status=draft", {"draft"}),
        ("role=curator", {"ana", "cleo", "draft"}),
        ("due=week", {"ana", "ben"}),
        ("due=overdue", {"ben", "cleo"}),
        ("due=today", set()),
        ("due=overdue&role=press", {"ben"}),
        ("status=nonsense&due=yesterday&role=x&release_id=abc", {"ana", "ben", "cleo", "draft"}),
    ],
)
@pytest.mark.parametrize("common_from", [0, 10_000])
def test_the_list_keeps_what_the_filters_ask_for(
    logged_in, pitched, monkeypatch, common_from, query, expected
):
    """Whether the window's pitches are many (each pitch walked in order is tested) or few
    (they are found first), the same pitches are listed and counted."""
    monkeypatch.setattr("crm.pitches.listing.COMMON_MATCHES", common_from)
    page = logged_in.get(f"/pitches/?{query}").get_data(as_text=True)
    assert shown(page, pitched) == expected
    if expected:
        assert f"{len(expected)} pitch{'es' if len(expected) != 1 else ''}" in page
    else:
        assert "No pitch matches these filters" in page


def test_a_release_filter_shows_that_release_only(logged_in, pitched):
    release_id = pitched["ana"].release_id
    page = logged_in.get(f"/pitches/?release_id={release_id}").get_data(as_text=True)
    assert shown(page, pitched) == {"ana", "cleo"} and "Night Drive" in page


def test_another_artists_pitches_never_show(logged_in, pitched, session, make_user, make_contact):
    stranger = make_user("stranger@example.com")
    zed = make_contact(stranger.account, first_name="Zed", email="zed@x.example")
    services.create_pitch(session, stranger.account, stranger, zed, subject="Zed's pitch",
                          status=PitchStatus.SENT)  # fmt: skip
    session.commit()
    for query in ("", "status=sent", "due=week", "due=overdue"):
        assert "Zed" not in logged_in.get(f"/pitches/?{query}").get_data(as_text=True)


def test_pages_follow_one_another_newest_change_first(logged_in, session, user, make_contact):
    contacts = [make_contact(user.account, first_name=f"P{i:02d}") for i in range(7)]
    for contact in contacts:
        services.create_pitch(session, user.account, user, contact, subject="Hi")
    session.commit()
    seen, url = [], "/pitches/?per_page=3"
    while url:
        page = logged_in.get(url).get_data(as_text=True)
        seen += re.findall(r">(P\d\d)</a>", page)
        after = re.search(r'href="([^"]*after=[^"]*)" rel="next"', page)
        url = after.group(1).replace("&amp;", "&") if after else None
    assert sorted(seen) == [f"P{i:02d}" for i in range(7)] and len(seen) == 7


def test_the_page_is_counted_on_the_pitches_alone(session, user, pitched):
    page = browse_pitches(session, user.account, PitchFilters(status=PitchStatus.SENT))
    assert (page.total, page.more_than_counted) == (3, False)
    assert [row.contact_name for row in page.items] == ["Ana", "Ben", "Cleo"]
    assert page.items[0].release_title == "Night Drive" and page.items[1].release_title is None


def test_a_cursor_that_makes_no_sense_gives_the_first_page(logged_in, pitched):
    for junk in ("x", "eyJ9", "W10", "!!!", "a" * 3000, "WyJhIiwiYiIsImMiXQ", "WzEsMiwzXQ"):
        for key in ("after", "before"):
            answer = logged_in.get("/pitches/", query_string={key: junk, "due": "overdue"})
            assert answer.status_code == 200
            assert shown(answer.get_data(as_text=True), pitched) == {"ben", "cleo"}
    assert logged_in.get("/pitches/?page=-4&per_page=abc").status_code == 200
