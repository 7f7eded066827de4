"""Bearer-token authentication for every API call but the token exchange itself."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint

from crm.accounts.tokens import user_for_token
from crm.api.errors import ApiError
from crm.db import get_session
from crm.models import Account, User

PUBLIC_ENDPOINTS = {"tokens.create_token"}


def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = None
    if scheme.lower() == "bearer" and token.strip():
        user = user_for_token(get_session(), token.strip())
    if user is None:
        raise ApiError(401, "Missing, unknown or revoked API token.")
    g.api_user = user
    if request.method == "PATCH" and not request.get_data(cache=True).strip():
        # A PATCH names what it changes; an empty one is a script's mistake, not "no change".
        raise ApiError(400, "Send a JSON object with the fields to change.")


def api_user() -> User:
    return g.api_user


def api_account() -> Account:
    return g.api_user.account


def resource_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    """A blueprint for one API resource, behind token authentication."""
    blp = Blueprint(name, import_name, url_prefix=url_prefix, description=description)
    blp.before_request(authenticate)
    return blp


def owned_or_404(model, object_id: int, what: str):
    """One of the token's account's objects, or a JSON 404 (never another account's)."""
    from crm.scope import NotFound, get_owned

    try:
        return get_owned(get_session(), api_account(), model, object_id)
    except NotFound:
        raise ApiError(404, f"No such {what}.") from None
