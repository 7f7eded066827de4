"""Import pages: upload, check the mapping and preview, run (in the background), undo."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms import FileField, StringField
from wtforms.validators import DataRequired

from crm.accounts.current import current_account, owned_or_404
from crm.db import get_session, transaction
from crm.forms import BaseForm
from crm.imports import services
from crm.imports.engine import undo_import
from crm.imports.mapping import IGNORE, MULTI_COLUMN, TARGETS, check_mapping
from crm.imports.reading import UnreadableFile
from crm.models import Account, ContactImport, ImportMapping, ImportStatus
from crm.models.contacts import ROLE_LABELS
from crm.scope import id_from, owned

ROLE_VALUES = {role.value for role in ROLE_LABELS}

bp = Blueprint("imports", __name__, url_prefix="/imports")


class UploadForm(BaseForm):
    file = FileField("CSV file", validators=[DataRequired(message="Choose a CSV file.")])


class SaveMappingForm(BaseForm):
    name = StringField("Save this mapping as")


@bp.before_request
@login_required
def _require_login() -> None:
    """Imports are private."""


@bp.route("/", methods=["GET", "POST"])
def index():
    form = UploadForm()
    session, account = get_session(), current_account()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with transaction(session):
                record = services.upload(
                    session,
                    account,
                    current_user,
                    upload.filename or "upload.csv",
                    upload.read(),
                )
        except UnreadableFile as exc:
            form.file.errors = [f"{upload.filename}: {exc}"]
        else:
            return redirect(url_for("imports.mapping", import_id=record.id))
    with transaction(session):
        imports = services.list_imports(session, account)
        progress = {r.id: services.watch(session, r) for r in imports}
    status = 422 if form.errors else 200
    return render_template(
        "imports/index.html", form=form, imports=imports, progress=progress
    ), status


@bp.route("/<int:import_id>/mapping", methods=["GET", "POST"])
def mapping(import_id: int):
    record = owned_or_404(ContactImport, import_id)
    if record.status != ImportStatus.PENDING:
        return redirect(url_for("imports.show", import_id=record.id))
    session, account = get_session(), current_account()
    save_form = SaveMappingForm()
    problem = None
    if request.method == "POST" and save_form.validate():
        chosen = [request.form.get(f"column-{i}", IGNORE) for i in range(len(record.header))]
        chosen = [c if c in TARGETS else IGNORE for c in chosen]
        saved_id = id_from(request.form.get("saved_mapping"))
        if request.form.get("action") == "apply" and saved_id:
            saved = session.scalar(
                owned(ImportMapping, account).where(ImportMapping.id == saved_id)
            )
            if saved is not None:
                from crm.imports.mapping import auto_mapping

                chosen = auto_mapping(record.header, saved.columns)
        default_role = request.form.get("default_role", "")
        with transaction(session):
            record.mapping = chosen
            record.default_role = default_role if default_role in ROLE_VALUES else None
            if save_form.name.data and request.form.get("action") != "apply":
                services.save_mapping(session, account, save_form.name.data, record.header, chosen)
        problem = check_mapping(record.mapping)
        if request.form.get("action") == "run" and problem is None:
            _start(record, account)
            return redirect(url_for("imports.show", import_id=record.id))
    problem = problem or check_mapping(record.mapping)
    try:
        summary = services.preview(session, account, record) if problem is None else None
        samples = _samples(record)
    except UnreadableFile as exc:
        flash(str(exc), "danger")
        return redirect(url_for("imports.index"))
    saved_mappings = session.scalars(
        owned(ImportMapping, account).order_by(ImportMapping.name)
    ).all()
    return render_template(
        "imports/mapping.html",
        record=record,
        targets=TARGETS,
        multi_column=MULTI_COLUMN,
        roles=ROLE_LABELS,
        summary=summary,
        samples=samples,
        problem=problem,
        save_form=save_form,
        saved_mappings=saved_mappings,
    ), 422 if problem and request.method == "POST" else 200


def _samples(record: ContactImport, count: int = 3) -> list[list[str]]:
    """A few values of each column, to recognise it by."""
    samples: list[list[str]] = [[] for _ in record.header]
    for index, (_line, cells) in enumerate(services.stored_csv(get_session(), record).rows()):
        for column, cell in enumerate(cells[: len(samples)]):
            if cell.strip() and len(samples[column]) < count:
                samples[column].append(cell.strip()[:60])
        if index > 200 or all(len(s) >= count for s in samples):
            break
    return samples


def _start(record: ContactImport, account: Account) -> None:
    """Run the import: in a background thread normally, inline in tests."""
    if not current_app.config.get("IMPORTS_IN_BACKGROUND", True):
        _run(current_app._get_current_object(), record.id, account.id)
        return
    session = get_session()
    with transaction(session):
        record.status = ImportStatus.RUNNING  # so the page the user lands on watches it
    services.set_progress(session, record, 0, record.rows_total)
    thread = threading.Thread(
        target=_run,
        args=(current_app._get_current_object(), record.id, account.id),
        name=f"import-{record.id}",
        daemon=True,
    )
    thread.start()


def _run(app, import_id: int, account_id: int) -> None:
    with app.app_context():
        session = get_session()
        record = session.get(ContactImport, import_id)
        account = session.get(Account, account_id)
        try:
            with transaction(session):
                services.run_stored(session, account, record)
        except Exception as exc:  # the user sees why on the import's page
            app.logger.exception("Import %s failed", import_id)
            record = session.get(ContactImport, import_id)
            with transaction(session):
                services.mark_failed(session, record, str(exc))
        finally:
            record = session.get(ContactImport, import_id)
            with transaction(session):
                services.discard_file(session, record)


@bp.get("/<int:import_id>")
def show(import_id: int):
    record = owned_or_404(ContactImport, import_id)
    with transaction(get_session()) as session:
        progress = services.watch(session, record)
    return render_template(
        "imports/show.html", record=record, errors=record.errors[:200], progress=progress
    )


@bp.get("/<int:import_id>/progress")
def progress(import_id: int):
    record = owned_or_404(ContactImport, import_id)
    with transaction(get_session()) as session:
        live = services.watch(session, record)
    return jsonify(
        status=record.status.value,
        done=live.done,
        total=live.total,
        created=record.created,
        updated=record.updated,
        skipped=record.skipped,
        rejected=record.rejected,
    )


@bp.get("/<int:import_id>/errors.csv")
def errors_csv(import_id: int):
    record = owned_or_404(ContactImport, import_id)
    stem = Path(record.file_name).stem or "import"
    return Response(
        services.rejected_rows_csv(get_session(), record),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{stem}-errors.csv"'},
    )


@bp.post("/<int:import_id>/undo")
def undo(import_id: int):
    record = owned_or_404(ContactImport, import_id)
    session = get_session()
    try:
        with transaction(session):
            removed, restored = undo_import(session, current_account(), record)
    except ValueError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Import undone: removed {removed} contacts, restored {restored}.", "success")
    return redirect(url_for("imports.show", import_id=import_id))


@bp.post("/<int:import_id>/cancel")
def cancel(import_id: int):
    """Drop an uploaded file that was never imported."""
    record = owned_or_404(ContactImport, import_id)
    if record.status == ImportStatus.PENDING:
        session = get_session()
        with transaction(session):
            services.discard_file(session, record)
            session.delete(record)
        flash("Upload discarded.", "info")
    return redirect(url_for("imports.index"))
