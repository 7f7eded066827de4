"""Schemas shared by API resources: pagination arguments and the list envelope."""

from __future__ import annotations

import datetime as dt
from functools import cache

from marshmallow import Schema, ValidationError, fields, validate

from crm.fields import FIRST_YEAR, LAST_YEAR, FieldError, clean_datetime
from crm.pagination import MAX_PAGE, MAX_PER_PAGE, Page
from crm.scope import MAX_ID


def Id(**kwargs) -> fields.Integer:  # noqa: N802  (reads like a field class)
    """An object id: a positive 32-bit integer, as the database stores it."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


# The years clean_datetime takes (FIRST_YEAR to LAST_YEAR), as the document's pattern for a
# date and time; a test keeps the two in step.
YEARS_PATTERN = "^(19[0-9][0-9]|2[01][0-9][0-9]|2200)-"
# Text with something in it besides white space (and no NUL, as every text). White space
# as str.split() sees it: a pattern's \s leaves out the separators \x1c-\x1f and \x85.
NON_BLANK = "^[^\x00]*[^\x00\\s\x1c-\x1f\x85][^\x00]*$"


def WebAddress(**kwargs) -> fields.String:  # noqa: N802
    """A web address as crm.contacts.fields.clean_url takes it: http(s), or a host alone
    (https:// is added), or empty."""
    return fields.String(
        validate=validate.Length(max=290),
        metadata={
            "description": "https://... (a host alone gets https://), or empty",
            "pattern": "^$|^(https?://)?[A-Za-z0-9-]+([.][A-Za-z0-9-]+)+([/?#][^\\s\x00]*)?$",
        },
        **kwargs,
    )


def NonBlank(message: str, max_length: int, required: bool = False, **kwargs) -> fields.String:  # noqa: N802
    """Text an object cannot do without: never blank when sent (and `required` for a new
    one), refused with the same words as the service's rule when it is missing."""
    metadata = {"pattern": NON_BLANK, **kwargs.pop("metadata", {})}
    return fields.String(
        required=required, validate=validate.Length(min=1, max=max_length), metadata=metadata,
        error_messages={"required": message}, **kwargs,
    )  # fmt: skip


class Moment(fields.AwareDateTime):
    """A date and time (ISO 8601; UTC when no zone is given), in the years people mean:
    the same rule (crm.fields.clean_datetime) as the web pages'."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault(
            "description", f"ISO 8601 date and time, years {FIRST_YEAR} to {LAST_YEAR}"
        )
        kwargs["metadata"].setdefault("pattern", YEARS_PATTERN)
        super().__init__(default_timezone=dt.UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return clean_datetime(moment)
        except FieldError as exc:
            raise ValidationError(str(exc)) from None


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"At most {MAX_PER_PAGE}."},
    )


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope `{"items", "total", "page", "per_page"}` around `item_schema`."""
    return type(
        f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
    )


def envelope(page: Page) -> dict:
    """A page of objects, each dumped by the list's item schema (see page_of)."""
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page}
