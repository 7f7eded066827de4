"""Choosing a contact by typing: the pickers of the compose page and the template preview
search the whole contact book (not the 200 most recent), best match first, and never show
another account's contacts."""

from tests.conftest import log_in


def test_the_picker_finds_any_contact_by_a_few_letters_of_their_city(logged_in, make_contact, user):
    for n in range(250):  # more than the old dropdown ever held
        make_contact(user.account, first_name=f"Person{n}", city="London")
    make_contact(user.account, first_name="Sólveig", email="solveig@kex.example", city="Tromsø")
    found = logged_in.get("/contacts/lookup?q=tro").get_json()
    assert [c["name"] for c in found["contacts"]] == ["Sólveig"]
    assert found["contacts"][0] | {"id": 0} == {
        "id": 0, "name": "Sólveig", "email": "solveig@kex.example", "company": "",
        "city": "Tromsø", "do_not_contact": False,
    }  # fmt: skip
    many = logged_in.get("/contacts/lookup?q=lon").get_json()
    assert len(many["contacts"]) == many["limit"] == 20


def test_the_picker_shows_only_the_accounts_own_contacts(app, make_user, make_contact, user):
    make_contact(user.account, first_name="Ana", last_name="Okafor")
    stranger = make_user("stranger@example.com")
    make_contact(stranger.account, first_name="Ana", last_name="Other")
    found = log_in(app, stranger).get("/contacts/lookup?q=ana").get_json()["contacts"]
    assert [c["name"] for c in found] == ["Ana Other"]
    assert app.test_client().get("/contacts/lookup?q=ana").status_code == 302  # log in first


def test_the_compose_picker_leaves_out_who_asked_not_to_be_contacted(logged_in, make_contact, user):
    make_contact(user.account, first_name="Dana", do_not_contact=True)
    make_contact(user.account, first_name="Dani")
    found = logged_in.get("/contacts/lookup?q=dan&pitchable=1").get_json()["contacts"]
    assert [c["name"] for c in found] == ["Dani"]


def test_without_javascript_find_lists_the_matches_to_choose_from(logged_in, make_contact, user):
    bea = make_contact(user.account, first_name="Bea", city="Bern")
    make_contact(user.account, first_name="Ana", city="Berlin")
    make_contact(user.account, first_name="Cleo", city="Paris")
    page = logged_in.submit(
        "/pitches/new", {"action": "find", "contact_q": "ber", "subject": "Kept"}
    ).get_data(as_text=True)
    assert page.count('type="radio" name="contact_id"') == 2
    assert "Cleo" not in page and 'value="Kept"' in page  # what was typed stays
    sent = logged_in.submit(
        "/pitches/new",
        {"action": "send", "contact_id": str(bea.id), "subject": "Hi", "body": "Hello"},
    )
    assert sent.status_code == 302
    preview = logged_in.get("/templates/1?find=1&contact_q=paris").get_data(as_text=True)
    assert preview.count('type="radio" name="contact_id"') == 1 and "Cleo" in preview
