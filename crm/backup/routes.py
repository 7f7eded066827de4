"""The settings page's "Download everything", restoring a backup into an empty account,
and the contact book as vCard."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from crm.accounts.current import current_account
from crm.backup.archive import AccountNotEmpty, NotABackup, is_empty, restore_backup, stream_backup
from crm.backup.vcard import cards
from crm.contacts.services import ContactFilters, contact_query
from crm.db import get_session, transaction
from crm.models import Account, Contact

bp = Blueprint("backup", __name__, url_prefix="/account")


@bp.before_request
@login_required
def _require_login() -> None:
    """An account's data leaves only to its own users."""


def backup_response(account_id: int, artist: str) -> Response:
    """The backup zip as a streamed download (a session of its own: the response is
    written after the request's session has closed)."""

    factory = current_app.extensions["crm.db"]

    def chunks() -> Iterator[bytes]:
        with factory() as session:
            yield from stream_backup(session, session.get(Account, account_id))

    name = (
        "".join(ch for ch in (artist or "stagedoor") if ch.isalnum() or ch in "-_") or "stagedoor"
    )
    return Response(
        chunks(),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}-backup.zip"'},
    )


def vcard_response(account_id: int) -> Response:
    factory = current_app.extensions["crm.db"]

    def lines() -> Iterator[str]:
        with factory() as session:
            account = session.get(Account, account_id)
            ids = contact_query(account, ContactFilters()).with_only_columns(Contact.id)
            yield from cards(session, account, ids)

    return Response(
        lines(),
        mimetype="text/vcard",
        headers={"Content-Disposition": 'attachment; filename="stagedoor-contacts.vcf"'},
    )


@bp.get("/backup.zip")
def download():
    account = current_account()
    return backup_response(account.id, account.artist_name)


@bp.get("/contacts.vcf")
def contacts_vcf():
    return vcard_response(current_account().id)


@bp.route("/restore", methods=["GET", "POST"])
def restore():
    session, account = get_session(), current_account()
    empty = is_empty(session, account)
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash("Choose the backup zip to restore.", "danger")
            return render_template("backup/restore.html", empty=empty), 422
        with tempfile.TemporaryFile() as spool:
            upload.save(spool)
            spool.seek(0)
            try:
                with transaction(session):
                    restored = restore_backup(session, account, current_user, spool)
            except (NotABackup, AccountNotEmpty) as exc:
                flash(str(exc), "danger")
                return render_template("backup/restore.html", empty=empty), 422
        total = restored.counts.get("contacts", 0)
        flash(f"Restored {total:,} contacts and everything that goes with them.", "success")
        for note in restored.notes:
            flash(note, "info")
        return redirect(url_for("contacts.index"))
    return render_template("backup/restore.html", empty=empty)
