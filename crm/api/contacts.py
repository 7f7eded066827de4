"""/api/v1/contacts: the contact book for scripts, with the web pages' rules."""

from __future__ import annotations

from flask import Response, current_app
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, pre_dump, validate

from crm.api.auth import api_account, api_user, owned_or_404, resource_blueprint
from crm.api.errors import ApiError, valid
from crm.api.schemas import NON_BLANK, PageArgs, envelope, page_of
from crm.backup.routes import vcard_response
from crm.contacts import services
from crm.contacts.fields import (
    MAX_OTHER_EMAILS,
    NAME_OR_EMAIL_FIELDS,
    TEXT_LIMITS,
    clean_contact,
    home_region,
    require_name_or_email,
)
from crm.db import get_session, transaction
from crm.imports.export import stream_export
from crm.imports.reading import UnreadableFile
from crm.imports.services import import_now
from crm.models import Contact, EmailStatus, Role
from crm.models.contacts import ROLE_LABELS

blp = resource_blueprint(
    "contacts_api", __name__, url_prefix="/api/v1/contacts", description="Industry contacts"
)

ROLES = [r.value for r in Role]
TEXT = {"allow_none": True}


def Text(name: str, **kwargs) -> fields.String:  # noqa: N802  (reads like a field class)
    """A text field with the length the contact rules allow (crm.contacts.fields), so the
    OpenAPI document states it and a too-long value is refused by the same limit."""
    limit = TEXT_LIMITS.get(name)
    validators = [validate.Length(max=limit)] if limit else []
    return fields.String(allow_none=True, validate=validators, **kwargs)


class ContactInSchema(Schema):
    """What a script may send: types and lengths here; the rules are crm.contacts.fields'."""

    first_name = Text("first_name")
    last_name = Text("last_name")
    email = fields.String(**TEXT, validate=validate.Length(max=254), metadata={"format": "email"})
    phone = fields.String(**TEXT)
    role = fields.String(
        **TEXT,
        metadata={
            "description": "One of " + ", ".join(ROLES) + " (or its label, in any case)",
            # What the document promises; the rule (crm.contacts.fields) reads more.
            "enum": [*ROLES, *ROLE_LABELS.values(), "", None],
        },
    )
    company = Text("company", metadata={"description": "Company name"})
    title = Text("title")
    city = Text("city")
    country = Text("country")
    genres = fields.List(fields.String(), allow_none=True)
    tags = fields.List(fields.String(), allow_none=True)
    website = fields.String(**TEXT)
    instagram = fields.String(**TEXT)
    twitter = fields.String(**TEXT)
    tiktok = fields.String(**TEXT)
    linkedin = fields.String(**TEXT)
    notes = Text("notes")
    do_not_contact = fields.Boolean(allow_none=True)
    other_emails = fields.List(
        fields.String(validate=validate.Length(max=254), metadata={"format": "email"}),
        allow_none=True,
        validate=validate.Length(max=MAX_OTHER_EMAILS),
        metadata={"description": "Further addresses of the same person"},
    )


class ContactCreateSchema(ContactInSchema):
    """A new contact: as ContactInSchema, with a name or an email."""

    class Meta:
        openapi = {
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string", "pattern": NON_BLANK}}}
                for name in NAME_OR_EMAIL_FIELDS
            ]
        }


class ContactSchema(Schema):
    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "Empty when not set"})
    company = fields.String(required=True)
    title = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True)
    genres = fields.List(fields.String(), required=True)
    tags = fields.List(fields.String(), required=True)
    website = fields.String(required=True)
    instagram = fields.String(required=True)
    twitter = fields.String(required=True)
    tiktok = fields.String(required=True)
    linkedin = fields.String(required=True)
    notes = fields.String(required=True)
    do_not_contact = fields.Boolean(required=True)
    other_emails = fields.List(fields.String(), required=True)
    role_inferred = fields.Boolean(
        required=True,
        metadata={"description": "The role was guessed by an import; setting it confirms it"},
    )
    email_status = fields.Enum(
        EmailStatus, by_value=fields.String, required=True,
        metadata={"description": "bounced: a mail server refused the address (read-only)"},
    )  # fmt: skip
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)

    @pre_dump
    def values(self, contact: Contact, **_kwargs) -> dict:
        """The contact's values as forms and exports see them (company by name, "" for
        no role), beside what only the API shows."""
        return {
            "id": contact.id,
            **services.contact_values(contact),
            "email_status": contact.email_status,
            "created_at": contact.created_at,
            "updated_at": contact.updated_at,
        }


class ContactQuerySchema(PageArgs):
    q = fields.String(load_default="", metadata={"description": "Name, email, company, notes"})
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    tag = fields.String(load_default="")
    genre = fields.String(load_default="")
    country = fields.String(load_default="")
    never_contacted = fields.Boolean(load_default=False)
    sort = fields.String(load_default="name", validate=validate.OneOf(list(services.SORTS)))


def _filters(args: dict) -> services.ContactFilters:
    return services.ContactFilters(
        q=args["q"],
        role=Role(args["role"]) if args["role"] else None,
        tag=args["tag"],
        genre=args["genre"],
        country=args["country"],
        never_contacted=args["never_contacted"],
        sort=args["sort"],
    )


def _save(values: dict, contact: Contact | None = None) -> Contact:
    session, account = get_session(), api_account()
    try:
        with transaction(session):
            if contact is None:
                return services.create_contact(session, account, values)
            return services.update_contact(session, account, contact, values)
    except services.DuplicateEmail as exc:
        raise ApiError(422, fields={"email": [str(exc)]}) from None


@blp.get("")
@blp.arguments(ContactQuerySchema, location="query")
@blp.response(200, page_of(ContactSchema))
def list_contacts(args: dict):
    """List contacts, searched and filtered like the contact list page."""
    page = services.search_contacts(
        get_session(), api_account(), _filters(args), args["page"], args["per_page"]
    )
    return envelope(page)


@blp.post("")
@blp.arguments(ContactCreateSchema)
@blp.response(201, ContactSchema)
@blp.alt_response(422, schema="Error")
def create_contact(data: dict):
    """Create a contact. It needs a name or an email; emails are unique per account."""
    cleaned = clean_contact(data, home=home_region(api_account().timezone))
    values = valid(cleaned)
    return _save(values)


@blp.get("/<int:contact_id>")
@blp.response(200, ContactSchema)
@blp.alt_response(404, schema="Error")
def get_contact(contact_id: int):
    return owned_or_404(Contact, contact_id, "contact")


@blp.patch("/<int:contact_id>")
@blp.arguments(ContactInSchema)
@blp.response(200, ContactSchema)
@blp.alt_response(404, schema="Error")
@blp.alt_response(422, schema="Error")
def update_contact(data: dict, contact_id: int):
    """Change the fields sent; the others stay as they are."""
    contact = owned_or_404(Contact, contact_id, "contact")
    if "phone" in data and "country" not in data:
        data = {**data, "country": contact.country}  # a local number needs the country
    cleaned = clean_contact(data, partial=True, home=home_region(api_account().timezone))
    require_name_or_email({**services.contact_values(contact), **cleaned.values}, cleaned)
    values = valid(cleaned)
    return _save(values, contact)


@blp.delete("/<int:contact_id>")
@blp.response(204)
@blp.alt_response(404, schema="Error")
def delete_contact(contact_id: int):
    contact = owned_or_404(Contact, contact_id, "contact")
    session = get_session()
    with transaction(session):
        services.delete_contact(session, api_account(), contact)


class ImportFormSchema(Schema):
    dry_run = fields.Boolean(load_default=False)


class ImportFileSchema(Schema):
    file = Upload(required=True)


class ImportErrorSchema(Schema):
    row = fields.Integer(required=True)
    message = fields.String(required=True)


class ImportResultSchema(Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    errors = fields.List(fields.Nested(ImportErrorSchema), required=True)


@blp.post("/import")
@blp.arguments(ImportFormSchema, location="form")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportResultSchema)
@blp.alt_response(422, schema="Error", description="The file as a whole was refused")
def import_contacts(form: dict, files: dict):
    """Import a CSV file (multipart field `file`), with the web import's rules.

    With `dry_run=true` nothing is written. A file that cannot be read at all is refused
    with 422 and nothing is imported."""
    session, account = get_session(), api_account()
    upload = files["file"]
    try:
        with transaction(session):
            _record, summary = import_now(
                session,
                account,
                api_user(),
                upload.filename or "upload.csv",
                upload.read(),
                dry_run=form["dry_run"],
            )
            if form["dry_run"]:
                session.rollback()
    except UnreadableFile as exc:
        raise ApiError(422, str(exc), fields={"file": [str(exc)]}) from None
    return summary.as_dict()


@blp.get("/export.csv")
@blp.arguments(ContactQuerySchema, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv")
def export_contacts(args: dict):
    """All contacts (or those the filters select) as CSV, with the contract's columns."""
    lines = stream_export(current_app.extensions["crm.db"], api_account().id, _filters(args))
    return Response(
        lines,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="stagedoor-contacts.csv"'},
    )


@blp.get("/export.vcf")
@blp.response(200, {"type": "string"}, content_type="text/vcard")
def export_vcard():
    """Every contact as vCard 4.0, for an address book."""
    return vcard_response(api_account().id)
