"""The email-template domain: a library of query emails with merge fields (named so that it
does not collide with Jinja's `templates/` folder)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.mail_templates import routes

    app.register_blueprint(routes.bp)
