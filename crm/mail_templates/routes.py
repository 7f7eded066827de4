"""Template library pages: list, edit with a live preview, duplicate, archive, send by hand."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from crm.accounts.current import current_account, owned_or_404
from crm.contacts.services import lookup_contacts
from crm.db import get_session, transaction
from crm.mail_templates import rendering, services
from crm.mail_templates.forms import TemplateForm
from crm.models import Contact, EmailTemplate, Release, TemplatePurpose
from crm.scope import owned

bp = Blueprint("mail_templates", __name__, url_prefix="/templates")


@bp.before_request
@login_required
def _require_login() -> None:
    """Templates are private."""


def highlight(text: str) -> Markup:
    """Rendered text for a page: escaped, with values that fell back to a default marked."""
    html = str(escape(text))
    html = html.replace(rendering.FALLBACK_START, '<mark class="fallback" title="fallback">')
    return Markup(html.replace(rendering.FALLBACK_END, "</mark>"))


def _picker(contact, *, in_form: bool) -> dict:
    """What the preview's pickers show: the releases, and, where the page has no script and
    a contact was searched for ("Find"), the contacts found."""
    session, account = get_session(), current_account()
    releases = session.scalars(owned(Release, account).order_by(Release.created_at.desc())).all()
    q = request.args.get("contact_q", "").strip()[:200]
    results = None
    if in_form and contact is None and q:
        results = lookup_contacts(session, account, q)
    return {
        "releases": releases,
        "contact_q": q,
        "contact_results": results,
        "picker_in_form": in_form,
    }


def _picked():
    session, account = get_session(), current_account()
    args = request.values
    contact = services.owned_or_none(session, account, Contact, args.get("contact_id"))
    release = services.owned_or_none(session, account, Release, args.get("release_id"))
    return contact, release


@bp.get("/")
def index():
    session, account = get_session(), current_account()
    archived = request.args.get("archived") == "1"
    purpose = request.args.get("purpose", "")
    templates = services.list_templates(
        session,
        account,
        archived=archived,
        purpose=TemplatePurpose(purpose) if purpose in TemplatePurpose._value2member_map_ else None,
    )
    return render_template(
        "mail_templates/index.html",
        templates=templates,
        archived=archived,
        purpose=purpose,
        purposes=list(TemplatePurpose),
        stats=services.template_stats(session, account),
    )


def _editor(form: TemplateForm, template: EmailTemplate | None, status: int = 200):
    return render_template(
        "mail_templates/form.html",
        form=form,
        template=template,
        **_picker(None, in_form=False),
        fields=rendering.FIELDS,
        field_labels=rendering.FIELD_LABELS,
        field_fallbacks=rendering.FIELD_FALLBACKS,
    ), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = TemplateForm()
    if form.validate_on_submit():
        session = get_session()
        with transaction(session):
            template = services.create_template(session, current_account(), form.cleaned)
        flash(f"Saved the template “{template.name}”.", "success")
        return redirect(url_for("mail_templates.show", template_id=template.id))
    return _editor(form, None, 422 if form.errors else 200)


@bp.route("/<int:template_id>/edit", methods=["GET", "POST"])
def edit(template_id: int):
    template = owned_or_404(EmailTemplate, template_id)
    form = TemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "GET":
        form.purpose.data = template.purpose.value
    if form.validate_on_submit():
        session = get_session()
        with transaction(session):
            services.update_template(session, template, form.cleaned)
        flash(f"Saved the template “{template.name}”.", "success")
        return redirect(url_for("mail_templates.show", template_id=template.id))
    return _editor(form, template, 422 if form.errors else 200)


@bp.post("/preview")
def preview():
    """The live preview of the editor: subject and body rendered for the chosen contact."""
    contact, release = _picked()
    context = services.merge_context(current_account(), current_user, contact, release)
    subject, body = request.form.get("subject", ""), request.form.get("body", "")
    errors = {}
    for name, source, limit in (
        ("subject", subject, rendering.MAX_SUBJECT),
        ("body", body, rendering.MAX_BODY),
    ):
        problems = rendering.check(source, limit=limit, label=name.title())
        if problems:
            errors[name] = [str(p) for p in problems]
    if errors:
        return jsonify(errors=errors, subject="", body="")
    rendered = services.render_email(subject, body, context, marked=True)
    return jsonify(
        errors={}, subject=str(highlight(rendered.subject)), body=str(highlight(rendered.body))
    )


@bp.get("/<int:template_id>")
def show(template_id: int):
    """A template rendered for one contact, ready to copy or open in a mail app."""
    template = owned_or_404(EmailTemplate, template_id)
    contact, release = _picked()
    context = services.merge_context(current_account(), current_user, contact, release)
    marked = services.render_email(template.subject, template.body, context, marked=True)
    plain = services.render_email(template.subject, template.body, context)
    mailto = None
    if contact is not None and contact.email:
        mailto = (
            f"mailto:{quote(contact.email)}?subject={quote(plain.subject)}&body={quote(plain.body)}"
        )
    return render_template(
        "mail_templates/show.html",
        template=template,
        contact=contact,
        release=release,
        subject=highlight(marked.subject),
        body=highlight(marked.body),
        plain=plain,
        mailto=mailto,
        **_picker(contact, in_form=True),
        stats=services.template_stats(get_session(), current_account()).get(template.id),
    )


@bp.post("/<int:template_id>/duplicate")
def duplicate(template_id: int):
    template = owned_or_404(EmailTemplate, template_id)
    session = get_session()
    with transaction(session):
        copy = services.duplicate_template(session, current_account(), template)
    flash(f"Made a copy: “{copy.name}”.", "success")
    return redirect(url_for("mail_templates.edit", template_id=copy.id))


@bp.post("/<int:template_id>/archive")
def archive(template_id: int):
    template = owned_or_404(EmailTemplate, template_id)
    archived = request.form.get("archived", "1") == "1"
    session = get_session()
    with transaction(session):
        services.set_archived(session, template, archived)
    flash(f"{'Archived' if archived else 'Restored'} “{template.name}”.", "success")
    return redirect(url_for("mail_templates.index"))


@bp.post("/<int:template_id>/delete")
def delete(template_id: int):
    template = owned_or_404(EmailTemplate, template_id)
    name = template.name
    session = get_session()
    with transaction(session):
        session.delete(template)
    flash(f"Deleted “{name}”. Pitches sent with it keep their emails.", "success")
    return redirect(url_for("mail_templates.index"))


@bp.app_template_filter("percent")
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
