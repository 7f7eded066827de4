"""`flask --app crm contacts import|export`: the web import and export, from a terminal."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from crm import freeze_start_up_heap
from crm.accounts.services import find_user
from crm.db import get_session, transaction
from crm.imports.export import write_export
from crm.imports.reading import UnreadableFile
from crm.imports.services import import_now, rejected_results_csv

contacts_cli = AppGroup("contacts", help="Import and export contacts as CSV.")


def _user(email: str):
    user = find_user(get_session(), email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    return user


@contacts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "email", required=True, help="Whose account the contacts go into.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
def import_command(file: Path, email: str, dry_run: bool) -> None:
    """Import a CSV file with the same rules as the web import.

    Exit 0 when the import went through (rejected rows are written to FILE.errors.csv),
    1 when the file as a whole was refused and nothing was imported."""
    user = _user(email)
    freeze_start_up_heap()
    session = get_session()
    try:
        with transaction(session):
            _record, summary = import_now(
                session, user.account, user, file.name, file, dry_run=dry_run
            )
            if dry_run:
                session.rollback()
    except UnreadableFile as exc:
        raise click.ClickException(f"{file.name}: {exc} Nothing was imported.") from None
    errors_path = file.with_name(file.name + ".errors.csv")
    if summary.errors:
        with open(errors_path, "w", encoding="utf-8", newline="") as out:
            out.writelines(rejected_results_csv(summary.header, summary.errors))
    click.echo(
        f"created {summary.created}, updated {summary.updated}, skipped {summary.skipped}, "
        f"errors {summary.rejected}" + (" (dry run: nothing written)" if dry_run else "")
    )
    if summary.errors:
        click.echo(f"Rejected rows and their reasons: {errors_path}")


@contacts_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "email", required=True, help="Whose contacts to export.")
def export_command(file: Path, email: str) -> None:
    """Write all of a user's contacts as CSV (UTF-8 with BOM, the contract's columns)."""
    user = _user(email)
    count = write_export(get_session(), user.account, str(file))
    click.echo(f"Exported {count} contacts to {file}.")
