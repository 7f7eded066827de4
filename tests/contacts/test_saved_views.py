"""Saved views: the lists an artist works from every week, kept by name above the list."""

from tests.conftest import log_in


def test_a_filtered_list_is_kept_as_a_view_and_opened_again(logged_in, make_contact, user):
    make_contact(user.account, first_name="Jonas", city="Berlin", role="booking_agent")
    make_contact(user.account, first_name="Mia", city="Berlin", role="press")
    page = logged_in.get("/contacts/?q=berlin&role=booking_agent").get_data(as_text=True)
    assert "Save view" in page
    saved = logged_in.submit(
        "/contacts/views", {"q": "berlin", "role": "booking_agent", "name": "Berlin bookers"}
    )
    assert saved.status_code == 302
    assert saved.headers["Location"] == "/contacts/?q=berlin&role=booking_agent"
    page = logged_in.get("/contacts/").get_data(as_text=True)
    assert (
        ">Berlin bookers</a>" in page
        and 'href="/contacts/?q=berlin&amp;role=booking_agent"' in page
    )
    opened = logged_in.get("/contacts/?q=berlin&role=booking_agent").get_data(as_text=True)
    assert "Jonas" in opened and "Mia" not in opened and "Save view" not in opened  # it is this one


def test_a_view_needs_a_name_and_a_filter(logged_in):
    nameless = logged_in.submit("/contacts/views", {"q": "berlin", "name": " "})
    assert "Give the view a name" in logged_in.get(nameless.headers["Location"]).get_data(
        as_text=True
    )
    everyone = logged_in.submit("/contacts/views", {"name": "All"})
    assert "this view would be every contact" in logged_in.get(
        everyone.headers["Location"]
    ).get_data(as_text=True)


def test_views_are_the_accounts_own_and_can_be_deleted(app, logged_in, make_user, session):
    from sqlalchemy import select

    from crm.models import SavedView

    logged_in.submit("/contacts/views", {"q": "press", "name": "Weekly press list"})
    view_id = session.scalar(select(SavedView.id))
    stranger = log_in(app, make_user("stranger@example.com"))
    assert "Weekly press list" not in stranger.get("/contacts/").get_data(as_text=True)
    assert stranger.submit(f"/contacts/views/{view_id}/delete").status_code == 404
    assert logged_in.submit(f"/contacts/views/{view_id}/delete").status_code == 302
    session.expire_all()
    assert session.get(SavedView, view_id) is None
