"""/api/v1/mailbox: the token's user's own mailbox. Never the password."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate

from crm.api.auth import api_user, resource_blueprint
from crm.api.errors import ApiError
from crm.db import get_session, transaction
from crm.mailbox import services
from crm.mailbox.secrets import SecretError

blp = resource_blueprint(
    "mailbox_api", __name__, url_prefix="/api/v1/mailbox",
    description="Your own mailbox: pitches go out from it",
)  # fmt: skip
SECURITY = ["ssl", "starttls", "none"]
READ_ONLY = ("connected", "last_sync_at", "last_error")
IGNORED: dict = {
    "load_only": True,
    "allow_none": True,
    "metadata": {"description": "Ignored: GET's own"},
}


# What the document promises of a time of day; the rule (crm.mailbox.connect) also reads 9:00.
TIME_OF_DAY = {"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}


class WindowSchema(Schema):
    days = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=7)),
        required=True,
        validate=validate.Length(min=1),
    )
    start = fields.String(required=True, metadata={"example": "09:00", **TIME_OF_DAY})
    end = fields.String(
        required=True, metadata={"example": "18:00", "description": "After start", **TIME_OF_DAY}
    )


class MailboxInSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    display_name = fields.String(validate=validate.Length(max=120))
    smtp_host = fields.String(required=True, validate=validate.Length(min=1, max=255))
    smtp_port = fields.Integer(required=True, validate=validate.Range(min=1, max=65535))
    smtp_security = fields.String(required=True, validate=validate.OneOf(SECURITY))
    imap_host = fields.String(required=True, validate=validate.Length(min=1, max=255))
    imap_port = fields.Integer(required=True, validate=validate.Range(min=1, max=65535))
    imap_security = fields.String(required=True, validate=validate.OneOf(SECURITY))
    username = fields.String(validate=validate.Length(max=254))
    password = fields.String(
        load_only=True, metadata={"description": "Checked with both servers, stored encrypted"}
    )
    daily_limit = fields.Integer(validate=validate.Range(min=1, max=2000))
    send_window = fields.Nested(WindowSchema)
    min_gap_seconds = fields.Integer(validate=validate.Range(min=0, max=86_400))
    capture_sent = fields.Boolean(
        metadata={
            "description": "Log mail you send from your own mail client to a contact as a"
            " pitch (default true; left as it was when not sent)"
        }
    )
    # What GET answers beside the settings, so a script can send that answer back with a
    # password (a restored mailbox, say): taken and left aside.
    connected = fields.Boolean(**IGNORED)
    last_sync_at = fields.DateTime(**IGNORED)
    last_error = fields.String(**IGNORED)


class MailboxSchema(Schema):
    connected = fields.Boolean(required=True)
    email = fields.String(allow_none=True, required=True)
    display_name = fields.String(allow_none=True, required=True)
    smtp_host = fields.String(allow_none=True, required=True)
    smtp_port = fields.Integer(allow_none=True, required=True)
    smtp_security = fields.String(allow_none=True, required=True)
    imap_host = fields.String(allow_none=True, required=True)
    imap_port = fields.Integer(allow_none=True, required=True)
    imap_security = fields.String(allow_none=True, required=True)
    username = fields.String(allow_none=True, required=True)
    daily_limit = fields.Integer(allow_none=True, required=True)
    send_window = fields.Nested(WindowSchema, allow_none=True, required=True)
    min_gap_seconds = fields.Integer(allow_none=True, required=True)
    capture_sent = fields.Boolean(allow_none=True, required=True)
    last_sync_at = fields.DateTime(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)


@blp.get("")
@blp.response(200, MailboxSchema)
def get_mailbox():
    return services.describe(services.mailbox_of(get_session(), api_user()))


@blp.put("")
@blp.arguments(MailboxInSchema)
@blp.response(200, MailboxSchema)
@blp.alt_response(422, schema="Error", description="fields.smtp / fields.imap: the refusal")
def put_mailbox(data: dict):
    """Connect (or change) the mailbox: logs in to both servers first, and stores nothing
    when one refuses (its own answer is in `fields.smtp` or `fields.imap`)."""
    session, user = get_session(), api_user()
    password = data.pop("password", "")
    for name in READ_ONLY:
        data.pop(name, None)
    try:
        with transaction(session):
            mailbox, cleaned = services.connect_mailbox(
                session, user, data, password, current_app.config["MAILBOX_KEY"]
            )
    except SecretError as exc:
        raise ApiError(422, str(exc), fields={"password": [str(exc)]}) from None
    if mailbox is None:
        raise ApiError(422, "The mailbox was not connected.", fields=cleaned.errors)
    return services.describe(mailbox)


@blp.delete("")
@blp.response(204)
def delete_mailbox():
    session = get_session()
    with transaction(session):
        services.disconnect_mailbox(session, api_user())
    return ""
