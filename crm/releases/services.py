"""Releases: the single, EP, album, tour or show being pitched."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy.orm import Session

from crm.contacts.fields import clean_url
from crm.fields import Cleaned, FieldError, Rule, clean_date, clean_fields
from crm.models import Account, Release, ReleaseKind

ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")


def clean_isrc(value: str) -> str:
    """ISO 3901: CC-XXX-YY-NNNNN (hyphens optional)."""
    code = value.replace("-", "").replace(" ", "").upper()
    if code and not ISRC.match(code):
        raise FieldError("An ISRC looks like GB-ABC-26-00001: country, registrant, year, number.")
    return code


def clean_upc(value: str) -> str:
    """UPC-A (12 digits) or EAN-13, with its check digit."""
    digits = value.replace(" ", "").replace("-", "")
    if not digits:
        return ""
    if not digits.isdigit() or len(digits) not in (12, 13):
        raise FieldError("A UPC has 12 digits (13 for an EAN).")
    body, check = digits[:-1], int(digits[-1])
    weights = (3, 1) if len(digits) == 12 else (1, 3)
    total = sum(int(d) * weights[i % 2] for i, d in enumerate(body))
    if (10 - total % 10) % 10 != check:
        raise FieldError("This UPC's check digit is wrong; check for a typo.")
    return digits


def clean_title(value: object) -> str:
    text = " ".join(str(value).split())
    if not text:
        raise FieldError("A release needs a title.")
    if len(text) > 200:
        raise FieldError(f"At most 200 characters ({len(text)} given).")
    return text


def clean_kind(value: object) -> ReleaseKind:
    try:
        return ReleaseKind(value or "single")
    except ValueError:
        raise FieldError("Choose single, EP, album, tour or show.") from None


# How each field of a release is cleaned: the web form and the API both go through these.
RULES: dict[str, Rule] = {
    "title": lambda value, raw: clean_title(value),
    "artist_name": lambda value, raw: " ".join(str(value).split())[:120],
    "kind": lambda value, raw: clean_kind(value),
    "release_date": lambda value, raw: clean_date(value),
    "stream_url": lambda value, raw: clean_url(str(value)),
    "epk_url": lambda value, raw: clean_url(str(value)),
    "isrc": lambda value, raw: clean_isrc(str(value)),
    "upc": lambda value, raw: clean_upc(str(value)),
    "notes": lambda value, raw: str(value).strip()[:20_000],
}


def clean_release(raw: Mapping[str, object], *, partial: bool = False) -> Cleaned:
    """With `partial`, only the fields present (an API PATCH)."""
    return clean_fields(raw, RULES, [n for n in RULES if n in raw or not partial])


def create_release(session: Session, account: Account, values: dict) -> Release:
    values = dict(values)
    if not values.get("artist_name"):
        values["artist_name"] = account.artist_name
    release = Release(account_id=account.id, **values)
    session.add(release)
    session.flush()
    return release


def update_release(session: Session, release: Release, values: dict) -> Release:
    for name, value in values.items():
        setattr(release, name, value)
    session.flush()
    return release
