"""An artist imports the .vcf files their address books write: Apple Contacts and Google
(vCard 3.0, grouped properties, escaped colons in links, photos), and Outlook (vCard 2.1,
Windows-1252, quoted-printable notes and addresses, a fax, names of countries in German).
The fixtures in tests/fixtures/vcard are written in each one's shape."""

from pathlib import Path

from crm.imports.services import import_now
from crm.models import Role
from tests.imports.test_importing import contacts, upload

CARDS = Path(__file__).parent.parent / "fixtures" / "vcard"


def run(session, user, name: str):
    _record, summary = import_now(session, user.account, user, name, (CARDS / name).read_bytes())
    session.commit()
    return summary


def test_an_apple_contacts_export(session, user):
    summary = run(session, user, "apple_contacts.vcf")
    assert (summary.created, summary.rejected) == (2, 0)
    book = contacts(session, user)
    ana = book["ana@bluebird.example"]  # the preferred address is the main one
    assert (ana.first_name, ana.last_name) == ("Ana María", "Okafor")
    assert ana.other_emails == ["ana.okafor@home.example"]
    assert ana.company.name == "Bluebird Records" and ana.title == "Head of A&R"
    assert ana.phone == "+44 7700 900123" and "+44 20 7946 0958" in ana.notes
    assert (ana.city, ana.country) == ("Manchester", "United Kingdom")
    assert ana.website == "https://bluebird.example"  # Apple's https\:// unescaped
    assert ana.twitter == "http://twitter.com/anaokafor"
    assert ana.instagram == "https://www.instagram.com/ana.sings"
    assert ana.notes.startswith("Met at Liverpool Sound City, 2025.\nLikes folk; hates autoplay.")
    assert (ana.role, ana.role_inferred) == (Role.AR, True)
    # A company's card is the company, not a person named like it.
    office = book["info@northernlights.example"]
    assert (office.first_name, office.last_name) == ("", "")
    assert office.company.name == "Northern Lights Booking"


def test_a_google_contacts_export(session, user):
    summary = run(session, user, "google_contacts.vcf")
    assert (summary.created, summary.rejected) == (2, 0)
    book = contacts(session, user)
    jules = book["jules@tourfactory.example"]
    assert jules.other_emails == ["jules.mbeki@gmail.example", "jm@oldlabel.example"]
    assert jules.phone == "+27 82 555 0199"
    assert "+27 21 555 0100" in jules.notes and "+44 7700 900456" in jules.notes
    assert jules.website == "http://tourfactory.example"
    assert jules.linkedin == "https://www.linkedin.com/in/julesmbeki"
    assert jules.country == "South Africa" and jules.role == Role.BOOKING_AGENT
    # Google's own "myContacts" group is on every card: it is not a tag of theirs.
    assert jules.tags == ["Festivals", "Starred"]
    soren = book["soren@nordicwaves.example"]
    assert (soren.first_name, soren.last_name, soren.tags) == ("Søren", "Ålund", [])
    assert soren.role == Role.CURATOR


def test_an_outlook_export_in_windows_1252(session, user):
    summary = run(session, user, "outlook_2016.vcf")
    assert (summary.created, summary.rejected) == (1, 0)
    anke = contacts(session, user)["anke.mueller@klangwerk.example"]
    assert (anke.first_name, anke.last_name) == ("Anke", "Müller")
    assert anke.other_emails == ["presse@klangwerk.example"]
    assert anke.notes.startswith("Pressekontakt für Berlin.\nMöchte Vinyl.")
    assert anke.phone == "+49 30 1234567"
    assert anke.notes.endswith("Other phones: 0151 23456789; +49 30 1234568")  # the fax last
    assert (anke.city, anke.country) == ("Berlin", "Germany")  # "Deutschland"
    assert anke.website == "https://www.klangwerk.example"
    assert anke.company.name == "Klangwerk GmbH" and anke.role == Role.PUBLICIST


def test_a_vcf_on_the_import_page_goes_through_the_mapping(logged_in):
    response = upload(logged_in, (CARDS / "outlook_2016.vcf").read_bytes(), "outlook.vcf")
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Müller" in page and "anke.mueller@klangwerk.example" in page
