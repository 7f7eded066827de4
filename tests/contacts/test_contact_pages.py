"""An artist adds, views, edits and deletes contacts, and browses companies."""

from sqlalchemy import func, select

from crm.models import Company, Contact

ANA = {
    "first_name": "Ana",
    "last_name": "Okafor",
    "email": "ana@bluebird.example",
    "phone": "+44 7700 900123",
    "role": "ar",
    "company": "Bluebird Records",
    "title": "A&R Manager",
    "city": "London",
    "country": "uk",
    "genres": "Indie; Folk",
    "tags": "priority",
    "website": "bluebird.example",
    "instagram": "@ana",
    "notes": "Met at The Great Escape.",
}


def test_adding_a_contact_with_every_field(logged_in, session, user):
    response = logged_in.submit("/contacts/new", ANA)
    assert response.status_code == 302
    contact = session.scalar(select(Contact))
    assert response.headers["Location"] == f"/contacts/{contact.id}"
    assert contact.account_id == user.account_id
    assert contact.company.name == "Bluebird Records"
    assert contact.country == "United Kingdom"
    assert contact.genres == ["Folk", "Indie"]  # shown alphabetically
    assert contact.website == "https://bluebird.example"
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ana Okafor" in page and "Bluebird Records" in page and "A&amp;R Manager" in page


def test_a_failed_form_keeps_what_was_typed_and_says_what_is_wrong(logged_in, session):
    response = logged_in.submit("/contacts/new", {**ANA, "email": "ana@", "phone": "call me"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Bluebird Records"' in page
    assert "Met at The Great Escape." in page
    assert 'id="email-error"' in page and 'id="phone-error"' in page
    assert session.scalar(select(func.count(Contact.id))) == 0


def test_the_same_email_twice_is_refused_case_insensitively(logged_in, make_contact, user):
    existing = make_contact(user.account, first_name="Ana", email="ana@bluebird.example")
    response = logged_in.submit(
        "/contacts/new", {"first_name": "Other", "email": "ANA@bluebird.example"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already has this email address" in page
    assert f"/contacts/{existing.id}" in page


def test_two_accounts_may_both_know_the_same_person(logged_in, make_user, make_contact):
    other = make_user("other@example.com")
    make_contact(other.account, first_name="Ana", email="ana@bluebird.example")
    assert logged_in.submit("/contacts/new", ANA).status_code == 302


def test_editing_a_contact(logged_in, make_contact, user, session):
    contact = make_contact(user.account, **ANA)
    form = logged_in.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert 'value="Indie; Folk"' in form or 'value="Folk; Indie"' in form
    response = logged_in.submit(
        f"/contacts/{contact.id}/edit",
        {**ANA, "title": "Head of A&R", "tags": "", "do_not_contact": "y"},
    )
    assert response.status_code == 302
    session.expire_all()
    contact = session.get(Contact, contact.id)
    assert contact.title == "Head of A&R"
    assert contact.tags == []
    assert contact.do_not_contact is True


def test_editing_to_another_contacts_email_is_refused(logged_in, make_contact, user):
    make_contact(user.account, first_name="Ben", email="ben@x.example")
    ana = make_contact(user.account, **ANA)
    response = logged_in.submit(f"/contacts/{ana.id}/edit", {**ANA, "email": "Ben@x.example"})
    assert response.status_code == 422


def test_deleting_a_contact(logged_in, make_contact, user, session):
    contact = make_contact(user.account, **ANA)
    response = logged_in.submit(f"/contacts/{contact.id}/delete")
    assert response.status_code == 302
    assert session.scalar(select(func.count(Contact.id))) == 0
    assert logged_in.get(f"/contacts/{contact.id}").status_code == 404


def test_company_page_lists_its_people(logged_in, make_contact, user):
    make_contact(user.account, **ANA)
    make_contact(user.account, first_name="Ben", last_name="Adeyemi", company="bluebird records")
    make_contact(user.account, first_name="Cleo", company="Harbor Touring")
    companies = logged_in.get("/companies/").get_data(as_text=True)
    assert "Bluebird Records" in companies and "Harbor Touring" in companies
    company_id = logged_in.application.extensions["crm.db"]().scalar(
        select(Company.id).where(Company.name == "Bluebird Records")
    )
    page = logged_in.get(f"/companies/{company_id}").get_data(as_text=True)
    assert "Ana Okafor" in page and "Ben Adeyemi" in page and "Cleo" not in page
    assert "People (2)" in page


def test_renaming_a_company_keeps_its_people_findable(logged_in, make_contact, user, session):
    contact = make_contact(user.account, **ANA)
    response = logged_in.submit(
        f"/companies/{contact.company_id}/edit",
        {
            "name": "Bluebird Music Group",
            "kind": "label",
            "website": "",
            "city": "",
            "country": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    page = logged_in.get("/contacts/?q=music+group").get_data(as_text=True)
    assert "Ana Okafor" in page


def test_deleting_a_company_keeps_its_people(logged_in, make_contact, user, session):
    contact = make_contact(user.account, **ANA)
    assert logged_in.submit(f"/companies/{contact.company_id}/delete").status_code == 302
    session.expire_all()
    assert session.get(Contact, contact.id).company_id is None


def test_company_suggestions_for_the_form(logged_in, make_contact, user):
    make_contact(user.account, **ANA)
    assert logged_in.get("/companies/suggest?q=blue").get_json() == ["Bluebird Records"]
    assert logged_in.get("/companies/suggest?q=zzz").get_json() == []


def test_contact_notes_and_names_are_shown_escaped(logged_in, make_contact, user):
    contact = make_contact(
        user.account, first_name="<script>alert(1)</script>", notes="<img src=x onerror=alert(1)>"
    )
    page = logged_in.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page


def test_absurd_ids_are_simply_not_found(logged_in):
    for url in ("/contacts/9223372036854775808", "/contacts/2147483648/edit", "/companies/0"):
        assert logged_in.get(url).status_code == 404
