"""Owning your data: the whole account as one zip (backup), loaded back into an empty
account (restore), and contacts as vCard."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.backup import cli, routes

    app.cli.add_command(cli.backup_command)
    app.cli.add_command(cli.restore_command)
    app.register_blueprint(routes.bp)
