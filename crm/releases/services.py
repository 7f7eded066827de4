"""Releases: the single, EP, album, tour or show being pitched."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from crm.contacts.fields import FieldError, clean_url
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


def clean_release(raw: dict, *, partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    values: dict = {}
    errors: dict[str, list[str]] = {}
    fields = (
        "title",
        "artist_name",
        "kind",
        "release_date",
        "stream_url",
        "epk_url",
        "isrc",
        "upc",
        "notes",
    )
    for name in (f for f in fields if f in raw or not partial):
        value = raw.get(name)
        try:
            if name == "title":
                text = " ".join(str(value or "").split())
                if not text:
                    raise FieldError("A release needs a title.")
                if len(text) > 200:
                    raise FieldError("At most 200 characters.")
                values[name] = text
            elif name == "kind":
                try:
                    values[name] = ReleaseKind(value or "single")
                except ValueError:
                    raise FieldError("Choose single, EP, album, tour or show.") from None
            elif name == "release_date":
                if value in (None, ""):
                    values[name] = None
                elif isinstance(value, dt.date):
                    values[name] = value
                else:
                    try:
                        values[name] = dt.date.fromisoformat(str(value))
                    except ValueError:
                        raise FieldError("Use a date like 2026-03-14.") from None
            elif name in ("stream_url", "epk_url"):
                values[name] = clean_url(str(value or ""))
            elif name == "isrc":
                values[name] = clean_isrc(str(value or ""))
            elif name == "upc":
                values[name] = clean_upc(str(value or ""))
            elif name == "artist_name":
                values[name] = " ".join(str(value or "").split())[:120]
            else:
                values[name] = str(value or "").strip()[:20_000]
        except FieldError as exc:
            errors[name] = [str(exc)]
    return values, errors


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
