"""POST /api/v1/tokens: trade an email and password for a personal API token."""

from __future__ import annotations

from marshmallow import Schema, fields

from crm.accounts import tokens as token_service
from crm.accounts.services import authenticate
from crm.api.auth import resource_blueprint
from crm.api.errors import ApiError
from crm.db import get_session, transaction
from crm.extensions import limiter

blp = resource_blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens")


class LoginSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(
        load_default="API token", metadata={"description": "A label to recognise the token by"}
    )


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Shown once; keep it safe"})


@blp.post("")
@limiter.limit("10/minute;100/hour")
@blp.arguments(LoginSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, schema="Error", description="Wrong email or password")
@blp.doc(security=[])
def create_token(credentials: dict):
    """Create a token from your email and password (rate-limited)."""
    session = get_session()
    with transaction(session):
        user = authenticate(session, credentials["email"], credentials["password"])
        if user is None:
            raise ApiError(401, "Wrong email or password.")
        _token, plain = token_service.create_token(session, user, credentials["name"])
    return {"token": plain}
