"""Changing many contacts at once from the list: tick some (on several pages) or take all
that match the filters, then set a role, add or remove a tag or genre, mark "do not
contact", export or delete; every change is one entry of the journal and can be undone."""

from sqlalchemy import func, select

from crm.contacts.services import ContactFilters, search_contacts
from crm.imports.services import import_now
from crm.models import Contact, ContactChange, Role
from crm.pitches.services import create_pitch
from tests.conftest import log_in


def berlin_and_more(session, user, berliners: int = 1_284, others: int = 300):
    rows = [f"Berliner {n},b{n}@berlin.example,Berlin" for n in range(berliners)]
    rows += [f"Parisian {n},p{n}@paris.example,Paris" for n in range(others)]
    data = "name,email,city\n" + "\n".join(rows)
    import_now(session, user.account, user, "book.csv", data.encode())
    session.commit()


def tagged(session, user, tag: str) -> int:
    found = search_contacts(session, user.account, ContactFilters(tag=tag), per_page=1)
    return found.total


def test_1284_filtered_contacts_get_a_tag_in_one_action_and_it_is_undone(logged_in, session, user):
    berlin_and_more(session, user)
    page = logged_in.get("/contacts/?q=berlin").get_data(as_text=True)
    assert "All 1,284 matching this list" in page
    done = logged_in.submit(
        "/contacts/bulk",
        {"q": "berlin", "scope": "matching", "bulk_action": "add_tag", "label": "Festival 2027"},
    )
    assert done.status_code == 302
    page = logged_in.get(done.headers["Location"]).get_data(as_text=True)
    assert "Tag “Festival 2027” added: 1,284 contacts." in page
    assert tagged(session, user, "festival 2027") == 1_284
    found = search_contacts(session, user.account, ContactFilters(q="festival"), per_page=1)
    assert found.total == 1_284  # the tag is searched too
    assert session.scalar(select(func.count(ContactChange.id))) == 1  # one journal entry

    change = session.scalar(select(ContactChange))
    undone = logged_in.submit(f"/contacts/changes/{change.id}/undo")
    assert undone.status_code == 302
    assert "Undone: tag “festival 2027” added, for 1,284 contacts." in logged_in.get(
        "/contacts/changes"
    ).get_data(as_text=True)
    session.expire_all()
    assert tagged(session, user, "festival 2027") == 0
    assert search_contacts(session, user.account, ContactFilters(q="festival")).total == 0
    again = logged_in.submit(f"/contacts/changes/{change.id}/undo")
    assert "already undone" in logged_in.get(again.headers["Location"]).get_data(as_text=True)


def test_ticked_contacts_get_a_role_and_get_their_own_back(logged_in, session, user, make_contact):
    ana = make_contact(user.account, first_name="Ana", role="ar")
    ben = make_contact(user.account, first_name="Ben")
    cleo = make_contact(user.account, first_name="Cleo", role="press")
    form = {"bulk_action": "set_role", "new_role": "booking_agent", "contact_id": [ana.id, ben.id]}
    assert logged_in.submit("/contacts/bulk", form).status_code == 302
    session.expire_all()
    assert [session.get(Contact, c.id).role for c in (ana, ben, cleo)] == [
        Role.BOOKING_AGENT, Role.BOOKING_AGENT, Role.PRESS,
    ]  # fmt: skip
    change = session.scalar(select(ContactChange))
    logged_in.submit(f"/contacts/changes/{change.id}/undo")
    session.expire_all()
    assert [session.get(Contact, c.id).role for c in (ana, ben)] == [Role.AR, None]


def test_do_not_contact_in_bulk_and_back(logged_in, session, user, make_contact):
    people = [make_contact(user.account, first_name=f"P{n}") for n in range(3)]
    ids = [p.id for p in people[:2]]
    logged_in.submit("/contacts/bulk", {"bulk_action": "do_not_contact", "contact_id": ids})
    session.expire_all()
    assert [session.get(Contact, p.id).do_not_contact for p in people] == [True, True, False]
    change = session.scalar(select(ContactChange))
    logged_in.submit(f"/contacts/changes/{change.id}/undo")
    session.expire_all()
    assert not any(session.get(Contact, p.id).do_not_contact for p in people)


def test_deleting_a_selection_keeps_the_pitched_and_comes_back_whole(
    logged_in, session, user, make_contact
):
    ana = make_contact(
        user.account, first_name="Ana", email="ana@bluebird.example", company="Bluebird",
        tags="priority", genres="Indie", other_emails="ana@home.example", city="Lagos",
    )  # fmt: skip
    ben = make_contact(user.account, first_name="Ben", email="ben@harbor.example")
    create_pitch(session, user.account, user, ben, subject="Hi", body="Hello")
    session.commit()
    ana_id, ben_id = ana.id, ben.id
    done = logged_in.submit(
        "/contacts/bulk", {"bulk_action": "delete", "contact_id": [ana_id, ben_id]}
    )
    message = logged_in.get(done.headers["Location"]).get_data(as_text=True)
    assert "Deleted: 1 contact." in message and "1 with pitches was kept" in message
    session.expire_all()
    assert session.get(Contact, ana_id) is None and session.get(Contact, ben_id) is not None

    change = session.scalar(select(ContactChange))
    logged_in.submit(f"/contacts/changes/{change.id}/undo")
    back = session.scalar(select(Contact).where(Contact.email == "ana@bluebird.example"))
    assert (back.company.name, back.tags, back.genres, back.other_emails, back.city) == (
        "Bluebird", ["priority"], ["Indie"], ["ana@home.example"], "Lagos",
    )  # fmt: skip


def test_the_selection_exports_as_csv(logged_in, user, make_contact):
    ana = make_contact(user.account, first_name="Ana", email="ana@bluebird.example")
    make_contact(user.account, first_name="Ben", email="ben@harbor.example")
    answer = logged_in.submit("/contacts/bulk", {"bulk_action": "export", "contact_id": ana.id})
    lines = answer.get_data(as_text=True).splitlines()
    assert len(lines) == 2 and "ana@bluebird.example" in lines[1]


def test_a_selection_never_reaches_another_accounts_contacts(
    app, session, user, make_user, make_contact
):
    theirs = make_contact(user.account, first_name="Ana").id
    stranger = make_user("stranger@example.com")
    client = log_in(app, stranger)
    client.submit("/contacts/bulk", {"bulk_action": "delete", "contact_id": theirs})
    client.submit("/contacts/bulk", {"bulk_action": "delete", "scope": "matching"})
    session.expire_all()
    assert session.get(Contact, theirs) is not None
    change = session.scalar(select(ContactChange))
    assert client.submit(f"/contacts/changes/{change.id}/undo").status_code == 302
    owner_change = log_in(app, user).get("/contacts/changes").get_data(as_text=True)
    assert "No changes yet" in owner_change


def test_nothing_selected_or_no_action_says_what_to_do(logged_in, make_contact, user):
    make_contact(user.account, first_name="Ana")
    empty = logged_in.submit("/contacts/bulk", {"bulk_action": "delete"})
    assert "Tick the contacts to change first" in logged_in.get(empty.headers["Location"]).get_data(
        as_text=True
    )
    no_tag = logged_in.submit("/contacts/bulk", {"bulk_action": "add_tag", "scope": "matching"})
    assert "Type the one tag to add." in logged_in.get(no_tag.headers["Location"]).get_data(
        as_text=True
    )


def test_role_and_tags_change_in_place_from_the_list(logged_in, session, user, make_contact):
    ana = make_contact(user.account, first_name="Ana", tags="old")
    answer = logged_in.submit(f"/contacts/{ana.id}/inline", {"role": "press"})
    assert answer.get_json() == {"role": "press", "role_label": "Press", "tags": ["old"]}
    answer = logged_in.submit(f"/contacts/{ana.id}/inline", {"tags": "festival; warm intro"})
    assert answer.get_json()["tags"] == ["festival", "warm intro"]
    wrong = logged_in.submit(f"/contacts/{ana.id}/inline", {"role": "drummer"})
    assert wrong.status_code == 422 and "role" in wrong.get_json()["errors"]
    session.expire_all()
    found = search_contacts(session, user.account, ContactFilters(q="warm intro")).items
    assert [c.id for c in found] == [ana.id]  # the new tags are searched


def test_in_place_edits_reach_only_the_accounts_own(app, make_user, make_contact, user):
    ana = make_contact(user.account, first_name="Ana")
    stranger = log_in(app, make_user("stranger@example.com"))
    assert stranger.submit(f"/contacts/{ana.id}/inline", {"role": "press"}).status_code == 404


def test_the_contacts_page_shows_what_came_back_and_the_bulk_changes(
    logged_in, session, user, make_contact
):
    from crm.db import utcnow
    from crm.models import Direction, MessageKind, PitchMessage

    ana = make_contact(user.account, first_name="Ana", email="ana@bluebird.example")
    pitch = create_pitch(session, user.account, user, ana, subject="Night Drive", body="Hi")
    session.add(
        PitchMessage(
            account_id=user.account_id, pitch_id=pitch.id, direction=Direction.IN,
            kind=MessageKind.REPLY, sender="ana@bluebird.example", at=utcnow(),
            text="Sounds great,\nsend the EP.",
        )
    )  # fmt: skip
    session.commit()
    logged_in.submit(
        "/contacts/bulk", {"bulk_action": "add_tag", "label": "priority", "contact_id": ana.id}
    )
    page = logged_in.get(f"/contacts/{ana.id}").get_data(as_text=True)
    assert "Replied: “Sounds great, send the EP.”" in page
    assert "Tag “priority” added (with others)" in page
