"""The front door: a landing page for visitors, the dashboard for logged-in users."""

from flask import Blueprint, Flask, render_template
from flask_login import current_user

from crm.pitches.routes import dashboard

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return dashboard()
    return render_template("home/index.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
