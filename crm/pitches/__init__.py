"""Pitches and follow-ups: compose, track, the pipeline board, and the dashboard."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.pitches import dashboard, follow_ups, routes

    app.register_blueprint(dashboard.bp)
    app.register_blueprint(routes.bp)
    app.register_blueprint(follow_ups.bp)
