"""The API's error format: `{"error": message, "fields": {field: [messages]}}`."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request body is not valid JSON.",
    401: "Missing, unknown or revoked API token.",
    403: "You may not do that.",
    404: "Not found.",
    405: "Method not allowed on this URL.",
    413: "The upload is too large.",
    415: "Send a JSON body with Content-Type: application/json.",
    422: "Some fields are not valid.",
    429: "Too many requests. Wait a minute and try again.",
    500: "Internal error. Nothing was saved.",
    503: "The database is busy. Nothing was saved; retry after the Retry-After seconds.",
}


class ApiError(HTTPException):
    """An API error with a message, and per-field messages for validation (422)."""

    def __init__(self, code: int, message: str | None = None, fields: dict | None = None):
        super().__init__(message or MESSAGES.get(code, "Error."))
        self.code = code
        self.fields = fields


def valid(cleaned) -> dict:
    """The cleaned values, or a 422 naming each field's problem: one way for every endpoint
    that takes a contact, release or template."""
    if not cleaned.ok:
        raise ApiError(422, fields=cleaned.errors)
    return cleaned.values


class ErrorSchema(Schema):
    error = fields.String(required=True)
    fields = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), load_default=None
    )


def _flatten(messages: object) -> dict[str, list[str]]:
    """webargs' messages ({"json": {"email": [...]}}) as {"email": [...]}."""
    flat: dict[str, list[str]] = {}

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat.setdefault(path or "_", []).extend(value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{path}.{index}")
        else:
            flat.setdefault(path or "_", []).append(str(value))

    if isinstance(messages, dict):
        for location, inner in messages.items():
            walk(inner, "" if location in ("json", "query", "form", "files") else location)
    return flat


def json_error(error: HTTPException):
    code = error.code or 500
    body: dict[str, object] = {"error": MESSAGES.get(code, error.description or "Error.")}
    if getattr(error, "show_description", False):
        body["error"] = error.description
    if isinstance(error, ApiError):
        body["error"] = error.description
        if error.fields:
            body["fields"] = error.fields
    elif code == 422:
        # Raised by webargs (through flask-smorest) when a request does not fit its schema.
        messages = getattr(error, "data", {}).get("messages")
        body["fields"] = _flatten(messages)
    response = jsonify(body)
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Stagedoor API"'
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
