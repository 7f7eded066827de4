"""The artist's own mailbox: connecting it (secrets), composing a pitch as a real email,
the send-due pass that delivers at a human pace, exactly once, and the sync pass that
reads replies, out-of-office answers and bounces back (classify, sync)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.mailbox import cli, routes

    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.mailbox_cli)
