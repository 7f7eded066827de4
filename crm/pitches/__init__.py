"""Releases, pitches, follow-ups, the pipeline board and the dashboard."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.pitches import routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(routes.releases_bp)
    app.register_blueprint(routes.follow_ups_bp)
