"""`flask --app crm worker`: the one background process beside the web server: reminders,
daily digests, the mailboxes' sending, and forgetting expired logins.

Jobs are declared as data with stable ids. All coalesce, and run at most one at a time:
a worker that was stopped for a day runs each job once when it starts again, and the
digest job itself sends each account at most one digest a day."""

from __future__ import annotations

import logging
import signal
import sys

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from flask.cli import with_appcontext

from crm import freeze_start_up_heap
from crm.accounts.sessions import prune_expired
from crm.db import transaction, utcnow
from crm.mailbox.sending import send_due as send_mailbox_due
from crm.mailbox.sync import sync as sync_mailboxes
from crm.reminders.passes import send_digests, send_due

log = logging.getLogger("crm.worker")


def _run_send_due(app) -> None:
    with app.app_context():
        result = send_due(app.extensions["crm.db"], app.config, utcnow())
        if result.sent_emails or result.failed:
            log.info(
                "reminders: %s emails, %s follow-ups, %s failures",
                result.sent_emails,
                result.reminded,
                len(result.failed),
            )


def _run_digests(app) -> None:
    with app.app_context():
        sent = send_digests(app.extensions["crm.db"], app.config, utcnow())
        if sent:
            log.info("digests: %s sent", sent)


def _run_mailbox_send(app) -> None:
    with app.app_context():
        result = send_mailbox_due(app.extensions["crm.db"], app.config, utcnow())
        if result.sent or result.bounced or result.deferred or result.failed:
            log.info(
                "mailboxes: %s sent, %s bounced, %s deferred, %s mailboxes failed",
                result.sent, result.bounced, result.deferred, len(result.failed),
            )  # fmt: skip


def _run_mailbox_sync(app) -> None:
    with app.app_context():
        result = sync_mailboxes(app.extensions["crm.db"], app.config, utcnow())
        if result.read or result.failed:
            log.info(
                "inboxes: %s replies, %s automatic replies, %s bounces, %s mailboxes failed",
                result.replies, result.auto_replies, result.bounces, len(result.failed),
            )  # fmt: skip


def _prune_logins(app) -> None:
    with app.app_context():
        with app.extensions["crm.db"]() as session, transaction(session):
            pruned = prune_expired(session)
        if pruned:
            log.info("logins: %s expired sessions forgotten", pruned)


def jobs(app) -> list[dict]:
    interval = int(app.config["REMINDER_INTERVAL_SECONDS"])
    common = {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": None,
        "args": [app],
        "replace_existing": True,
    }
    return [
        {
            "id": "reminders.send_due",
            "func": _run_send_due,
            "trigger": IntervalTrigger(seconds=interval),
            **common,
        },
        # Hourly: each account's digest goes at its own local hour.
        {
            "id": "reminders.daily_digest",
            "func": _run_digests,
            "trigger": CronTrigger(minute=0),
            **common,
        },
        {
            "id": "mailbox.send_due",
            "func": _run_mailbox_send,
            "trigger": IntervalTrigger(seconds=int(app.config["MAILBOX_SYNC_SECONDS"])),
            **common,
        },
        {
            "id": "mailbox.sync",
            "func": _run_mailbox_sync,
            "trigger": IntervalTrigger(seconds=int(app.config["MAILBOX_SYNC_SECONDS"])),
            **common,
        },
        {
            "id": "accounts.prune_logins",
            "func": _prune_logins,
            "trigger": CronTrigger(hour=3, minute=30),
            **common,
        },
    ]


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run the worker: reminders every REMINDER_INTERVAL_SECONDS, the mailboxes' sending
    every MAILBOX_SYNC_SECONDS, digests hourly."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()
    freeze_start_up_heap()  # a process that lives for weeks, like the web server's
    # systemd, Docker and `make run` stop it with SIGTERM: like Ctrl-C, it then stops
    # between rounds (a pass under way finishes first), instead of dying mid-email. A
    # shell without job control starts `worker &` with SIGINT ignored, so Ctrl-C alone
    # would not reach it.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(0))
    scheduler = BlockingScheduler(timezone="UTC")
    for job in jobs(app):
        scheduler.add_job(**job)
    # Catch up at once on start: what came due while the worker was stopped.
    _run_send_due(app)
    _run_digests(app)
    _run_mailbox_send(app)
    _run_mailbox_sync(app)
    click.echo(f"Reminder worker running every {app.config['REMINDER_INTERVAL_SECONDS']} s.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
