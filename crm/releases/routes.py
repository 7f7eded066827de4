"""Pages of the releases: the list with its add form, a release with its pitches, edit and
delete."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.accounts.current import current_account, owned_or_404
from crm.db import get_session, transaction
from crm.models import Pitch, Release
from crm.releases import services
from crm.releases.forms import ReleaseForm
from crm.scope import owned, owned_by

bp = Blueprint("releases", __name__, url_prefix="/releases")


@bp.before_request
@login_required
def _require_login() -> None:
    """Releases are private."""


@bp.route("/", methods=["GET", "POST"])
def index():
    session, account = get_session(), current_account()
    form = ReleaseForm()
    if form.validate_on_submit():
        cleaned = services.clean_release(form.data)
        if not cleaned.ok:
            form.add_errors(cleaned.errors)
        else:
            with transaction(session):
                release = services.create_release(session, account, cleaned.values)
            flash(f"Added the release “{release.title}”.", "success")
            return redirect(url_for("releases.show", release_id=release.id))
    counts = dict(
        session.execute(
            select(Pitch.release_id, func.count())
            .where(owned_by(Pitch, account))
            .group_by(Pitch.release_id)
        ).all()
    )
    releases = session.scalars(
        owned(Release, account).order_by(Release.release_date.desc(), Release.title)
    ).all()
    return render_template(
        "releases/index.html", form=form, releases=releases, counts=counts
    ), 422 if form.errors else 200


@bp.get("/<int:release_id>")
def show(release_id: int):
    release = owned_or_404(Release, release_id)
    pitches = (
        get_session()
        .scalars(
            owned(Pitch, current_account())
            .where(Pitch.release_id == release.id)
            .order_by(Pitch.updated_at.desc())
            .options(selectinload(Pitch.contact))
        )
        .all()
    )
    return render_template("releases/show.html", release=release, pitches=pitches)


@bp.route("/<int:release_id>/edit", methods=["GET", "POST"])
def edit(release_id: int):
    release = owned_or_404(Release, release_id)
    form = ReleaseForm(obj=release if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = release.kind.value
        form.release_date.data = release.release_date.isoformat() if release.release_date else ""
    if form.validate_on_submit():
        cleaned = services.clean_release(form.data)
        if not cleaned.ok:
            form.add_errors(cleaned.errors)
        else:
            session = get_session()
            with transaction(session):
                services.update_release(session, release, cleaned.values)
            flash("Release saved.", "success")
            return redirect(url_for("releases.show", release_id=release.id))
    return render_template("releases/form.html", form=form, release=release), (
        422 if form.errors else 200
    )


@bp.post("/<int:release_id>/delete")
def delete(release_id: int):
    release = owned_or_404(Release, release_id)
    session = get_session()
    with transaction(session):
        session.delete(release)
    flash(f"Deleted “{release.title}”. Its pitches stay, without a release.", "success")
    return redirect(url_for("releases.index"))
