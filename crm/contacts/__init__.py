"""The contact book: contacts and the companies they work for."""

from flask import Flask

from crm.contacts import cli, routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    app.register_blueprint(routes.companies_bp)
    app.cli.add_command(cli.contacts_cli)
