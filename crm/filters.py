"""Jinja filters: dates shown in the account's own time zone, counts with a cap."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user


def format_local(value: dt.datetime, zone: str, fmt: str = "%d %b %Y, %H:%M") -> str:
    """`value` in the time zone `zone`, for people (pages and emails)."""
    try:
        return value.astimezone(ZoneInfo(zone)).strftime(fmt)
    except (OverflowError, ValueError):
        # A date at the edge of what Python can hold (an old database may have year 1):
        # shown as stored, in UTC, rather than breaking the page or the email.
        return value.strftime(fmt) + " UTC"


def localtime(value: dt.datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    zone = "UTC"
    if current_user and current_user.is_authenticated:
        zone = current_user.account.timezone
    return format_local(value, zone, fmt)


def count_up_to(count: int, cap: int) -> str:
    """ "1,000+" for a count that stopped at its cap (counted up to cap + 1), else the count."""
    return f"{cap:,}+" if count > cap else f"{count:,}"


def number(value: int) -> str:
    """A count as people read one: 100,001."""
    return f"{value:,}"


def init_app(app: Flask) -> None:
    app.add_template_filter(number, "number")
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(count_up_to, "count_up_to")
