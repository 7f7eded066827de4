"""Error pages: a clear message, the layout around it, and no stack traces.

Unhandled exceptions reach the HTTPException handler as a 500 (Flask wraps them), after
Flask has logged them; in tests they propagate so failures show their traceback."""

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from crm.api.errors import json_error

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is nothing here. It may have been deleted, or the link is wrong.",
    405: "That action is not allowed here.",
    413: "The file is too large. Split it into smaller files and try again.",
    429: "Too many attempts. Wait a minute and try again.",
    500: "Something went wrong on our side. Nothing was saved; please try again.",
}


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

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_api():
            return json_error(error)
        code = error.code or 500
        message = MESSAGES.get(code, error.description)
        return render_template("errors/error.html", code=code, message=message), code
