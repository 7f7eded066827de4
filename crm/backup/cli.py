"""`flask --app crm backup FILE --user EMAIL` and `flask --app crm restore FILE --user EMAIL`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from crm.backup.archive import AccountNotEmpty, NotABackup, restore_backup, write_backup
from crm.contacts.cli import _user as user_by_email
from crm.db import get_session, transaction


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--user", "email", required=True, help="Whose account to back up.")
def backup_command(file: Path, email: str) -> None:
    """Write everything the user's account owns into one zip (see the README's layout)."""
    user = user_by_email(email)
    partial = file.with_name(file.name + ".partial")
    with open(partial, "wb") as out:
        write_backup(get_session(), user.account, out)
    partial.replace(file)  # a failed backup never leaves a truncated FILE behind
    click.echo(f"Backed up {user.account.artist_name or email}'s account to {file}.")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "email", required=True, help="Whose (empty) account to restore into.")
def restore_command(file: Path, email: str) -> None:
    """Load a backup zip into an empty account, all or nothing. Exit 1 when it is refused."""
    user = user_by_email(email)
    session = get_session()
    try:
        with transaction(session):
            restored = restore_backup(session, user.account, user, str(file))
    except (NotABackup, AccountNotEmpty) as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in restored.counts.items())
    click.echo(f"Restored into {email}'s account: {counts}.")
    for note in restored.notes:
        click.echo(note)
