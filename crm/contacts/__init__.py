"""The contact book: contacts and the companies they work for."""

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here, not at the top: the field rules and services of this package are used
    # by crm.imports, which the CLI below uses in turn.
    from crm.contacts import cli, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(routes.companies_bp)
    app.cli.add_command(cli.contacts_cli)
