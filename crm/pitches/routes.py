"""Pages of the pitch tracker: compose (one or many), the pitch list, a pitch and its
status, and the board."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.accounts.current import current_account, owned_or_404
from crm.contacts.services import NoteError, lookup_contacts
from crm.db import get_session, transaction
from crm.fields import FieldError, clean_datetime
from crm.filters import format_local
from crm.forms import EmptyForm
from crm.mail_templates import services as template_services
from crm.mail_templates.rendering import TemplateError
from crm.mailbox.sending import schedule_send, unschedule
from crm.mailbox.services import mailbox_for_account
from crm.models import (
    MANUAL_STATUSES,
    Channel,
    Contact,
    EmailTemplate,
    Pitch,
    PitchStatus,
    Release,
    Role,
)
from crm.pagination import clamp
from crm.pitches import services
from crm.pitches.forms import PitchForm, ReplyForm
from crm.pitches.listing import DUE_WINDOWS, PitchFilters, browse_pitches
from crm.scope import id_from, owned, owned_among
from crm.security import safe_next

bp = Blueprint("pitches", __name__, url_prefix="/pitches")


@bp.before_request
@login_required
def _require_login() -> None:
    """The pitch tracker is private."""


# --- dashboard --------------------------------------------------------------------------


# --- releases ---------------------------------------------------------------------------


# --- pitches ----------------------------------------------------------------------------


def filters_from(args) -> PitchFilters:
    """The list's filters from the query string: unknown values are no filter."""
    status, role, due = args.get("status", ""), args.get("role", ""), args.get("due", "")
    return PitchFilters(
        status=PitchStatus(status) if status in PitchStatus._value2member_map_ else None,
        release_id=id_from(args.get("release_id")),
        role=Role(role) if role in Role._value2member_map_ else None,
        due=due if due in DUE_WINDOWS else "",
    )


@bp.get("/")
def index():
    session, account = get_session(), current_account()
    filters = filters_from(request.args)
    number, per_page = clamp(request.args.get("page", 1), request.args.get("per_page", 50))
    before = request.args.get("before")
    results = browse_pitches(
        session, account, filters, cursor=before or request.args.get("after"),
        backwards=bool(before), number=number, per_page=per_page,
    )  # fmt: skip
    return render_template(
        "pitches/index.html",
        page=results,
        filters=filters,
        statuses=list(PitchStatus),
        roles=list(Role),
        due_windows=DUE_WINDOWS,
        releases=session.scalars(owned(Release, account).order_by(Release.title)).all(),
    )


def _compose_choices(form: PitchForm) -> None:
    session, account = get_session(), current_account()
    form.release_id.choices = [("", "— no release (general query) —")] + [
        (str(r.id), r.title)
        for r in session.scalars(owned(Release, account).order_by(Release.title))
    ]
    form.template_id.choices = [("", "— write it yourself —")] + [
        (str(t.id), t.name) for t in template_services.list_templates(session, account)
    ]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Compose one pitch: pick a template, see the email, adjust it, then send or save."""
    session, account = get_session(), current_account()
    picked = request.values
    contact = template_services.owned_or_none(session, account, Contact, picked.get("contact_id"))
    release = template_services.owned_or_none(session, account, Release, picked.get("release_id"))
    template = template_services.owned_or_none(
        session, account, EmailTemplate, picked.get("template_id")
    )
    form = PitchForm()
    _compose_choices(form)
    contact_q = picked.get("contact_q", "").strip()[:200]
    found = None  # without JavaScript, "Find" lists the contacts matching what was typed
    if picked.get("action") == "find" and contact_q:
        found = lookup_contacts(session, account, contact_q, pitchable=True)
        contact = None
    if request.method == "GET" or request.form.get("action") in ("render", "find"):
        form.contact_id.data = str(contact.id) if contact else None
        form.release_id.data = str(release.id) if release else ""
        form.template_id.data = str(template.id) if template else ""
        if template is not None and contact is not None:
            try:
                rendered = template_services.render_for(
                    session, account, current_user, template, contact, release
                )
                form.subject.data, form.body.data = rendered.subject, rendered.body
            except TemplateError as exc:
                form.body.errors = [str(exc)]
    duplicate = contact is not None and bool(
        services.find_duplicates(session, account, [contact.id], release)
    )
    action = request.form.get("action")
    mailbox = mailbox_for_account(session, account)
    if request.method == "POST" and action in ACTIONS and form.validate():
        if contact is None:
            form.contact_id.errors = ["Choose who to pitch."]
        elif duplicate and not form.pitch_again.data:
            form.pitch_again.errors = [
                f"{contact.display_name} was already pitched for this release. "
                "Tick “Pitch again anyway” to go ahead."
            ]
        else:
            try:
                cadence = services.clean_cadence(form.cadence.data) if form.cadence.data else None
                with transaction(session):
                    pitch = services.create_pitch(
                        session,
                        account,
                        current_user,
                        contact,
                        release=release,
                        template=template,
                        subject=form.subject.data or "",
                        body=form.body.data or "",
                        status=PitchStatus.SENT if action == "send" else PitchStatus.DRAFT,
                        channel=Channel(form.channel.data or "email"),
                        notes=form.notes.data or "",
                        cadence=cadence,
                    )
                    if action in ("send_now", "schedule"):
                        when = _send_at(form, account) if action == "schedule" else None
                        schedule_send(session, account, pitch, when)
            except services.PitchRefused as exc:
                form.add_errors({exc.field: [str(exc)]})
            except FieldError as exc:
                form.add_errors({"send_at": [str(exc)]})
            else:
                flash(_sent_message(action, pitch, account), "success")
                return redirect(url_for("pitches.show", pitch_id=pitch.id))
    return render_template(
        "pitches/new.html",
        form=form,
        contact=contact,
        release=release,
        template=template,
        duplicate=duplicate,
        mailbox=mailbox,
        contact_q=contact_q,
        found=found,
    ), 422 if form.errors else 200


ACTIONS = ("send", "draft", "send_now", "schedule")


def _send_at(form: PitchForm, account) -> dt.datetime | None:
    """The compose form's "send at", a local time in the account's zone."""
    return clean_datetime(form.send_at.data, ZoneInfo(account.timezone))


def _sent_message(action: str, pitch: Pitch, account) -> str:
    if action == "send":
        return "Pitch marked as sent; follow-ups scheduled."
    if action == "draft" or pitch.send_at is None:
        return "Pitch saved as a draft."
    when = format_local(pitch.send_at, account.timezone, "%a %d %b, %H:%M")
    return f"Queued: it goes out from your mailbox {when}. Follow-ups start when it is sent."


@bp.get("/<int:pitch_id>")
def show(pitch_id: int):
    pitch = owned_or_404(Pitch, pitch_id)
    session = get_session()
    return render_template(
        "pitches/show.html", pitch=pitch, statuses=MANUAL_STATUSES, reply_form=ReplyForm(),
        mailbox=mailbox_for_account(session, current_account()), action_form=EmptyForm(),
        send_form=PitchForm(formdata=None),
    )  # fmt: skip


@bp.post("/<int:pitch_id>/send")
def send(pitch_id: int):
    """Send a draft from the mailbox now, or at the time given."""
    pitch = owned_or_404(Pitch, pitch_id)
    session, account = get_session(), current_account()
    form = PitchForm()
    try:
        when = _send_at(form, account)
        with transaction(session):
            schedule_send(session, account, pitch, when)
    except (services.PitchRefused, FieldError) as exc:
        flash(f"Not queued: {exc}", "danger")
    else:
        flash(_sent_message("schedule", pitch, account), "success")
    return redirect(url_for("pitches.show", pitch_id=pitch.id))


@bp.post("/<int:pitch_id>/hold")
def hold(pitch_id: int):
    """Stop a queued pitch before it goes: it becomes a draft again."""
    pitch = owned_or_404(Pitch, pitch_id)
    session = get_session()
    with transaction(session):
        unschedule(session, pitch)
    flash("Held: the pitch is a draft again, and will not go out.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("pitches.show", pitch_id=pitch.id)))


@bp.post("/<int:pitch_id>/status")
def set_status(pitch_id: int):
    """Move a pitch on the board (a drag, with JavaScript) or from its page."""
    return _moved(owned_or_404(Pitch, pitch_id), request.form.get("status", ""))


@bp.post("/board/move")
def move_on_board():
    """The board's one form, without JavaScript: the card's Move button names the pitch,
    its menu (`status-<id>`) the column it goes to."""
    pitch_id = id_from(request.form.get("move"))
    if pitch_id is None:
        abort(400)
    return _moved(owned_or_404(Pitch, pitch_id), request.form.get(f"status-{pitch_id}", ""))


def _moved(pitch: Pitch, status: str):
    if status not in MANUAL_STATUSES:
        abort(400)
    session = get_session()
    with transaction(session):
        services.change_status(session, current_account(), pitch, PitchStatus(status))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(id=pitch.id, status=pitch.status.value)
    flash(f"{pitch.contact.display_name}: {pitch.status.label}.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("pitches.show", pitch_id=pitch.id)))


@bp.post("/<int:pitch_id>/reply")
def log_reply(pitch_id: int):
    """“They replied”: one click, an optional note; the open follow-ups stop."""
    pitch = owned_or_404(Pitch, pitch_id)
    form = ReplyForm()
    if not form.validate():
        abort(400)
    outcome = (
        form.outcome.data if form.outcome.data in PitchStatus._value2member_map_ else "replied"
    )
    session = get_session()
    try:
        with transaction(session):
            services.change_status(
                session, current_account(), pitch, PitchStatus(outcome), note=form.note.data or ""
            )
    except NoteError as exc:
        flash(f"The reply was not logged: {exc}", "danger")
        return redirect(
            safe_next(request.form.get("next"), url_for("pitches.show", pitch_id=pitch.id))
        )
    flash(
        f"Logged the reply from {pitch.contact.display_name}; its follow-ups are cancelled.",
        "success",
    )
    return redirect(safe_next(request.form.get("next"), url_for("pitches.show", pitch_id=pitch.id)))


@bp.route("/bulk", methods=["GET", "POST"])
def bulk():
    """Pitch many contacts at once: review every email with its To: address, edit any one,
    see who is skipped and why, then send them all from the mailbox (at its pace) or mark
    them as sent."""
    session, account = get_session(), current_account()
    ids = [i for i in map(id_from, request.values.getlist("contact_id")) if i][:1000]
    contacts = (
        session.scalars(
            select(Contact)
            .where(owned_among(Contact, account, ids))
            .order_by(Contact.sort_name)
            .options(selectinload(Contact.company))
        ).all()
        if ids
        else []
    )
    release = template_services.owned_or_none(
        session, account, Release, request.values.get("release_id")
    )
    template = template_services.owned_or_none(
        session, account, EmailTemplate, request.values.get("template_id")
    )
    mailbox = mailbox_for_account(session, account)
    by_mailbox = mailbox is not None and request.values.get("action", "mailbox") == "mailbox"
    pitch_again = request.values.get("pitch_again") == "1"
    skipped = services.skip_reasons(
        session, account, list(contacts), release, by_mailbox=by_mailbox, pitch_again=pitch_again
    )
    previews = []
    if template is not None:
        for contact in contacts:
            try:
                rendered = template_services.render_for(
                    session, account, current_user, template, contact, release
                )
                edited = (
                    request.form.get(f"subject-{contact.id}", rendered.subject),
                    request.form.get(f"body-{contact.id}", rendered.body),
                )
                previews.append((contact, edited))
            except TemplateError as exc:
                previews.append((contact, str(exc)))
    if request.method == "POST":
        form = EmptyForm()  # the CSRF check; the choices come from the query above
        if not form.validate() or template is None or not contacts:
            flash("Choose contacts, a release and a template first.", "danger")
        else:
            edits = {c.id: email for c, email in previews if not isinstance(email, str)}
            try:
                with transaction(session):
                    result = services.bulk_pitch(
                        session, account, current_user, list(contacts), release=release,
                        template=template, skip=skipped, edits=edits,
                        status=PitchStatus.DRAFT if by_mailbox else PitchStatus.SENT,
                    )  # fmt: skip
                    for pitch in result.created if by_mailbox else []:
                        schedule_send(session, account, pitch)
            except services.PitchRefused as exc:
                flash(f"Nothing was pitched: {exc}", "danger")
            else:
                flash(_bulk_message(result, by_mailbox, account), "success")
                return redirect(url_for("pitches.index", release_id=release.id if release else ""))
    return render_template(
        "pitches/bulk.html",
        contacts=contacts,
        release=release,
        template=template,
        previews=previews,
        skipped=skipped,
        going=len(contacts) - len(skipped),
        mailbox=mailbox,
        by_mailbox=by_mailbox,
        pitch_again=pitch_again,
        form=EmptyForm(),
        releases=session.scalars(owned(Release, account).order_by(Release.title)).all(),
        templates=template_services.list_templates(session, account),
    )


def _bulk_message(result: services.BulkResult, by_mailbox: bool, account) -> str:
    if by_mailbox and result.created:
        last = max(p.send_at for p in result.created if p.send_at)
        message = (
            f"Queued {len(result.created)} emails: they go out from your mailbox one at a time,"
            f" the last {format_local(last, account.timezone, '%a %d %b, %H:%M')}."
        )
    else:
        message = f"Pitched {len(result.created)} contacts; follow-ups scheduled."
    if result.refused:
        message += f" Skipped {len(result.refused)}: " + "; ".join(
            f"{c.display_name} ({why})" for c, why in result.refused[:10]
        )
    return message


@bp.get("/board")
def board():
    session, account = get_session(), current_account()
    release_id = request.args.get("release_id", "")
    pipeline = services.board(session, account, id_from(release_id))
    return render_template(
        "pitches/board.html",
        board=pipeline,
        menus=_status_menus(),
        limit=services.BOARD_LIMIT,
        release_id=release_id,
        releases=session.scalars(owned(Release, account).order_by(Release.title)).all(),
    )


@functools.cache
def _status_menus() -> dict[PitchStatus, Markup]:
    """The options of a card's status menu, for a card in each column: the same for every
    card of a column, so rendered once rather than once per card."""
    option = Markup('<option value="{}"{}>{}</option>')
    return {
        status: Markup("").join(
            option.format(s.value, Markup(" selected") if s == status else "", s.label)
            for s in MANUAL_STATUSES
        )
        for status in PitchStatus
    }


# --- follow-ups -------------------------------------------------------------------------
