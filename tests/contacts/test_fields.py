"""The field rules every entry point shares (form, API, import)."""

import re

import pytest

from crm.contacts.fields import clean_contact
from crm.models import Role


def clean(**raw):
    return clean_contact(raw)


def test_a_contact_needs_a_name_or_an_email():
    result = clean()
    assert result.errors == {"first_name": ["A contact needs a name or an email address."]}
    assert clean(email="ana@label.example").ok
    assert clean(last_name="Okafor").ok


@pytest.mark.parametrize("email", ["not-an-email", "ana@", "ana@@label.example", "a b@x.example"])
def test_invalid_emails_are_refused_with_a_reason(email):
    result = clean(first_name="Ana", email=email)
    assert "email" in result.errors
    assert result.errors["email"][0]


def test_email_domain_is_normalised():
    assert clean(email="Ana@Label.EXAMPLE").values["email"] == "Ana@label.example"


@pytest.mark.parametrize(
    ("phone", "country", "expected"),
    [
        ("+44 7700 900123", "", "+44 7700 900123"),
        ("07700 900123", "United Kingdom", "+44 7700 900123"),
        ("(212) 555-0123", "US", "+1 212-555-0123"),
        ("0049 30 1234567", "", "+49 30 1234567"),
    ],
)
def test_phone_numbers_are_normalised(phone, country, expected):
    result = clean(first_name="A", phone=phone, country=country)
    assert result.ok, result.errors
    assert result.values["phone"] == expected


def test_a_local_phone_number_without_a_country_asks_for_the_code():
    result = clean(first_name="A", phone="020 7946 0958")
    assert "country code" in result.errors["phone"][0]


def test_garbage_phone_is_refused():
    assert "phone" in clean(first_name="A", phone="call me maybe").errors


@pytest.mark.parametrize(
    ("typed", "role"),
    [
        ("A&R", Role.AR),
        ("ar", Role.AR),
        ("playlist curator", Role.CURATOR),
        ("Booking Agent", Role.BOOKING_AGENT),
        ("booking_agent", Role.BOOKING_AGENT),
        ("LABEL EXECUTIVE", Role.LABEL_EXEC),
        ("", None),
    ],
)
def test_roles_accept_codes_and_human_labels(typed, role):
    assert clean(first_name="A", role=typed).values["role"] == role


def test_unknown_role_lists_the_choices():
    message = clean(first_name="A", role="wizard").errors["role"][0]
    assert "A&R" in message and "Playlist Curator" in message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("gb", "United Kingdom"),
        ("UK", "United Kingdom"),
        ("deu", "Germany"),
        ("united states", "United States"),
        ("Scotland", "United Kingdom"),
        ("", ""),
    ],
)
def test_known_countries_get_one_spelling(typed, stored):
    assert clean(first_name="A", country=typed).values["country"] == stored


def test_a_country_nobody_knows_is_refused_with_what_to_type():
    message = clean(first_name="A", country="Atlantis").errors["country"][0]
    assert "Atlantis" in message and "two-letter code" in message


def test_urls_get_a_scheme_and_bad_ones_are_refused():
    assert (
        clean(first_name="A", website="label.example").values["website"] == "https://label.example"
    )
    assert "website" in clean(first_name="A", website="javascript:alert(1)").errors
    assert "website" in clean(first_name="A", website="not a url").errors
    assert "linkedin" in clean(first_name="A", linkedin="[;,\n]").errors  # found by fuzzing


def test_social_handles_or_links_on_the_right_network():
    values = clean(first_name="A", instagram="ana.music", twitter="https://x.com/ana").values
    assert values["instagram"] == "@ana.music"
    assert values["twitter"] == "https://x.com/ana"
    assert "tiktok" in clean(first_name="A", tiktok="https://instagram.com/ana").errors
    bad = clean(first_name="A", instagram="@ana music!").errors["instagram"]
    assert "is not a handle" in " ".join(bad) and "web address" not in " ".join(bad)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("0, 7", "start at 1 (not 0)"),
        ("7, 400", "400 days is too far (at most 365)"),
        (",".join(str(d) for d in range(1, 13)), "At most 10 follow-ups; these are 12."),
        ("seven", "Write the days as numbers"),
    ],
)
def test_a_wrong_cadence_is_told_what_is_wrong(typed, said):
    from crm.pitches.services import PitchRefused, clean_cadence

    with pytest.raises(PitchRefused, match=re.escape(said)):
        clean_cadence(typed)


def test_genres_and_tags_split_trim_and_dedupe():
    values = clean(
        first_name="A", genres="Indie; folk ;indie", tags=["festival", " Festival "]
    ).values
    assert values["genres"] == ["Indie", "folk"]
    assert values["tags"] == ["festival"]


@pytest.mark.parametrize("typed", ["yes", "TRUE", "1", "y"])
def test_do_not_contact_accepts_yes_words(typed):
    assert clean(first_name="A", do_not_contact=typed).values["do_not_contact"] is True


def test_partial_cleaning_touches_only_given_fields():
    result = clean_contact({"city": " Berlin "}, partial=True)
    assert result.ok and result.values == {"city": "Berlin"}


def test_overlong_text_is_refused_with_the_limit():
    assert "At most 100 characters" in clean(first_name="x" * 101).errors["first_name"][0]


def test_every_way_in_and_out_knows_every_contact_field():
    """A field added to crm.contacts.fields.FIELDS reaches the form, the API, the import's
    mapping menu and the CSV export, or this says which one it missed."""
    from crm.api.contacts import ContactInSchema, ContactSchema
    from crm.contacts.fields import CONTACT_FIELDS
    from crm.contacts.forms import ContactForm
    from crm.imports.export import HEADER
    from crm.imports.mapping import FULL_NAME, TARGETS

    fields = set(CONTACT_FIELDS)
    assert set(ContactInSchema().fields) == fields
    assert fields <= set(ContactSchema().fields)
    assert set(TARGETS) == fields | {FULL_NAME}
    assert HEADER == list(CONTACT_FIELDS)
    form_fields = {name for name in vars(ContactForm) if not name.startswith("_")}
    assert fields <= form_fields, fields - form_fields


def test_notes_keep_their_lines_with_one_kind_of_line_break():
    """A form's textarea sends CRLF, vCard 2.1 writes =0D=0A: stored as \\n either way."""
    assert clean(first_name="A", notes="one\r\ntwo\rthree\n").values["notes"] == "one\ntwo\nthree"


@pytest.mark.parametrize(
    "written, country",
    [("Deutschland", "Germany"), ("Royaume-Uni", "United Kingdom"), ("España", "Spain"),
     ("österreich", "Austria"), ("日本", "Japan")],
)  # fmt: skip
def test_a_country_written_in_another_language_is_known(written, country):
    """Outlook in German exports "Deutschland": pycountry's translations of ISO 3166."""
    assert clean(first_name="A", country=written).values["country"] == country


def test_a_local_number_is_read_as_one_of_the_artists_own_country():
    """In London, 07700 900123 in their own book is a UK mobile, as their phone reads it;
    a contact's own country comes first; with no country to go by, the number is refused
    with what to do."""
    from crm.contacts.fields import home_region

    assert home_region("Europe/London") == "GB" and home_region("UTC") is None
    home = home_region("Europe/London")
    assert (
        clean_contact({"first_name": "A", "phone": "07700 900123"}, home=home).values["phone"]
        == "+44 7700 900123"
    )
    berlin = clean_contact({"first_name": "A", "phone": "030 1234567", "country": "DE"}, home=home)
    assert berlin.values["phone"] == "+49 30 1234567"
    assert "Add the country code" in clean(first_name="A", phone="07700 900123").errors["phone"][0]
