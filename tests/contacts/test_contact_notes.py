"""Dated notes on a contact: written from the contact's page or with a logged reply, shown
in the contact's timeline, newest first."""

from sqlalchemy import select

from crm.models import ContactNote, PitchStatus
from crm.pitches import services


def timeline_of(logged_in, contact) -> str:
    page = logged_in.get(f"/contacts/{contact.id}").get_data(as_text=True)
    return page[page.index('id="timeline"') :]


def test_a_note_goes_to_the_top_of_the_timeline_with_its_author(logged_in, make_contact, user):
    ana = make_contact(user.account, first_name="Ana")
    response = logged_in.submit(
        f"/contacts/{ana.id}/notes", {"body": "Met at SXSW.\nSend the EP in March."}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#timeline")
    timeline = timeline_of(logged_in, ana)
    assert "Met at SXSW.\nSend the EP in March." in timeline
    assert "Note by Test Artist" in timeline
    assert timeline.index("Met at SXSW") < timeline.index("Added to your contacts")


def test_an_empty_or_oversized_note_is_refused_and_what_was_typed_stays(
    logged_in, make_contact, user, session
):
    ana = make_contact(user.account, first_name="Ana")
    response = logged_in.submit(f"/contacts/{ana.id}/notes", {"body": "   "})
    assert response.status_code == 422
    assert "Write the note first." in response.get_data(as_text=True)
    long_note = "la " * 2000
    response = logged_in.submit(f"/contacts/{ana.id}/notes", {"body": long_note})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "at most 5,000 characters" in page
    assert long_note.strip() in page  # nothing typed is lost
    assert session.scalars(select(ContactNote)).all() == []


def test_a_reply_note_lands_on_the_contacts_timeline_linked_to_the_pitch(
    logged_in, session, user, make_contact
):
    ana = make_contact(user.account, first_name="Ana")
    pitch = services.create_pitch(session, user.account, user, ana, status=PitchStatus.SENT)
    session.commit()
    logged_in.submit(f"/pitches/{pitch.id}/reply", {"outcome": "interested", "note": "Loves it"})
    timeline = timeline_of(logged_in, ana)
    assert "Loves it" in timeline
    assert f'href="/pitches/{pitch.id}">a pitch</a>' in timeline


def test_a_note_can_be_deleted(logged_in, make_contact, user, session):
    ana = make_contact(user.account, first_name="Ana")
    logged_in.submit(f"/contacts/{ana.id}/notes", {"body": "Wrong person"})
    note = session.scalars(select(ContactNote)).one()
    assert logged_in.submit(f"/contacts/notes/{note.id}/delete").status_code == 302
    assert "Wrong person" not in timeline_of(logged_in, ana)
