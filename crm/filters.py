"""Jinja filters: dates shown in the account's own time zone, counts with a cap; and the
address pattern of a page's rows."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, url_for
from flask_login import current_user
from markupsafe import Markup, escape


def format_local(value: dt.datetime, zone: str, fmt: str = "%d %b %Y, %H:%M") -> str:
    """`value` in the time zone `zone`, for people (pages and emails)."""
    try:
        return value.astimezone(ZoneInfo(zone)).strftime(fmt)
    except (OverflowError, ValueError):
        # A date at the edge of what Python can hold (an old database may have year 1):
        # shown as stored, in UTC, rather than breaking the page or the email.
        return value.strftime(fmt) + " UTC"


def _zone() -> str:
    """The time zone of the logged-in account, looked up once a request (a page may show
    hundreds of moments)."""
    zone = g.get("_shown_zone")
    if zone is None:
        authenticated = current_user and current_user.is_authenticated
        zone = g._shown_zone = current_user.account.timezone if authenticated else "UTC"
    return zone


def describe_moment(value: dt.datetime, zone: str, now: dt.datetime | None = None) -> str:
    """One way to say when, on every page: near moments relative to today ("today,
    14:30", "tomorrow, 09:00", "in 3 days, Fri 09:00", "2 days ago"), the others as a
    date ("23 Jan 2027")."""
    try:
        local = value.astimezone(ZoneInfo(zone))
        today = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(zone)).date()
    except (OverflowError, ValueError):
        return format_local(value, zone, "%-d %b %Y")
    days = (local.date() - today).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return f"today, {clock}"
    if days == 1:
        return f"tomorrow, {clock}"
    if days == -1:
        return f"yesterday, {clock}"
    if 1 < days <= 6:
        return f"in {days} days, {local:%a} {clock}"
    if -6 <= days < -1:
        return f"{-days} days ago"
    return local.strftime("%-d %b %Y")


def when(value: dt.datetime | None) -> Markup | str:
    """A moment for a page: said as describe_moment says it, the full date and time on
    hover and for machines (a <time> element)."""
    if value is None:
        return ""
    zone = _zone()
    full = format_local(value, zone, "%a %-d %b %Y, %H:%M")
    said = escape(describe_moment(value, zone))
    return Markup(f'<time datetime="{value.isoformat()}" title="{escape(full)}">{said}</time>')


def day(value: dt.date | None) -> str:
    """A date without a time (a release date) as every page writes one: 23 Jan 2027."""
    return f"{value:%-d %b %Y}" if value else ""


def count_up_to(count: int, cap: int) -> str:
    """ "1,000+" for a count that stopped at its cap (counted up to cap + 1), else the count."""
    return f"{cap:,}+" if count > cap else f"{count:,}"


def number(value: int) -> str:
    """A count as people read one: 100,001."""
    return f"{value:,}"


class RowUrl:
    """The address of `endpoint` for any row's id, built once for a page that links to
    many rows (`{% set show = row_url('contacts.show', 'contact_id') %}` then
    `{{ show(c.id) }}`), not once a row through the URL map."""

    _MARK = 7_654_321_987  # an id no row has, found again in the built address

    def __init__(self, endpoint: str, key: str):
        values: dict[str, Any] = {key: self._MARK}
        url = url_for(endpoint, **values)
        self.before, mark, self.after = url.partition(str(self._MARK))
        if not mark or "?" in self.before:  # not a part of the path: a query parameter
            raise ValueError(f"{endpoint}: the {key} is not in its address")

    def __call__(self, row_id: int) -> str:
        return f"{self.before}{int(row_id)}{self.after}"


def init_app(app: Flask) -> None:
    app.add_template_global(RowUrl, "row_url")
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")
    app.add_template_filter(number, "number")
    app.add_template_filter(count_up_to, "count_up_to")
