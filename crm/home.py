"""The front door: a landing page for visitors, the contact book for logged-in users."""

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("contacts.index"))
    return render_template("home/index.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
