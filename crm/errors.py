"""Error pages: a clear message, the layout around it, and no stack traces.

Unhandled exceptions reach the HTTPException handler as a 500 (Flask wraps them), after
Flask has logged them; in tests they propagate so failures show their traceback."""

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from crm.api.errors import json_error

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is nothing here. It may have been deleted, or the link is wrong.",
    405: "That action is not allowed here.",
    413: "The file is too large. Split it into smaller files and try again.",
    429: "Too many attempts. Wait a minute and try again.",
    500: "Something went wrong on our side. Nothing was saved; please try again.",
    503: "Stagedoor is busy finishing other work (a large import, perhaps). Nothing was"
    " saved: try again in a few seconds.",
}
# Seconds a client is asked to wait when the database is busy.
RETRY_AFTER = 5


def is_busy(error: OperationalError) -> bool:
    """SQLite's lock held past the busy timeout, or PostgreSQL's lock or statement timeout."""
    text = str(error.orig).lower()
    return "database is locked" in text or "lock timeout" in text


def _is_api() -> bool:
    """API calls get JSON errors, even for a URL no route matches (404) or a 500."""
    return request.path.startswith("/api/") and request.path != "/api/docs"


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        if _is_api():
            return json_error(error)
        message = (
            "This form has expired or was sent from another site. Reload the page and try again."
        )
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(OperationalError)
    def _busy(error: OperationalError):
        if not is_busy(error):
            raise error
        app.logger.warning("database busy: %s %s", request.method, request.path)
        busy = ServiceUnavailable()
        if _is_api():
            response = json_error(busy)
        else:
            page = render_template("errors/error.html", code=503, message=MESSAGES[503])
            response = app.make_response((page, 503))
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_api():
            return json_error(error)
        code = error.code or 500
        message = MESSAGES.get(code, error.description)
        return render_template("errors/error.html", code=code, message=message), code
