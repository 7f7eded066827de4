"""/api/v1/templates: the template library, and rendering a template for a contact."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from crm.api.auth import api_account, api_user, owned_or_404, resource_blueprint
from crm.api.errors import ApiError, valid
from crm.api.schemas import Id, NonBlank, PageArgs, envelope, page_of
from crm.db import get_session, transaction
from crm.mail_templates import services
from crm.mail_templates.rendering import MAX_SUBJECT, TemplateError
from crm.models import Contact, EmailTemplate, Release, TemplatePurpose
from crm.pagination import paginate
from crm.scope import owned

blp = resource_blueprint(
    "templates_api",
    __name__,
    url_prefix="/api/v1/templates",
    description="Query-email templates with merge fields",
)
PURPOSES = [p.value for p in TemplatePurpose]


def _name(required: bool = False) -> fields.String:
    return NonBlank("A template needs a name.", 120, required)


def _subject(required: bool = False) -> fields.String:
    return NonBlank(
        "A template needs a subject.", MAX_SUBJECT, required,
        metadata={"description": "Merge fields allowed, one line"},
    )  # fmt: skip


class TemplateInSchema(Schema):
    name = _name()
    purpose = fields.String(validate=validate.OneOf(["", *PURPOSES]))
    subject = _subject()
    body = fields.String(metadata={"description": "Merge fields in {{ ... }}"})


class TemplateCreateSchema(TemplateInSchema):
    name = _name(required=True)
    subject = _subject(required=True)


class TemplateSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    purpose = fields.Enum(TemplatePurpose, by_value=fields.String, required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    archived = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class RenderInSchema(Schema):
    contact_id = Id(required=True)
    release_id = Id(allow_none=True, load_default=None)


class RenderedSchema(Schema):
    subject = fields.String(required=True)
    body = fields.String(required=True)


@blp.get("")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(TemplateSchema))
def list_templates(args: dict):
    stmt = owned(EmailTemplate, api_account()).order_by(EmailTemplate.name, EmailTemplate.id)
    page = paginate(get_session(), stmt, args["page"], args["per_page"])
    return envelope(page)


@blp.post("")
@blp.arguments(TemplateCreateSchema)
@blp.response(201, TemplateSchema)
@blp.alt_response(422, schema="Error")
def create_template(data: dict):
    """Create a template; the merge fields are checked before it is saved."""
    cleaned = services.clean_template(data)
    values = valid(cleaned)
    session = get_session()
    with transaction(session):
        template = services.create_template(session, api_account(), values)
    return template


@blp.get("/<int:template_id>")
@blp.response(200, TemplateSchema)
@blp.alt_response(404, schema="Error")
def get_template(template_id: int):
    return owned_or_404(EmailTemplate, template_id, "template")


@blp.patch("/<int:template_id>")
@blp.arguments(TemplateInSchema)
@blp.response(200, TemplateSchema)
@blp.alt_response(404, schema="Error")
@blp.alt_response(422, schema="Error")
def update_template(data: dict, template_id: int):
    template = owned_or_404(EmailTemplate, template_id, "template")
    cleaned = services.clean_template(data, partial=True)
    values = valid(cleaned)
    session = get_session()
    with transaction(session):
        services.update_template(session, template, values)
    return template


@blp.delete("/<int:template_id>")
@blp.response(204)
@blp.alt_response(404, schema="Error")
def delete_template(template_id: int):
    template = owned_or_404(EmailTemplate, template_id, "template")
    session = get_session()
    with transaction(session):
        session.delete(template)


@blp.post("/<int:template_id>/render")
@blp.arguments(RenderInSchema)
@blp.response(200, RenderedSchema)
@blp.alt_response(404, schema="Error")
@blp.alt_response(422, schema="Error")
def render_template(data: dict, template_id: int):
    """The subject and body this template gives for a contact (and optionally a release)."""
    template = owned_or_404(EmailTemplate, template_id, "template")
    contact = owned_or_404(Contact, data["contact_id"], "contact")
    release = None
    if data.get("release_id") is not None:
        release = owned_or_404(Release, data["release_id"], "release")
    try:
        rendered = services.render_for(
            get_session(), api_account(), api_user(), template, contact, release
        )
    except TemplateError as exc:
        raise ApiError(422, str(exc), fields={"body": [str(p) for p in exc.problems]}) from None
    return {"subject": rendered.subject, "body": rendered.body}
