"""`flask --app crm user ...`: manage accounts from the command line."""

import click
from flask.cli import AppGroup

from crm.accounts import services
from crm.db import get_session, transaction

user_cli = AppGroup("user", help="Create and manage user accounts.")


@user_cli.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default="", help="Display name.")
@click.option("--artist", "artist_name", default="", help="Artist or band name.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA name, e.g. Europe/Berlin.")
def create(email: str, password: str, name: str, artist_name: str, timezone: str) -> None:
    """Create an account with one user; fails if the email is taken."""
    session = get_session()
    try:
        with transaction(session):
            user = services.create_user(
                session,
                email=email,
                password=password,
                name=name,
                artist_name=artist_name,
                timezone=timezone,
            )
    except services.AccountError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    click.echo(f"Created account {user.account_id} for {user.email}.")
