"""Contacts as vCard, and vCard files as import rows, through vobject (never a parser of
our own). Export writes vCard 4.0; import reads 3.0 and 4.0 as Apple Contacts, Google and
Outlook write them: several addresses and phones a card, ORG, TITLE, NOTE, URL,
X-SOCIALPROFILE and categories; photos are ignored."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

import vobject
from sqlalchemy import Select
from sqlalchemy.orm import Session

from crm.contacts.services import contact_values, with_values
from crm.models import Account, Contact, Role
from crm.models.contacts import every_address, shown_name

SOCIAL = {"instagram": "instagram", "twitter": "twitter", "x": "twitter", "tiktok": "tiktok"}


def _line(out: io.StringIO, name: str, value: str, params: str = "") -> None:
    """One property, escaped and folded to 75 octets by vobject's own helpers."""
    line = f"{name}{params}:{value}"
    if len(line) < 75:  # vobject's own test for a line it writes whole; it then tries
        out.write(line + "\r\n")  # bytes first and falls back on text (two exceptions)
    else:
        vobject.base.foldOneLine(out, line)


def card(values: Mapping[str, Any], contact_id: int) -> str:
    """One contact (its `contact_values`) as a vCard 4.0 text (RFC 6350). Written property
    by property with vobject's escaping and line folding: its object model speaks 3.0 (its
    4.0 output would say VERSION:3.0) and costs a millisecond a card, most of a large
    backup."""
    esc = vobject.base.backslashEscape
    out = io.StringIO()
    first, last, email = values["first_name"], values["last_name"], values["email"]
    _line(out, "BEGIN", "VCARD")
    _line(out, "VERSION", "4.0")
    _line(out, "FN", esc(shown_name(first, last, email, contact_id)))
    _line(out, "N", f"{esc(last)};{esc(first)};;;")
    for index, address in enumerate(every_address(email, values["other_emails"])):
        _line(out, "EMAIL", esc(address), ";PREF=1" if index == 0 else "")
    if values["phone"]:
        _line(out, "TEL", esc(values["phone"]))
    if values["company"]:
        _line(out, "ORG", esc(values["company"]))
    if values["title"]:
        _line(out, "TITLE", esc(values["title"]))
    if values["role"]:
        _line(out, "ROLE", esc(Role(values["role"]).label))
    if values["city"] or values["country"]:
        _line(out, "ADR", f";;;{esc(values['city'])};;;{esc(values['country'])}")
    for url in (values["website"], values["linkedin"]):
        if url:
            _line(out, "URL", esc(url))
    for network in ("instagram", "twitter", "tiktok"):
        if values[network]:
            _line(out, "X-SOCIALPROFILE", esc(values[network]), f";TYPE={network}")
    labels = [*values["genres"], *values["tags"]]
    if labels:
        _line(out, "CATEGORIES", ",".join(map(esc, labels)))
    if values["notes"]:
        _line(out, "NOTE", esc(values["notes"]))
    _line(out, "UID", f"urn:stagedoor:contact:{contact_id}")
    _line(out, "END", "VCARD")
    return out.getvalue()


def contact_card(contact: Contact) -> str:
    return card(contact_values(contact), contact.id)


def cards(session: Session, account: Account, ids: Select) -> Iterator[str]:
    """The cards of the contacts `ids` selects, in its order."""
    for row, values in with_values(session, account, ids):
        yield card(values, row[0])


# --- reading ------------------------------------------------------------------------------

# The import's columns for a card: the contract's names, so the usual mapping takes them.
HEADER = [
    "first_name", "last_name", "email", "other_emails", "phone", "Phone 2", "Phone 3",
    "company", "title", "city", "country", "website", "instagram", "twitter", "tiktok",
    "linkedin", "tags", "notes",
]  # fmt: skip


def is_vcard(head: str) -> bool:
    """Whether a file's first characters (decoded) open a vCard."""
    return head[:200].lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD")


class NotAVCard(ValueError):
    """A .vcf file vobject cannot read, with the reason."""


# Google's own group, which every contact of a Google export is in: not a tag of theirs.
SYSTEM_CATEGORIES = {"mycontacts"}


def _values(card, name: str) -> list:
    return [line.value for line in card.contents.get(name, [])]


def _types(line) -> set[str]:
    """A property's types, however the version writes them: TYPE=WORK,PREF (3.0), bare
    WORK;PREF (2.1, which vobject files under TYPE) or PREF=1 (4.0)."""
    types = {t.lower() for value in line.params.get("TYPE", []) for t in value.split(",")}
    if line.params.get("PREF"):
        types.add("pref")
    return types


def _ranked(card, name: str, last: frozenset[str] = frozenset()) -> list[str]:
    """A property's values, the preferred first and the kinds in `last` (a fax) at the
    end, else in the card's order."""
    lines = card.contents.get(name, [])
    kinds = [_types(line) for line in lines]
    order = sorted(
        range(len(lines)), key=lambda i: (bool(kinds[i] & last), "pref" not in kinds[i], i)
    )
    values = (str(lines[i].value).strip() for i in order)
    return [value for value in values if value]


def _unescaped(url: str) -> str:
    """Apple and Google write a URL's colon escaped (https\\://), which vCard 3.0 does
    not ask for and vobject leaves as it is."""
    return url.replace("\\:", ":")


def _is_a_company(card, company: str) -> bool:
    """A card for a company, not a person: Apple marks it, others repeat ORG as FN."""
    shown_as = _first(card, "x-abshowas").upper()
    return shown_as == "COMPANY" or (bool(company) and _first(card, "fn") == company)


def _first(card, name: str) -> str:
    values = _values(card, name)
    return str(values[0]).strip() if values else ""


def _row(card) -> list[str]:
    name = card.contents.get("n")
    given = family = ""
    if name:
        given = " ".join(filter(None, [name[0].value.given, name[0].value.additional])).strip()
        family = str(name[0].value.family or "").strip()
    emails = _ranked(card, "email")
    phones = _ranked(card, "tel", last=frozenset({"fax", "pager"}))
    org = card.contents.get("org")
    company = ""
    if org:
        value = org[0].value
        company = str(value[0] if isinstance(value, list) and value else value).strip()
    if not (given or family) and not (emails and _is_a_company(card, company)):
        given = _first(card, "fn")
    city = country = ""
    if card.contents.get("adr"):
        address = card.contents["adr"][0].value
        city, country = str(address.city or "").strip(), str(address.country or "").strip()
    urls = [_unescaped(url) for url in _ranked(card, "url")]
    website = next((u for u in urls if "linkedin.com" not in u), "")
    linkedin = next((u for u in urls if "linkedin.com" in u), "")
    social = {"instagram": "", "twitter": "", "tiktok": ""}
    for line in card.contents.get("x-socialprofile", []):
        kind = ",".join(line.params.get("TYPE", [])).lower()
        value = _unescaped(str(line.value).strip())
        for word, field in SOCIAL.items():
            if (word in kind or f"{word}.com" in value) and not social[field]:
                social[field] = value
    categories: list[str] = []
    for value in _values(card, "categories"):
        categories += value if isinstance(value, list) else str(value).split(",")
    return [
        given, family, emails[0] if emails else "", "; ".join(emails[1:]),
        phones[0] if phones else "", phones[1] if len(phones) > 1 else "",
        "; ".join(phones[2:]), company, _first(card, "title"), city, country, website,
        social["instagram"], social["twitter"], social["tiktok"], linkedin,
        "; ".join(c.strip() for c in categories if c.strip().lower() not in SYSTEM_CATEGORIES
                  and c.strip()),
        _first(card, "note"),
    ]  # fmt: skip


def vcard_to_csv(text: str) -> bytes:
    """A .vcf file (decoded: Outlook writes Windows-1252, others UTF-8) as the CSV the
    import engine reads (UTF-8), a row a card. allowQP: vCard 2.1's quoted-printable
    values run on over soft line breaks (a trailing =)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    try:
        for card in vobject.readComponents(
            text.lstrip("\ufeff"), ignoreUnreadable=True, allowQP=True
        ):
            if card.name.upper() == "VCARD":
                writer.writerow(_row(card))
    except Exception as exc:  # vobject raises its own ParseError and plain ValueErrors
        raise NotAVCard(f"This vCard file cannot be read: {exc}") from None
    return out.getvalue().encode()
