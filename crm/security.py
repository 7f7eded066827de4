"""HTTP hardening applied to every response."""

import unicodedata
from typing import overload
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import BadRequest

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


@overload
def safe_next(target: object, default: str) -> str: ...
@overload
def safe_next(target: object, default: None = None) -> str | None: ...
def safe_next(target: object, default: str | None = None) -> str | None:
    """A redirect target given by the request (`next`), followed only when it is a path on
    this site; anything else gives `default`. Control characters are refused outright:
    browsers drop tabs and line breaks from a URL, so "/\t/evil.example" would turn into
    "//evil.example", another site, and a line break cannot go into a Location header."""
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return default
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in target):
        return default
    if target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class NulCharacter(BadRequest):
    description = "Text may not contain NUL characters."
    show_description = True  # the message is meant for the caller, not a generic one


def refuse_nul_characters() -> None:
    """No text we store may hold a NUL character (PostgreSQL refuses them outright), so a
    request carrying one in its query, form or JSON is refused here, once, for every view."""
    if any(_has_nul(v) for v in request.args.values()):
        raise NulCharacter()
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json and _has_nul(request.get_json(silent=True)):
            raise NulCharacter()
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if any(_has_nul(v) for v in request.form.values()):
                raise NulCharacter()


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            # Pages show private data: never keep them in shared caches.
            headers.setdefault("Cache-Control", "no-store")
        return response
