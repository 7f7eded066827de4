"""HTTP hardening applied to every response."""

import json
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


# JSON deeper than this is no request a script of ours sends, and Python's parser would
# exhaust the stack on 100,000 levels instead of answering.
MAX_JSON_DEPTH = 32


class UnstorableText(BadRequest):
    show_description = True  # the message is meant for the caller, not a generic one


# The NUL rule as a JSON Schema pattern, for the API's document. The NUL itself: tools
# read a "\u0000" escape in a pattern as text. (A lone surrogate is no Unicode text: a
# client that encodes what it sends as UTF-8 cannot send one.)
TEXT_PATTERN = "^[^\x00]*$"


def _bad_character(text: str) -> str | None:
    """Why `text` cannot be stored: a NUL (PostgreSQL refuses it) or a lone surrogate (no
    UTF-8 holds it: SQLite's driver fails on it); None when it can."""
    if "\x00" in text:
        return "Text may not contain NUL characters."
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "Text may not contain unpaired surrogates (broken UTF-16); send valid Unicode."
    return None


def _check_json(value: object) -> None:
    """Walk a parsed JSON body without recursion: its depth and every string in it."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise UnstorableText(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(item, str):
            problem = _bad_character(item)
            if problem:
                raise UnstorableText(problem)
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def parse_json_body(data: bytes) -> object:
    """A JSON body, parsed with its limits; BadRequest with a clear reason when it cannot be.
    The parser's own refusals (a 5,000-digit number, 100,000 levels of brackets) come as
    ValueError and RecursionError, which would otherwise be 500s."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise UnstorableText(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:
        raise UnstorableText(f"The request body is not valid JSON ({exc}).") from None
    _check_json(value)
    return value


def refuse_unstorable_input() -> None:
    """Text we cannot store is refused here, once, for every view: in the query string,
    the form and the JSON body (parsed with a depth cap)."""
    values = [*request.args.values()]
    if request.method in ("POST", "PUT", "PATCH"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values.extend(request.form.values())
        elif request.is_json and request.content_length != 0:
            data = request.get_data(cache=True)
            if data.strip():
                parse_json_body(data)
    for text in values:
        problem = _bad_character(text)
        if problem:
            raise UnstorableText(problem)


def init_app(app: Flask) -> None:
    app.before_request(refuse_unstorable_input)

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
