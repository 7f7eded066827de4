"""An artist imports the address books they really have: Outlook and Google exports with
several phone and email columns, titles instead of roles, and people with two addresses.
Every phone and address is kept, roles are guessed (and shown as guesses), and a person
is found again by any of their addresses."""

import csv
import io

from sqlalchemy import select

from crm.contacts.fields import clean_contact
from crm.contacts.services import DuplicateEmail, create_contact
from crm.imports.export import HEADER, write_export
from crm.models import Contact, ContactImport, Role
from tests.imports.test_importing import contacts, run, upload


def sheet(header: list[str], *rows: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


OUTLOOK = [
    "First Name", "Last Name", "Company", "Job Title", "Business Phone", "Mobile Phone",
    "Home Phone", "E-mail Address", "E-mail 2 Address", "E-mail 3 Address", "Business Fax",
    "Notes",
]  # fmt: skip

GOOGLE = [
    "First Name", "Last Name", "Organization Name", "Organization Title", "E-mail 1 - Value",
    "E-mail 2 - Value", "Phone 1 - Value", "Phone 2 - Value", "Labels",
]  # fmt: skip


def test_an_outlook_contact_with_only_a_mobile_keeps_it_and_every_address(session, user):
    text = sheet(
        OUTLOOK,
        ["Ana", "Okafor", "Bluebird Records", "Head of A&R", "", "+44 7700 900123",
         "+44 20 7946 0958", "ana@bluebird.example", "ana.okafor@mail.example", "", "", ""],
        ["Ben", "Ruiz", "Harbor Touring", "Booking Agent", "+1 212 555 0100", "", "", "",
         "ben@harbor.example", "", "+1 212 555 0199", "Met at SXSW"],
    )  # fmt: skip
    _record, summary = run(session, user, text)
    assert (summary.created, summary.rejected) == (2, 0)
    book = contacts(session, user)
    ana = book["ana@bluebird.example"]
    assert ana.phone == "+44 7700 900123"  # the empty Business Phone does not win
    assert ana.other_emails == ["ana.okafor@mail.example"]
    assert "Other phones: +44 20 7946 0958" in ana.notes
    assert (ana.role, ana.role_inferred) == (Role.AR, True)
    # Ben's only address sat in the second email column: it is his address.
    ben = book["ben@harbor.example"]
    assert ben.phone == "+1 212-555-0100" and ben.role == Role.BOOKING_AGENT
    assert ben.notes == "Met at SXSW"


def test_google_titles_become_guessed_roles_counted_on_the_preview(logged_in, session, user):
    text = sheet(
        GOOGLE,
        ["Cleo", "Park", "Loud PR", "Publicist", "cleo@loudpr.example", "", "", "", ""],
        ["Dev", "Shah", "Spotlight", "Playlist Curator", "dev@spot.example", "", "", "", ""],
        ["Eli", "Moss", "Indie Weekly", "Music Writer", "eli@weekly.example", "", "", "", ""],
        ["Fay", "Ng", "", "", "fay@ng.example", "", "", "", "* myContacts ::: Booking Agents"],
        ["Gus", "Lo", "", "", "gus@lo.example", "", "", "", ""],
    )
    mapping_url = upload(logged_in, text).headers["Location"]
    page = logged_in.get(mapping_url).get_data(as_text=True)
    assert "Guessed from job titles" in page
    for label in ("Publicist 1", "Playlist Curator 1", "Press 1", "Booking Agent 1"):
        assert label in page
    assert "1 row has no role" in page
    # The artist gives the rest a role and imports.
    record = session.scalar(select(ContactImport))
    choices = {f"column-{i}": f for i, f in enumerate(record.mapping)}
    page = logged_in.submit(mapping_url, {**choices, "default_role": "ar", "action": "preview"})
    assert 'value="ar" selected' in page.get_data(as_text=True)
    logged_in.submit(mapping_url, {**choices, "default_role": "ar", "action": "run"})
    book = contacts(session, user)
    assert book["cleo@loudpr.example"].role == Role.PUBLICIST
    assert book["fay@ng.example"].role == Role.BOOKING_AGENT  # from her group
    gus = book["gus@lo.example"]
    assert (gus.role, gus.role_inferred) == (Role.AR, False)  # chosen by the artist
    # The contact page says it is a guess, and saving the form confirms it.
    cleo = book["cleo@loudpr.example"]
    assert "(guessed)" in logged_in.get(f"/contacts/{cleo.id}").get_data(as_text=True)
    form = logged_in.get(f"/contacts/{cleo.id}/edit").get_data(as_text=True)
    assert "was guessed" in form


def test_a_stated_role_is_never_replaced_by_a_guess(session, user, make_contact):
    make_contact(user.account, first_name="Ana", email="ana@bluebird.example", role="manager")
    run(session, user, sheet(["Email", "Job Title"], ["ana@bluebird.example", "Journalist"]))
    ana = contacts(session, user)["ana@bluebird.example"]
    assert (ana.role, ana.role_inferred, ana.title) == (Role.MANAGER, False, "Journalist")


def test_columns_no_field_takes_are_listed_on_the_preview(logged_in):
    text = sheet(OUTLOOK, ["Ana", "", "", "", "", "", "", "a@b.example", "", "", "+1 555", ""])
    page = logged_in.get(upload(logged_in, text).headers["Location"]).get_data(as_text=True)
    assert "Not imported" in page and "<strong>Business Fax</strong> (1 filled)" in page


def test_a_single_field_cannot_take_two_columns(logged_in, session):
    text = sheet(["Name", "Company", "Label"], ["Ana", "Bluebird", "Sub Pop"])
    mapping_url = upload(logged_in, text).headers["Location"]
    response = logged_in.submit(
        mapping_url, {"column-0": "full_name", "column-1": "company", "column-2": "company"}
    )
    assert response.status_code == 422
    assert "Company is chosen for 2 columns" in response.get_data(as_text=True)


def test_a_person_is_found_again_by_any_of_their_addresses(session, user):
    text = sheet(
        ["Name", "Email", "Email 2"], ["Ana Okafor", "ana@work.example", "ana@home.example"]
    )
    run(session, user, text)
    # Her next export lists the personal address first, with a new phone.
    again = sheet(
        ["Name", "Email", "Email 2", "Phone"],
        ["Ana Okafor", "ANA@home.example", "ana@work.example", "+44 7700 900123"],
    )
    _record, summary = run(session, user, again)
    assert (summary.created, summary.updated) == (0, 1)
    (ana,) = contacts(session, user).values()
    assert ana.email == "ana@work.example" and ana.other_emails == ["ana@home.example"]
    assert ana.phone == "+44 7700 900123"


def test_a_row_joining_two_people_is_refused_with_the_reason(session, user, make_contact):
    make_contact(user.account, first_name="Ana", email="ana@work.example")
    make_contact(user.account, first_name="Ben", email="ben@work.example")
    text = sheet(["Name", "Email", "Email 2"], ["Ana", "ana@work.example", "ben@work.example"])
    _record, summary = run(session, user, text)
    assert summary.rejected == 1 and "belong to different contacts" in summary.errors[0].message


def test_an_address_belongs_to_one_person_only(session, user, make_contact):
    make_contact(user.account, first_name="Ana", email="ana@work.example")
    cleaned = clean_contact({"first_name": "Imposter", "other_emails": "ANA@work.example"})
    try:
        create_contact(session, user.account, cleaned.values)
    except DuplicateEmail as exc:
        assert "Ana already has this email address" in str(exc)
    else:
        raise AssertionError("a second person got Ana's address")
    session.rollback()


def test_other_emails_through_the_form_the_api_and_the_export(
    logged_in, api, session, user, tmp_path
):
    response = logged_in.submit(
        "/contacts/new",
        {"first_name": "Ana", "email": "ana@work.example",
         "other_emails": "ana@home.example\nnot an address"},
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "not an address" in page
    assert "ana@work.example" in page  # what was typed stays
    response = logged_in.submit(
        "/contacts/new",
        {"first_name": "Ana", "email": "ana@work.example", "other_emails": "ana@home.example"},
    )
    assert response.status_code == 302
    found = api.get("/api/v1/contacts?q=ana@home.example").get_json()["items"]
    assert [c["other_emails"] for c in found] == [["ana@home.example"]]
    created = api.post(
        "/api/v1/contacts",
        json={"first_name": "Ben", "email": "ben@x.example", "other_emails": ["ana@home.example"]},
    )
    assert created.status_code in (409, 422)
    contact_id = found[0]["id"]
    patched = api.patch(
        f"/api/v1/contacts/{contact_id}", json={"other_emails": ["a2@x.example", "a3@x.example"]}
    )
    assert patched.get_json()["other_emails"] == ["a2@x.example", "a3@x.example"]
    # The CSV export: other_emails right after do_not_contact, joined with "; ".
    assert HEADER[HEADER.index("do_not_contact") + 1] == "other_emails"
    path = tmp_path / "out.csv"
    write_export(session, user.account, str(path))
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["other_emails"] == "a2@x.example; a3@x.example"
    ana = session.scalar(select(Contact).where(Contact.email == "ana@work.example"))
    assert ana is not None


def test_after_an_import_the_artist_fixes_roles_for_a_whole_list(logged_in, session, user):
    text = sheet(
        ["Name", "Email", "Job Title", "Company"],
        ["Ana Okafor", "ana@b.example", "Publicist", "Loud PR"],
        ["Ben Ruiz", "ben@b.example", "Booker", "Harbor Touring"],
        ["Cleo Park", "cleo@b.example", "", "Harbor Touring Two"],
        ["Dev Shah", "dev@b.example", "", ""],
    )
    run(session, user, text)
    # The guessed ones, shown as guesses, confirmed in one go.
    page = logged_in.get("/contacts/?role_guessed=1").get_data(as_text=True)
    assert "Showing 1–3 of 3 contacts" in page and "guessed</span>" in page
    done = logged_in.submit("/contacts/roles", {"role_guessed": "1", "new_role": "confirm"})
    assert done.status_code == 302 and "role_guessed=True" in done.headers["Location"]
    assert "3 contacts: guessed roles confirmed" in logged_in.get(
        done.headers["Location"]
    ).get_data(as_text=True)
    # Those without any role get one.
    logged_in.submit("/contacts/roles", {"role": "none", "new_role": "producer"})
    book = contacts(session, user)
    assert book["dev@b.example"].role == Role.PRODUCER
    assert book["ana@b.example"].role == Role.PUBLICIST  # untouched: it had one
    assert not any(c.role_inferred for c in book.values())
    refused = logged_in.submit("/contacts/roles", {"role": "none", "new_role": "boss"})
    assert "Choose the role" in logged_in.get(refused.headers["Location"]).get_data(as_text=True)


def test_local_numbers_in_an_artists_own_book_are_of_their_country(session, user, make_user):
    """The artist lives in London (their time zone): the numbers of their sheet written
    without +44 are UK numbers, not rejected rows; an account on UTC is told what to do."""
    text = sheet(["Name", "Email", "Phone"], ["Ana Okafor", "ana@x.example", "07700 900123"])
    _record, summary = run(session, user, text)
    assert (summary.created, summary.rejected) == (1, 0)
    assert contacts(session, user)["ana@x.example"].phone == "+44 7700 900123"
    nowhere = make_user("utc@example.com", timezone="UTC")
    _record, summary = run(session, nowhere, text)
    assert summary.rejected == 1 and "Add the country code" in summary.errors[0].message
