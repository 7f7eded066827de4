"""The rules for a contact's fields, in one place: the web form, the JSON API and the CSV
import all clean their input through `clean_contact`, so a value is valid everywhere or
nowhere."""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from crm.fields import Cleaned, FieldError, Rule, clean_fields
from crm.models.contacts import ROLE_LABELS, Role
from crm.text import fold


@dataclass(frozen=True)
class ContactField:
    """One of a contact's fields: its name (the same in the form, the API, CSV files and
    backups), its label, and whether it is a column of the contact's own (the company,
    genres, tags and further addresses live in tables of their own)."""

    name: str
    label: str
    column: bool = True


FIELDS = (
    ContactField("first_name", "First name"),
    ContactField("last_name", "Last name"),
    ContactField("email", "Email"),
    ContactField("phone", "Phone"),
    ContactField("role", "Role"),
    ContactField("company", "Company", column=False),
    ContactField("title", "Job title"),
    ContactField("city", "City"),
    ContactField("country", "Country"),
    ContactField("genres", "Genres", column=False),
    ContactField("tags", "Tags", column=False),
    ContactField("website", "Website"),
    ContactField("instagram", "Instagram"),
    ContactField("twitter", "X / Twitter"),
    ContactField("tiktok", "TikTok"),
    ContactField("linkedin", "LinkedIn"),
    ContactField("notes", "Notes"),
    ContactField("do_not_contact", "Do not contact"),
    ContactField("other_emails", "Other emails", column=False),
)
CONTACT_FIELDS = tuple(f.name for f in FIELDS)  # also the CSV export's columns (contract)
PLAIN_FIELDS = tuple(f.name for f in FIELDS if f.column)  # straight onto Contact columns
CONTACT_LABELS = {f.name: f.label for f in FIELDS}
TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "title": 120,
    "city": 120,
    "country": 120,
    "notes": 20_000,
}
SOCIAL_HOSTS = {
    "instagram": ("instagram.com",),
    "twitter": ("twitter.com", "x.com"),
    "tiktok": ("tiktok.com",),
}
MAX_LIST_ITEMS = 30
MAX_OTHER_EMAILS = 10
MAX_LIST_ITEM_LENGTH = 60

_ROLE_BY_WORD = {fold(label): role for role, label in ROLE_LABELS.items()}
_ROLE_BY_WORD.update({role.value: role for role in Role})
_ROLE_BY_WORD.update(
    {
        "a&r": Role.AR,
        "a & r": Role.AR,
        "a and r": Role.AR,
        "label exec": Role.LABEL_EXEC,
        "booking": Role.BOOKING_AGENT,
        "agent": Role.BOOKING_AGENT,
        "curator": Role.CURATOR,
        "journalist": Role.PRESS,
        "pr": Role.PUBLICIST,
    }
)
_COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "uae": "AE",
}
_TRUE_WORDS = {"true", "yes", "y", "1", "on", "x"}
_FALSE_WORDS = {"false", "no", "n", "0", "off", ""}
_HANDLE = re.compile(r"^@?([A-Za-z0-9_.]{1,64})$")


NAME_OR_EMAIL = "A contact needs a name or an email address."
# One of these must be set (the API's document says so too, as an anyOf).
NAME_OR_EMAIL_FIELDS = ("first_name", "last_name", "email")


def require_name_or_email(values: Mapping[str, object], result: Cleaned) -> None:
    """A contact is someone: it needs a name or an email (the form, the API's create and
    update, and every import row ask this of the contact as it will be stored)."""
    if "email" in result.errors:
        return
    if not any(values.get(name) for name in NAME_OR_EMAIL_FIELDS):
        result.add_error("first_name", NAME_OR_EMAIL)


# RFC 5322's dot-atom: the local part of nearly every real address.
_PLAIN_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


@lru_cache(maxsize=4096)
def _clean_domain(domain: str) -> str:
    """A domain checked and normalised by email-validator, once per domain (an import of
    100,000 rows has a few thousand)."""
    return validate_email("x@" + domain, check_deliverability=False).domain


def clean_email(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        local, at, domain = value.rpartition("@")
        if at and len(local) <= 64 and len(value) <= 254 and _PLAIN_LOCAL.match(local):
            return f"{local}@{_clean_domain(domain)}"
        # Anything unusual (quoted, internationalised, malformed) gets the full check.
        # Syntax only: a contact's mail server is not looked up on every save or import row.
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(str(exc)) from None


def email_key(email: str | None) -> str | None:
    return email.lower() if email else None


def clean_other_emails(value: object, main: object = "") -> list[str]:
    """Further addresses of the person: a list, or text joined with `;` (commas, spaces and
    lines work too). Each is checked like the main one; repeats, and the main address
    itself, are dropped, case-insensitively."""
    items = value if isinstance(value, list | tuple) else re.split(r"[;,\s]+", str(value or ""))
    seen: dict[str, str] = {}
    main_key = None
    if main:
        try:
            main_key = email_key(clean_email(str(main)))
        except FieldError:
            main_key = None  # the main address gets its own message
    for item in items:
        address = str(item or "").strip()
        if not address:
            continue
        try:
            email = clean_email(address)
        except FieldError as exc:
            raise FieldError(f"{address[:80]}: {exc}") from None
        key = email_key(email)
        if email and key and key != main_key:
            seen.setdefault(key, email)
    if len(seen) > MAX_OTHER_EMAILS:
        raise FieldError(f"At most {MAX_OTHER_EMAILS} further addresses.")
    return list(seen.values())


# The languages whose country names an address book may hold (Outlook in German writes
# "Deutschland", in French "Allemagne"): pycountry carries ISO 3166's names translated.
COUNTRY_NAME_LANGUAGES = (
    "de", "fr", "es", "it", "nl", "pt", "pt_BR", "sv", "da", "nb_NO", "fi", "is", "pl", "cs",
    "sk", "hu", "ro", "hr", "sl", "el", "tr", "ru", "uk", "ja", "ko", "zh_CN", "zh_TW",
)  # fmt: skip


@lru_cache(maxsize=1)
def _countries_by_translated_name() -> dict[str, str]:
    """Folded name in any of COUNTRY_NAME_LANGUAGES -> alpha-2, built once on first use."""
    names: dict[str, str] = {}
    for language in COUNTRY_NAME_LANGUAGES:
        try:
            translation = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
            )
        except OSError:
            continue
        for country in pycountry.countries:
            for attribute in ("name", "common_name", "official_name"):
                name = getattr(country, attribute, None)
                if name:
                    names.setdefault(fold(translation.gettext(name)), country.alpha_2)
    return names


@lru_cache(maxsize=1024)
def country_code(country: str) -> str | None:
    """ISO 3166 alpha-2 code for a country name or code, when it is a known one: in
    English, or in one of COUNTRY_NAME_LANGUAGES."""
    word = country.strip()
    if not word:
        return None
    alias = _COUNTRY_ALIASES.get(word.lower())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(word).alpha_2
    except LookupError:
        return _countries_by_translated_name().get(fold(word))


@lru_cache(maxsize=1024)
def clean_country(value: str) -> str:
    """Known countries get one spelling ("gb", "UK" -> "United Kingdom"), so filters work;
    anything else is refused, so a typo does not become a country of its own."""
    value = " ".join(value.split())
    if not value:
        return ""
    code = country_code(value)
    if code is None:
        raise FieldError(
            f"“{value[:60]}” is not a country we know. Use its name or its two-letter code"
            " (like Germany or DE)."
        )
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


@lru_cache(maxsize=64)
def home_region(time_zone: str) -> str | None:
    """The country of an account's time zone (Europe/London: GB), from the IANA table that
    tzdata carries: a number written without its country code in the artist's own book is
    most likely from where they live, as a phone reads it. None for UTC and the like."""
    with resources.files("tzdata").joinpath("zoneinfo", "zone.tab").open(encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                code, _coordinates, zone, *_ = line.rstrip("\n").split("\t")
                if zone == time_zone:
                    return code
    return None


def clean_phone(value: str, country: str = "", home: str | None = None) -> str:
    """A phone number in international format. Without a country code it is read as a
    number of the contact's country, else of `home` (the account's, see home_region)."""
    value = value.strip()
    if not value:
        return ""
    region = (country_code(country) if country else None) or home
    if region is None and value.startswith("00"):
        value = "+" + value[2:]  # the international prefix most of the world dials
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        if region is None and not value.startswith("+"):
            raise FieldError(
                "Add the country code (like +44 20 7946 0958), or set the contact's country."
            ) from None
        raise FieldError("This is not a phone number.") from None
    if not phonenumbers.is_possible_number(number):
        raise FieldError("This phone number has the wrong number of digits.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:  # e.g. a malformed [IPv6] host
        raise FieldError("Enter a web address like https://example.com.") from None
    if parts.scheme not in ("http", "https") or "." not in host or " " in value:
        raise FieldError("Enter a web address like https://example.com.")
    if len(value) > 300:
        raise FieldError("Web addresses are limited to 300 characters.")
    return value


def clean_social(network: str, value: str) -> str:
    """A handle (`@name`) or a profile URL on that network."""
    value = value.strip()
    if not value:
        return ""
    handle = _HANDLE.match(value)
    if handle and network in SOCIAL_HOSTS:
        return "@" + handle.group(1)
    if network in SOCIAL_HOSTS and (value.startswith("@") or "." not in value):
        raise FieldError(
            f"“{value[:40]}” is not a handle: use letters, digits, dots and underscores after"
            f" the @ (like @name), or paste the {SOCIAL_HOSTS[network][0]} link."
        )
    url = clean_url(value)
    if network in SOCIAL_HOSTS:
        host = (urlsplit(url).hostname or "").removeprefix("www.")  # parsed fine above
        if host not in SOCIAL_HOSTS[network]:
            raise FieldError(f"Enter a handle like @name or a {SOCIAL_HOSTS[network][0]} link.")
    return url


def clean_role(value: str) -> Role | None:
    word = fold(value)
    if not word:
        return None
    role = _ROLE_BY_WORD.get(word) or _ROLE_BY_WORD.get(word.replace("_", " "))
    if role is None:
        choices = ", ".join(ROLE_LABELS.values())
        raise FieldError(f"Unknown role “{value.strip()}”. Choose one of: {choices}.")
    return role


def clean_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value or "").strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise FieldError("Use true or false (yes/no also work).")


def clean_list(value: object) -> list[str]:
    """Genres or tags: a list, or text joined with `;` (commas work too)."""
    items = value if isinstance(value, list | tuple) else re.split(r"[;,\n]", str(value or ""))
    seen: dict[str, str] = {}
    for item in items:
        name = " ".join(str(item).split())
        if not name:
            continue
        if len(name) > MAX_LIST_ITEM_LENGTH:
            raise FieldError(f"“{name[:20]}…” is longer than {MAX_LIST_ITEM_LENGTH} characters.")
        seen.setdefault(fold(name), name)
    if len(seen) > MAX_LIST_ITEMS:
        raise FieldError(f"At most {MAX_LIST_ITEMS} entries.")
    return list(seen.values())


def clean_text(name: str, value: object) -> str:
    text = str(value or "").strip()
    if name == "notes":  # a form's textarea and vCard 2.1 send CRLF: one kind of line break
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        text = " ".join(text.split())
    limit = TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise FieldError(f"At most {limit} characters ({len(text)} given).")
    return text


def _phone_rule(home: str | None) -> Rule:
    return lambda value, raw: clean_phone(str(value), str(raw.get("country") or ""), home)


# How each field is cleaned, given its raw value and the whole raw input (a phone number
# reads the country); a field not listed here is text.
_CLEANERS: dict[str, Callable[[object, Mapping[str, object]], object]] = {
    "email": lambda value, raw: clean_email(str(value)),
    "phone": _phone_rule(None),
    "role": lambda value, raw: clean_role(str(value)),
    "country": lambda value, raw: clean_country(clean_text("country", value)),
    "genres": lambda value, raw: clean_list(value),
    "tags": lambda value, raw: clean_list(value),
    "website": lambda value, raw: clean_url(str(value)),
    "linkedin": lambda value, raw: clean_url(str(value)),
    **{
        network: (lambda value, raw, network=network: clean_social(network, str(value)))
        for network in SOCIAL_HOSTS
    },
    "do_not_contact": lambda value, raw: clean_bool(value),
    "other_emails": lambda value, raw: clean_other_emails(value, raw.get("email") or ""),
}


def _text_rule(name: str) -> Rule:
    return lambda value, raw: clean_text(name, value)


RULES: dict[str, Rule] = {name: _CLEANERS.get(name) or _text_rule(name) for name in CONTACT_FIELDS}


@lru_cache(maxsize=32)
def _rules_at(home: str | None) -> dict[str, Rule]:
    """RULES with phones read for `home`: made once per country, not once per import row."""
    return RULES if home is None else {**RULES, "phone": _phone_rule(home)}


def clean_contact(
    raw: Mapping[str, object], *, partial: bool = False, home: str | None = None
) -> Cleaned:
    """Validate raw input (strings, or lists and booleans from JSON) into storable values.

    With `partial`, only the fields present are cleaned (an API PATCH or an import row
    merging into an existing contact); otherwise missing fields count as empty. `home`:
    the account's country (home_region), for phone numbers without a country code.
    """
    names = [n for n in CONTACT_FIELDS if n in raw] if partial else CONTACT_FIELDS
    result = clean_fields(raw, _rules_at(home), names)
    if not partial:
        require_name_or_email(result.values, result)
    return result
