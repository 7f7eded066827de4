"""The shared shape of a field rule, for every domain (contacts, releases, templates,
pitches): a rule is a function from a raw value to a storable one that raises FieldError
with a message for the user, and cleaning a set of fields gives a Cleaned(values, errors).
The rules that several domains share live here too: dates and times in a sane range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

# Dates a person can mean: a release in 1950, a follow-up in 2040. Outside this range a
# value is a typo or an attack, and some (year 1, year 9999) break date arithmetic and
# time zone conversion later, when a page or the reminder pass reads them.
FIRST_YEAR, LAST_YEAR = 1900, 2200


class FieldError(ValueError):
    """A value that cannot be stored, with a message meant for the user."""


@dataclass
class Cleaned:
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


Rule = Callable[[object, Mapping[str, object]], object]


def clean_fields(
    raw: Mapping[str, object], rules: Mapping[str, Rule], names: Iterable[str]
) -> Cleaned:
    """Each of `names` through its rule (given its raw value, None as "", and the whole raw
    input, for rules that read another field)."""
    result = Cleaned()
    for name in names:
        value = raw.get(name)
        try:
            result.values[name] = rules[name]("" if value is None else value, raw)
        except FieldError as exc:
            result.add_error(name, str(exc))
    return result


def _in_range(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise FieldError(f"Use a date between {FIRST_YEAR} and {LAST_YEAR}.")


def clean_date(value: object) -> dt.date | None:
    """A calendar date (ISO 8601, like 2027-01-23), or None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise FieldError("Use a date like 2027-01-23.") from None
    _in_range(value.year)
    return value


def clean_datetime(value: object, zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A moment (ISO 8601; a time without a zone is read in `zone`), in UTC, or None when
    empty. A date alone means its start of day."""
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        text = str(value).strip()
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FieldError("Use a date and time like 2027-01-23T09:30:00Z.") from None
    _in_range(value.year)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # a moment at the very edge of the range, shifted past it
        raise FieldError(f"Use a date between {FIRST_YEAR} and {LAST_YEAR}.") from None
