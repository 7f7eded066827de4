"""Sign-up, log-in, settings and the `flask --app crm user` commands."""

from flask import Flask

from crm.accounts import cli, routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.user_cli)
