"""Contacts as vCard, and vCard files as import rows, through vobject (never a parser of
our own). Export writes vCard 4.0; import reads 3.0 and 4.0 as Apple Contacts, Google and
Outlook write them: several addresses and phones a card, ORG, TITLE, NOTE, URL,
X-SOCIALPROFILE and categories; photos are ignored."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import vobject

from crm.models import Contact

SOCIAL = {"instagram": "instagram", "twitter": "twitter", "x": "twitter", "tiktok": "tiktok"}


def _line(out: io.StringIO, name: str, value: str, params: str = "") -> None:
    """One property, escaped and folded to 75 octets by vobject's own helpers."""
    vobject.base.foldOneLine(out, f"{name}{params}:{value}")


def contact_card(contact: Contact) -> str:
    """One contact as a vCard 4.0 text (RFC 6350). Written property by property with
    vobject's escaping and line folding: its object model speaks 3.0 (its 4.0 output would
    say VERSION:3.0) and costs a millisecond a card, most of a large backup."""
    esc = vobject.base.backslashEscape
    out = io.StringIO()
    _line(out, "BEGIN", "VCARD")
    _line(out, "VERSION", "4.0")
    _line(out, "FN", esc(contact.display_name))
    _line(out, "N", f"{esc(contact.last_name)};{esc(contact.first_name)};;;")
    for index, email in enumerate(contact.emails):
        _line(out, "EMAIL", esc(email), ";PREF=1" if index == 0 else "")
    if contact.phone:
        _line(out, "TEL", esc(contact.phone))
    if contact.company:
        _line(out, "ORG", esc(contact.company.name))
    if contact.title:
        _line(out, "TITLE", esc(contact.title))
    if contact.role:
        _line(out, "ROLE", esc(contact.role.label))
    if contact.city or contact.country:
        _line(out, "ADR", f";;;{esc(contact.city)};;;{esc(contact.country)}")
    for url in (contact.website, contact.linkedin):
        if url:
            _line(out, "URL", esc(url))
    for network in ("instagram", "twitter", "tiktok"):
        handle = getattr(contact, network)
        if handle:
            _line(out, "X-SOCIALPROFILE", esc(handle), f";TYPE={network}")
    labels = [*contact.genres, *contact.tags]
    if labels:
        _line(out, "CATEGORIES", ",".join(map(esc, labels)))
    if contact.notes:
        _line(out, "NOTE", esc(contact.notes))
    _line(out, "UID", f"urn:stagedoor:contact:{contact.id}")
    _line(out, "END", "VCARD")
    return out.getvalue()


def cards(contacts: Iterable[Contact]) -> Iterator[str]:
    for contact in contacts:
        yield contact_card(contact)


# --- reading ------------------------------------------------------------------------------

# The import's columns for a card: the contract's names, so the usual mapping takes them.
HEADER = [
    "first_name", "last_name", "email", "other_emails", "phone", "Phone 2", "Phone 3",
    "company", "title", "city", "country", "website", "instagram", "twitter", "tiktok",
    "linkedin", "tags", "notes",
]  # fmt: skip


def is_vcard(data: bytes) -> bool:
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith(b"BEGIN:VCARD")


class NotAVCard(ValueError):
    """A .vcf file vobject cannot read, with the reason."""


def _values(card, name: str) -> list:
    return [line.value for line in card.contents.get(name, [])]


def _first(card, name: str) -> str:
    values = _values(card, name)
    return str(values[0]).strip() if values else ""


def _row(card) -> list[str]:
    name = card.contents.get("n")
    given = family = ""
    if name:
        given = " ".join(filter(None, [name[0].value.given, name[0].value.additional])).strip()
        family = str(name[0].value.family or "").strip()
    if not (given or family):
        given = _first(card, "fn")
    emails = [str(v).strip() for v in _values(card, "email") if str(v).strip()]
    phones = [str(v).strip() for v in _values(card, "tel") if str(v).strip()]
    org = card.contents.get("org")
    company = ""
    if org:
        value = org[0].value
        company = str(value[0] if isinstance(value, list) and value else value).strip()
    city = country = ""
    if card.contents.get("adr"):
        address = card.contents["adr"][0].value
        city, country = str(address.city or "").strip(), str(address.country or "").strip()
    urls = [str(v).strip() for v in _values(card, "url") if str(v).strip()]
    website = next((u for u in urls if "linkedin.com" not in u), "")
    linkedin = next((u for u in urls if "linkedin.com" in u), "")
    social = {"instagram": "", "twitter": "", "tiktok": ""}
    for line in card.contents.get("x-socialprofile", []):
        kind = ",".join(line.params.get("TYPE", [])).lower()
        value = str(line.value).strip()
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
        "; ".join(c.strip() for c in categories if c.strip()), _first(card, "note"),
    ]  # fmt: skip


def vcard_to_csv(data: bytes) -> bytes:
    """A .vcf file as the CSV the import engine reads (UTF-8), a row a card."""
    text = data.decode("utf-8-sig", errors="replace")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    try:
        for card in vobject.readComponents(text, ignoreUnreadable=True):
            if card.name.upper() == "VCARD":
                writer.writerow(_row(card))
    except Exception as exc:  # vobject raises its own ParseError and plain ValueErrors
        raise NotAVCard(f"This vCard file cannot be read: {exc}") from None
    return out.getvalue().encode()
