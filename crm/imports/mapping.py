"""Which column of a file goes into which contact field.

Headers are recognised from the contract's own header, the fields' human labels, and the
column names of the exports artists actually have: Google Contacts (old and new), Outlook,
and hand-made sheets ("Name", "Label", "Position", "IG", ...)."""

from __future__ import annotations

import re

from crm.contacts.fields import CONTACT_LABELS
from crm.text import fold

FULL_NAME = "full_name"  # split into first and last name
IGNORE = ""

# What a column can be imported into: each contact field, and a full name to split.
TARGETS: dict[str, str] = {
    **{name: CONTACT_LABELS[name] for name in ("first_name", "last_name")},
    FULL_NAME: "Full name (split into first and last)",
    **{n: label for n, label in CONTACT_LABELS.items() if n not in ("first_name", "last_name")},
}

# Fields that several columns may feed, in the file's order (left to right): the first
# filled email is the main address and the others become further ones; the first filled
# phone is the phone and the others go to the notes; groups, genres and notes add up.
MULTI_COLUMN = {"email", "other_emails", "phone", "tags", "genres", "notes"}

_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "forename", "first"),
    "last_name": ("last name", "lastname", "family name", "surname", "last"),
    FULL_NAME: (
        "name",
        "full name",
        "fullname",
        "contact",
        "contact name",
        "display name",
        "person",
    ),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "e-mail 1 - value",
        "email 1 - value",
        "primary email",
        "work email",
        "mail",
        "e mail",
        "e-mail 2 address",
        "e-mail 3 address",
        "e-mail 2 - value",
        "e-mail 3 - value",
        "email 2",
        "email 3",
        "e-mail 2",
        "e-mail 3",
        "second email",
        "secondary email",
        "alternate email",
        "alternative email",
        "personal email",
        "home email",
    ),
    "other_emails": ("other emails", "other email", "other addresses", "additional emails"),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "mobile phone",
        "cell",
        "telephone",
        "tel",
        "business phone",
        "primary phone",
        "phone 1 - value",
        "home phone",
        "work phone",
        "cell phone",
        "mobile number",
        "business phone 2",
        "home phone 2",
        "other phone",
        "car phone",
        "company main phone",
        "phone 2",
        "phone 3",
        "phone 2 - value",
        "phone 3 - value",
        "phone 4 - value",
    ),
    "role": ("role", "type", "category", "contact type"),
    "company": (
        "company",
        "organization",
        "organisation",
        "label",
        "record label",
        "agency",
        "management",
        "outlet",
        "publication",
        "organization 1 - name",
        "organization name",
        "employer",
        "company name",
    ),
    "title": (
        "title",
        "job title",
        "position",
        "organization 1 - title",
        "organization title",
        "job",
        "role at company",
    ),
    "city": ("city", "location", "town", "business city", "home city", "address 1 - city"),
    "country": (
        "country",
        "business country/region",
        "country/region",
        "home country/region",
        "address 1 - country",
        "nation",
    ),
    "genres": ("genres", "genre", "genre(s)", "music", "styles", "style"),
    "tags": ("tags", "tag", "labels", "categories", "groups", "group membership", "lists"),
    "website": ("website", "web site", "web page", "url", "site", "homepage", "website 1 - value"),
    "instagram": ("instagram", "ig", "insta", "instagram handle"),
    "twitter": ("twitter", "x", "x / twitter", "x/twitter", "twitter handle"),
    "tiktok": ("tiktok", "tik tok"),
    "linkedin": ("linkedin", "linked in", "linkedin url"),
    "notes": ("notes", "note", "comments", "comment", "description", "about"),
    "do_not_contact": (
        "do not contact",
        "do_not_contact",
        "dnc",
        "unsubscribed",
        "opted out",
        "no contact",
    ),
}


def header_key(header: str) -> str:
    """How headers are compared: folded, with `_` and runs of spaces as one space."""
    return re.sub(r"\s+", " ", fold(header).replace("_", " ")).strip()


_BY_HEADER: dict[str, str] = {}
for _field, _names in _ALIASES.items():
    for _name in (*_names, _field, TARGETS[_field]):
        _BY_HEADER.setdefault(header_key(_name), _field)


# Google numbers its repeated columns: "E-mail 4 - Value", "Phone 5 - Value".
_NUMBERED = re.compile(r"^(e-?mail|phone) \d+ (?:- value|address)$")


def guess_field(header: str) -> str:
    key = header_key(header)
    found = _BY_HEADER.get(key)
    if found is None and (numbered := _NUMBERED.match(key)):
        found = "phone" if numbered.group(1) == "phone" else "email"
    return found or IGNORE


# Headers too vague to win over a specific one: Outlook's "Title" is Mr/Ms, and its
# "Job Title" should fill the job title even though "Title" comes first.
WEAK_HEADERS = {
    "title",
    "type",
    "category",
    "contact",
    "person",
    "location",
    "mail",
    "site",
    "url",
    "x",
    "first",
    "last",
    "job",
    "music",
    "style",
    "labels",
    "groups",
}


def auto_mapping(header: list[str], saved: dict[str, str] | None = None) -> list[str]:
    """A target field for each column (IGNORE for none). A saved mapping wins where it names
    the column; otherwise each field goes to its most specific column, the first on a tie."""
    candidates: list[tuple[str, int]] = []
    for column in header:
        key = header_key(column)
        if saved and key in saved:
            candidates.append((saved[key], 3))
        else:
            candidates.append((guess_field(column), 1 if key in WEAK_HEADERS else 2))
    best: dict[str, int] = {}
    for index, (field, strength) in enumerate(candidates):
        if field and (field not in best or strength > candidates[best[field]][1]):
            best[field] = index
    mapping = [
        field if field and (best.get(field) == i or _also(field, strength)) else IGNORE
        for i, (field, strength) in enumerate(candidates)
    ]
    if FULL_NAME in mapping and ({"first_name", "last_name"} & set(mapping)):
        mapping = [IGNORE if f == FULL_NAME else f for f in mapping]
    return mapping


def _also(field: str, strength: int) -> bool:
    """A further column of a field that takes several (a vague header never is one)."""
    return field in MULTI_COLUMN and strength >= 2


def check_mapping(mapping: list[str]) -> str | None:
    """Why a mapping cannot be used (no name or email column), or None."""
    if not {"first_name", "last_name", FULL_NAME, "email"} & set(mapping):
        return (
            "No column holds a name or an email address, so no contact could be made. "
            "Map a column to Name, First name, Last name or Email."
        )
    unknown = set(mapping) - set(TARGETS) - {IGNORE}
    if unknown:
        return f"Unknown field(s): {', '.join(sorted(unknown))}."
    for field in dict.fromkeys(mapping):
        if field not in (IGNORE, *MULTI_COLUMN) and (count := mapping.count(field)) > 1:
            return (
                f"{TARGETS[field]} is chosen for {count} columns; it can only take one. "
                "Choose one of them, and map the others to Notes or ignore them."
            )
    return None


def split_full_name(name: str) -> tuple[str, str]:
    """ "Ana María Okafor" -> ("Ana María", "Okafor"); "Okafor, Ana" -> ("Ana", "Okafor")."""
    name = " ".join(name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    if " " not in name:
        return name, ""
    first, _, last = name.rpartition(" ")
    return first, last
