"""Releases: what an artist pitches (a single, an EP, an album, a tour or a show)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.releases import routes

    app.register_blueprint(routes.bp)
