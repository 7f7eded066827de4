"""The artist's own mailbox: connecting it (secrets), composing a pitch as a real email,
and the send-due pass that delivers at a human pace, exactly once."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.mailbox import cli, routes

    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.mailbox_cli)
