"""`flask --app crm reminders send-due|test-email`."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from crm.db import utcnow
from crm.reminders.mail import MailError, SmtpSettings, build_message, send
from crm.reminders.passes import send_due

reminders_cli = AppGroup("reminders", help="Reminder emails for due follow-ups.")


def parse_now(value: str | None) -> dt.datetime:
    if not value:
        return utcnow()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, like 2026-03-14T09:00:00+00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@reminders_cli.command("send-due")
@click.option("--now", "now_text", default=None, help="ISO 8601 time to act as now.")
def send_due_command(now_text: str | None) -> None:
    """Email every account about its follow-ups due at NOW and not yet reminded (safe to
    run twice, or in parallel: each follow-up is reminded exactly once)."""
    now = parse_now(now_text)
    result = send_due(current_app.extensions["crm.db"], current_app.config, now)
    click.echo(
        f"sent {result.sent_emails} emails about {result.reminded} follow-ups"
        + (f", {len(result.failed)} failed (will retry)" if result.failed else "")
    )
    for account_id, error in result.failed:
        click.echo(f"account {account_id}: {error}", err=True)


@reminders_cli.command("test-email")
@click.argument("email")
def test_email_command(email: str) -> None:
    """Send one test email, and say clearly what went wrong if it fails."""
    settings = SmtpSettings.from_config(current_app.config)
    message = build_message(
        settings,
        [email],
        "Stagedoor test email",
        "This is a test from Stagedoor. Reminder emails will reach you like this one.",
    )
    try:
        send(settings, message)
    except MailError as exc:
        raise click.ClickException(f"Sending failed: {exc}") from None
    click.echo(f"Sent a test email to {email} through {settings.server}:{settings.port}.")
