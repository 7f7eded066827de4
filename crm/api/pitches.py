"""/api/v1/releases, /api/v1/pitches and /api/v1/follow-ups: the pitch tracker for scripts,
through the same services (and so the same rules) as the web pages."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy.orm import selectinload

from crm.api.auth import api_account, api_user, owned_or_404, resource_blueprint
from crm.api.errors import ApiError, valid
from crm.api.schemas import (
    YEARS_PATTERN,
    Id,
    Moment,
    NonBlank,
    PageArgs,
    WebAddress,
    envelope,
    page_of,
)
from crm.db import get_session, transaction, utcnow
from crm.mail_templates.rendering import TemplateError
from crm.mailbox.sending import schedule_send
from crm.models import (
    MANUAL_STATUSES,
    Channel,
    Contact,
    Direction,
    EmailTemplate,
    FollowUp,
    FollowUpKind,
    FollowUpState,
    MessageKind,
    Pitch,
    PitchStatus,
    Release,
    ReleaseKind,
)
from crm.pagination import paginate
from crm.pitches import services
from crm.pitches.services import MAX_CADENCE_DAYS, MAX_FOLLOW_UPS
from crm.releases import services as release_services
from crm.scope import NotFound, get_owned, owned

releases_blp = resource_blueprint(
    "releases_api", __name__, url_prefix="/api/v1/releases", description="Releases"
)
pitches_blp = resource_blueprint(
    "pitches_api", __name__, url_prefix="/api/v1/pitches", description="Pitches"
)
follow_ups_blp = resource_blueprint(
    "follow_ups_api", __name__, url_prefix="/api/v1/follow-ups", description="Follow-ups"
)
STATUSES = [s.value for s in PitchStatus]
# `scheduled` comes from POST /pitches/{id}/send, `bounced` from the mail server.
SETTABLE = [s.value for s in MANUAL_STATUSES]


def _maybe(model, object_id, what: str, field: str):
    """An optional referenced object: absent is fine, another account's is a 422."""
    if object_id is None:
        return None
    try:
        return get_owned(get_session(), api_account(), model, object_id)
    except NotFound:
        raise ApiError(422, fields={field: [f"No such {what}."]}) from None


# --- releases -----------------------------------------------------------------------------


def _title(required: bool = False) -> fields.String:
    return NonBlank("A release needs a title.", 200, required)


class ReleaseInSchema(Schema):
    title = _title()
    artist_name = fields.String()
    kind = fields.String(validate=validate.OneOf(["", *(k.value for k in ReleaseKind)]))
    release_date = fields.String(
        allow_none=True,
        metadata={"description": "YYYY-MM-DD", "format": "date", "pattern": YEARS_PATTERN},
    )
    stream_url = WebAddress()
    epk_url = WebAddress()
    isrc = fields.String(
        metadata={
            "description": "ISO 3901, like GB-ABC-26-00001 (hyphens optional)",
            "pattern": "^$|^[A-Za-z]{2}-?[A-Za-z0-9]{3}-?[0-9]{2}-?[0-9]{5}$",
        }
    )
    upc = fields.String(
        metadata={
            "description": "UPC-A (12 digits) or EAN-13, with its check digit",
            "pattern": "^$|^[0-9]{12,13}$",
        }
    )
    notes = fields.String()


class ReleaseCreateSchema(ReleaseInSchema):
    title = _title(required=True)


class ReleaseSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    artist_name = fields.String(required=True)
    kind = fields.Enum(ReleaseKind, by_value=fields.String, required=True)
    release_date = fields.Date(allow_none=True, required=True)
    stream_url = fields.String(required=True)
    epk_url = fields.String(required=True)
    isrc = fields.String(required=True)
    upc = fields.String(required=True)
    notes = fields.String(required=True)


@releases_blp.get("")
@releases_blp.arguments(PageArgs, location="query")
@releases_blp.response(200, page_of(ReleaseSchema))
def list_releases(args: dict):
    stmt = owned(Release, api_account()).order_by(Release.id)
    page = paginate(get_session(), stmt, args["page"], args["per_page"])
    return envelope(page)


@releases_blp.post("")
@releases_blp.arguments(ReleaseCreateSchema)
@releases_blp.response(201, ReleaseSchema)
@releases_blp.alt_response(422, schema="Error")
def create_release(data: dict):
    cleaned = release_services.clean_release(data)
    values = valid(cleaned)
    session = get_session()
    with transaction(session):
        release = release_services.create_release(session, api_account(), values)
    return release


@releases_blp.get("/<int:release_id>")
@releases_blp.response(200, ReleaseSchema)
@releases_blp.alt_response(404, schema="Error")
def get_release(release_id: int):
    return owned_or_404(Release, release_id, "release")


@releases_blp.patch("/<int:release_id>")
@releases_blp.arguments(ReleaseInSchema)
@releases_blp.response(200, ReleaseSchema)
@releases_blp.alt_response(404, schema="Error")
@releases_blp.alt_response(422, schema="Error")
def update_release(data: dict, release_id: int):
    release = owned_or_404(Release, release_id, "release")
    cleaned = release_services.clean_release(data, partial=True)
    values = valid(cleaned)
    session = get_session()
    with transaction(session):
        release_services.update_release(session, release, values)
    return release


@releases_blp.delete("/<int:release_id>")
@releases_blp.response(204)
@releases_blp.alt_response(404, schema="Error")
def delete_release(release_id: int):
    release = owned_or_404(Release, release_id, "release")
    session = get_session()
    with transaction(session):
        session.delete(release)


# --- follow-ups ---------------------------------------------------------------------------


class FollowUpSchema(Schema):
    id = fields.Integer(required=True)
    pitch_id = fields.Integer(required=True)
    due_at = fields.DateTime(required=True)
    done = fields.Boolean(required=True)
    state = fields.Enum(FollowUpState, by_value=fields.String, required=True)
    reminded_at = fields.DateTime(allow_none=True, required=True)
    kind = fields.Enum(FollowUpKind, by_value=fields.String, required=True)
    template_id = Id(allow_none=True, required=True)


class FollowUpQuerySchema(PageArgs):
    due_before = Moment(
        load_default=None, metadata={"description": "ISO 8601; open follow-ups due before this"}
    )


class FollowUpInSchema(Schema):
    done = fields.Boolean()
    due_at = Moment()
    kind = fields.String(
        validate=validate.OneOf(["reminder", "email"]),
        metadata={"description": "email: sent from your mailbox as a reply in the thread"},
    )
    template_id = Id(allow_none=True, metadata={"description": "The email follow-up's template"})


@follow_ups_blp.get("")
@follow_ups_blp.arguments(FollowUpQuerySchema, location="query")
@follow_ups_blp.response(200, page_of(FollowUpSchema))
def list_follow_ups(args: dict):
    """Follow-ups by due time; with `due_before`, only the open ones due by then."""
    stmt = owned(FollowUp, api_account()).order_by(FollowUp.due_at, FollowUp.id)
    if args["due_before"] is not None:
        stmt = stmt.where(
            FollowUp.state == FollowUpState.OPEN, FollowUp.due_at < args["due_before"]
        )
    page = paginate(get_session(), stmt, args["page"], args["per_page"])
    return envelope(page)


@follow_ups_blp.patch("/<int:follow_up_id>")
@follow_ups_blp.arguments(FollowUpInSchema)
@follow_ups_blp.response(200, FollowUpSchema)
@follow_ups_blp.alt_response(404, schema="Error")
def update_follow_up(data: dict, follow_up_id: int):
    """Mark a follow-up done (or open again), or move its due time."""
    follow_up = owned_or_404(FollowUp, follow_up_id, "follow-up")
    session = get_session()
    template = _maybe(EmailTemplate, data.get("template_id"), "template", "template_id")
    if data.get("kind") == "email" and not follow_up.pitch.message_id:
        raise ApiError(
            422, fields={"kind": ["Only a pitch sent from your mailbox has a thread to reply in."]}
        )
    with transaction(session):
        if "kind" in data:
            follow_up.kind = FollowUpKind(data["kind"])
        if "template_id" in data:
            follow_up.template_id = template.id if template else None
        if "due_at" in data:
            follow_up.due_at = data["due_at"]
        if data.get("done") is True:
            services.complete_follow_up(session, follow_up, FollowUpState.DONE)
        elif data.get("done") is False and follow_up.state != FollowUpState.OPEN:
            follow_up.state, follow_up.completed_at = FollowUpState.OPEN, None
        session.flush()
    return follow_up


# --- pitches ------------------------------------------------------------------------------


class PitchInSchema(Schema):
    contact_id = Id()
    release_id = Id(allow_none=True)
    template_id = Id(allow_none=True)
    subject = fields.String()
    body = fields.String()
    status = fields.String(validate=validate.OneOf(SETTABLE))
    channel = fields.String(validate=validate.OneOf([c.value for c in Channel]))
    sent_at = Moment(allow_none=True)
    notes = fields.String()
    cadence_days = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_CADENCE_DAYS)),
        allow_none=True,
        validate=validate.Length(max=MAX_FOLLOW_UPS),
        metadata={"description": "Days after sending to follow up, e.g. [7, 14]"},
    )


class PitchCreateSchema(PitchInSchema):
    contact_id = Id(required=True)


class MessageSchema(Schema):
    direction = fields.Enum(Direction, by_value=fields.String, required=True)
    kind = fields.Enum(MessageKind, by_value=fields.String, required=True)
    sender = fields.String(required=True, data_key="from")
    recipient = fields.String(required=True, data_key="to")
    subject = fields.String(required=True)
    message_id = fields.String(required=True)
    at = fields.DateTime(required=True)
    text = fields.String(required=True)


class SendSchema(Schema):
    send_at = Moment(allow_none=True, metadata={"description": "When to send; absent: now"})


class PitchSchema(Schema):
    id = fields.Integer(required=True)
    contact_id = Id(required=True)
    release_id = Id(allow_none=True, required=True)
    template_id = Id(allow_none=True, required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    status = fields.Enum(PitchStatus, by_value=fields.String, required=True)
    channel = fields.Enum(Channel, by_value=fields.String, required=True)
    sent_at = fields.DateTime(allow_none=True, required=True)
    notes = fields.String(required=True)
    follow_ups = fields.List(fields.Nested(FollowUpSchema), required=True)
    message_id = fields.String(required=True, metadata={"description": "Empty until sent"})
    send_at = fields.DateTime(allow_none=True, required=True)
    delivery_error = fields.String(required=True)
    messages = fields.List(fields.Nested(MessageSchema), required=True)


class PitchQuerySchema(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    contact_id = Id(load_default=None)
    release_id = Id(load_default=None)


@pitches_blp.get("")
@pitches_blp.arguments(PitchQuerySchema, location="query")
@pitches_blp.response(200, page_of(PitchSchema))
def list_pitches(args: dict):
    stmt = (
        owned(Pitch, api_account())
        .options(selectinload(Pitch.follow_ups), selectinload(Pitch.messages))
        .order_by(Pitch.id)
    )
    for name in ("status", "contact_id", "release_id"):
        if args[name] is not None:
            stmt = stmt.where(getattr(Pitch, name) == args[name])
    page = paginate(get_session(), stmt, args["page"], args["per_page"])
    return envelope(page)


@pitches_blp.post("")
@pitches_blp.arguments(PitchCreateSchema)
@pitches_blp.response(201, PitchSchema)
@pitches_blp.alt_response(422, schema="Error")
def create_pitch(data: dict):
    """Pitch a contact. With status `sent`, follow-ups are scheduled on the cadence; a
    do-not-contact contact is refused with 422."""
    session, account = get_session(), api_account()
    contact = _maybe(Contact, data["contact_id"], "contact", "contact_id")
    release = _maybe(Release, data.get("release_id"), "release", "release_id")
    template = _maybe(EmailTemplate, data.get("template_id"), "template", "template_id")
    try:
        cadence = services.clean_cadence(data["cadence_days"]) if data.get("cadence_days") else None
        with transaction(session):
            pitch = services.create_pitch(
                session,
                account,
                api_user(),
                contact,
                release=release,
                template=template,
                subject=data.get("subject", ""),
                body=data.get("body", ""),
                status=PitchStatus(data.get("status", "draft")),
                channel=Channel(data.get("channel", "email")),
                sent_at=data.get("sent_at"),
                notes=data.get("notes", ""),
                cadence=cadence,
            )
    except services.PitchRefused as exc:
        raise ApiError(422, str(exc), fields={exc.field: [str(exc)]}) from None
    except TemplateError as exc:
        raise ApiError(422, str(exc), fields={"template_id": [str(exc)]}) from None
    return pitch


@pitches_blp.get("/<int:pitch_id>")
@pitches_blp.response(200, PitchSchema)
@pitches_blp.alt_response(404, schema="Error")
def get_pitch(pitch_id: int):
    return owned_or_404(Pitch, pitch_id, "pitch")


@pitches_blp.patch("/<int:pitch_id>")
@pitches_blp.arguments(PitchInSchema)
@pitches_blp.response(200, PitchSchema)
@pitches_blp.alt_response(404, schema="Error")
@pitches_blp.alt_response(422, schema="Error")
def update_pitch(data: dict, pitch_id: int):
    """Change a pitch; a new status schedules or cancels follow-ups as on the web."""
    pitch = owned_or_404(Pitch, pitch_id, "pitch")
    session, account = get_session(), api_account()
    with transaction(session):
        for name in ("subject", "body", "notes"):
            if name in data:
                setattr(pitch, name, data[name])
        if "channel" in data:
            pitch.channel = Channel(data["channel"])
        if "release_id" in data:
            pitch.release = _maybe(Release, data["release_id"], "release", "release_id")
        if data.get("sent_at") is not None:
            pitch.sent_at = data["sent_at"]
        if data.get("cadence_days"):
            try:
                pitch.cadence_days = services.clean_cadence(data["cadence_days"])
            except services.PitchRefused as exc:
                raise ApiError(422, fields={"cadence_days": [str(exc)]}) from None
        if "status" in data and data["status"] != pitch.status.value:
            if pitch.contact.do_not_contact and data["status"] == "sent":
                raise ApiError(422, fields={"status": ["This contact is marked do-not-contact."]})
            services.change_status(session, account, pitch, PitchStatus(data["status"]), utcnow())
        session.flush()
    return pitch


@pitches_blp.post("/<int:pitch_id>/send")
@pitches_blp.arguments(SendSchema)
@pitches_blp.response(202, PitchSchema)
@pitches_blp.alt_response(404, schema="Error")
@pitches_blp.alt_response(422, schema="Error")
def send_pitch(data: dict, pitch_id: int):
    """Queue the pitch to go from your mailbox at `send_at` (absent: as soon as the
    mailbox's pace, send window and daily limit allow). 422 without a mailbox, or when the
    contact has no email, is do-not-contact or has bounced."""
    pitch = owned_or_404(Pitch, pitch_id, "pitch")
    session, account = get_session(), api_account()
    try:
        with transaction(session):
            schedule_send(session, account, pitch, data.get("send_at"))
    except services.PitchRefused as exc:
        raise ApiError(422, str(exc), fields={exc.field: [str(exc)]}) from None
    return pitch


@pitches_blp.delete("/<int:pitch_id>")
@pitches_blp.response(204)
@pitches_blp.alt_response(404, schema="Error")
def delete_pitch(pitch_id: int):
    pitch = owned_or_404(Pitch, pitch_id, "pitch")
    session = get_session()
    with transaction(session):
        session.delete(pitch)
