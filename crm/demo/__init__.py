"""`flask --app crm demo --user EMAIL`: a realistic, clearly fictional data set to explore."""

import click
from flask import Flask
from flask.cli import with_appcontext

from crm.accounts.services import find_user
from crm.db import get_session, transaction
from crm.demo.data import load_demo
from crm.demo.outreach import load_demo_outreach


@click.command("demo")
@click.option(
    "--user", "email", required=True, help="Email of the user whose account gets the data."
)
@click.option("--contacts", "count", default=3000, show_default=True, help="How many contacts.")
@with_appcontext
def demo_command(email: str, count: int) -> None:
    """Load the demo directory (about 3,000 fictional industry contacts) and a season of
    pitches, replies and follow-ups into an account."""
    session = get_session()
    user = find_user(session, email)
    if user is None:
        raise click.ClickException(f"No user with email {email}. Create it with `user create`.")
    with transaction(session):
        added = load_demo(session, user.account, count)
        pitched = load_demo_outreach(session, user.account, user)
    click.echo(
        f"Loaded {added} demo contacts and {pitched} pitches into the account of {user.email}."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
