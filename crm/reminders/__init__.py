"""Reminder emails: the send-due pass, the worker (APScheduler), email composition, the
settings page, the unsubscribe link and the calendar feed."""

from flask import Flask


def init_app(app: Flask) -> None:
    from crm.reminders import cli, routes, worker

    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.reminders_cli)
    app.cli.add_command(worker.worker_command)
