"""`flask --app crm mailbox send-due|rotate-key`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from crm.db import transaction
from crm.mailbox import secrets
from crm.mailbox.sending import send_due
from crm.mailbox.sync import sync
from crm.models import Mailbox
from crm.reminders.cli import parse_now

mailbox_cli = AppGroup(
    "mailbox", help="The artists' own mailboxes: sending pitches, reading replies."
)


@mailbox_cli.command("send-due")
@click.option("--now", "now_text", default=None, help="ISO 8601 time to act as now.")
def send_due_command(now_text: str | None) -> None:
    """Send every scheduled pitch that is due, each exactly once, within each mailbox's
    window, pace and daily limit (safe to run in parallel)."""
    result = send_due(current_app.extensions["crm.db"], current_app.config, parse_now(now_text))
    click.echo(
        f"sent {result.sent}, bounced {result.bounced}, deferred {result.deferred}"
        + (f", {len(result.failed)} mailboxes failed" if result.failed else "")
    )
    for mailbox_id, error in result.failed:
        click.echo(f"mailbox {mailbox_id}: {error}", err=True)


@mailbox_cli.command("sync")
@click.option("--user", "email", default=None, help="Only this user's mailbox.")
def sync_command(email: str | None) -> None:
    """Read each connected mailbox's new messages and apply them once: replies stop the
    follow-ups, out-of-office answers move them past the return date, bounces mark the
    address (safe to run often, or in parallel)."""
    result = sync(current_app.extensions["crm.db"], current_app.config, user_email=email)
    click.echo(
        f"read {result.read}: {result.replies} replies, {result.auto_replies} automatic"
        f" replies, {result.bounces} bounces"
        + (f"; {result.logged} pitches logged from your Sent folder" if result.logged else "")
        + (f"; skipped {len(result.skipped)}" if result.skipped else "")
        + (f"; {len(result.failed)} mailboxes failed" if result.failed else "")
    )
    for mailbox_id, error in result.failed:
        click.echo(f"mailbox {mailbox_id}: {error}", err=True)
    for note in result.skipped[:20]:
        click.echo(f"skipped {note}", err=True)


@mailbox_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Encrypt every stored mailbox password with the first key of MAILBOX_KEY (after
    putting the new key first, the old one after it, comma-separated)."""
    session = current_app.extensions["crm.db"]()
    key = current_app.config["MAILBOX_KEY"]
    with transaction(session):
        mailboxes = session.scalars(select(Mailbox).where(Mailbox.connected)).all()
        for mailbox in mailboxes:
            mailbox.password_encrypted = secrets.rotate(key, mailbox.password_encrypted)
    click.echo(f"Re-encrypted {len(mailboxes)} mailbox passwords with the first key.")
