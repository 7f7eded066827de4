"""Pages of the contact book. Thin: parse the request, call crm.contacts.services, render."""

from __future__ import annotations

from dataclasses import replace

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
from werkzeug.datastructures import MultiDict

from crm.accounts.current import current_account, owned_or_404
from crm.contacts import changes, saved_views, services
from crm.contacts.fields import clean_contact, clean_list, home_region
from crm.contacts.forms import CompanyForm, ContactForm, NoteForm
from crm.contacts.timeline import contact_timeline
from crm.db import get_session, transaction
from crm.fields import FieldError
from crm.imports.export import stream_export
from crm.models import Company, Contact, ContactChange, ContactNote, Role, SavedView, TagKind
from crm.pagination import clamp
from crm.scope import id_from, owned
from crm.security import safe_next
from crm.text import fold, like_pattern

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
companies_bp = Blueprint("companies", __name__, url_prefix="/companies")


@bp.before_request
@companies_bp.before_request
@login_required
def _require_login() -> None:
    """Every page of the contact book is private."""


@bp.app_context_processor
def _roles() -> dict:
    """The roles, for the quick add of every page."""
    return {"all_roles": list(Role)}


def _flag(args: MultiDict, name: str) -> bool:
    """A checkbox, or a flag in a link made from ContactFilters.active() ("True")."""
    return args.get(name, "").lower() in ("1", "on", "true")


def filters_from(args: MultiDict) -> services.ContactFilters:
    role = args.get("role", "")
    company_id = args.get("company_id", "")
    sort = args.get("sort", "name")
    return services.ContactFilters(
        q=args.get("q", "").strip()[:200],
        role=Role(role) if role in Role._value2member_map_ else None,
        tag=args.get("tag", "").strip(),
        genre=args.get("genre", "").strip(),
        country=args.get("country", "").strip(),
        company_id=id_from(company_id),
        never_contacted=_flag(args, "never_contacted"),
        without_role=role == "none" or _flag(args, "without_role"),
        role_guessed=_flag(args, "role_guessed"),
        sort=sort if sort in services.SORTS else "name",
    )


@bp.get("/")
def index():
    session, account = get_session(), current_account()
    filters = filters_from(request.args)
    number, per_page = clamp(request.args.get("page", 1), request.args.get("per_page", 50))
    before = request.args.get("before")
    results = services.browse_contacts(
        session, account, filters, cursor=before or request.args.get("after"),
        backwards=bool(before), number=number, per_page=per_page,
    )  # fmt: skip
    last_change = next(iter(changes.recent_changes(session, account, limit=1)), None)
    if last_change is not None and not changes.undoable_now(last_change):
        last_change = None
    return render_template(
        "contacts/index.html",
        last_change=last_change,
        views=saved_views.list_views(session, account),
        view_filters=saved_views.view_filters(filters),
        bulk_actions=BULK_ACTIONS,
        page=results,
        filters=filters,
        choices=services.filter_choices(session, account),
        roles=list(Role),
        sorts=services.SORTS,
    )


@bp.get("/lookup")
def lookup():
    """Contacts for a picker, as JSON: `q` is what was typed; `pitchable=1` leaves out
    those who asked not to be contacted."""
    found = services.lookup_contacts(
        get_session(),
        current_account(),
        request.args.get("q", "")[:200],
        pitchable=_flag(request.args, "pitchable"),
    )
    return jsonify(
        contacts=[
            {
                "id": c.id,
                "name": c.display_name,
                "email": c.email or "",
                "company": c.company.name if c.company else "",
                "city": c.city or "",
                "do_not_contact": c.do_not_contact,
            }
            for c in found
        ],
        limit=services.LOOKUP_LIMIT,
    )


@bp.post("/roles")
def set_roles():
    """One role for every contact of the filtered list (the list's filters come with the
    form), or the guessed roles in it confirmed as they are."""
    session, account = get_session(), current_account()
    filters = filters_from(request.form)
    choice = request.form.get("new_role", "")
    back = url_for("contacts.index", **filters.active())
    if choice != "confirm" and choice not in Role._value2member_map_:
        flash("Choose the role to give them, or confirm the guessed roles.", "danger")
        return redirect(back)
    with transaction(session):
        changed = services.set_roles(
            session, account, filters, None if choice == "confirm" else Role(choice)
        )
    what = "guessed roles confirmed" if choice == "confirm" else f"now {Role(choice).label}"
    flash(f"{changed:,} contact{'s' if changed != 1 else ''}: {what}.", "success")
    return redirect(back)


# A selection ticked by hand holds at most this many contacts; beyond, select all that
# match the filters (which has no limit).
MAX_TICKED = 5_000
MAX_PITCHED = 200  # the bulk pitch review shows every email: this many at a time
BULK_ACTIONS = {
    "pitch": "Pitch them",
    "set_role": "Set the role",
    "add_tag": "Add a tag",
    "remove_tag": "Remove a tag",
    "add_genre": "Add a genre",
    "remove_genre": "Remove a genre",
    "do_not_contact": "Mark “do not contact”",
    "may_contact": "Clear “do not contact”",
    "export": "Export as CSV",
    "delete": "Delete",
}


def selection_from(form: MultiDict) -> services.ContactFilters | None:
    """The contacts a bulk action is for: every contact matching the list's filters, or
    those of them ticked. None when nothing is selected."""
    filters = filters_from(form)
    if form.get("scope") == "matching":
        return filters
    ids = tuple(dict.fromkeys(i for i in map(id_from, form.getlist("contact_id")) if i))
    if not ids:
        return None
    return replace(filters, ids=ids[:MAX_TICKED])


@bp.post("/bulk")
def bulk():
    """One action for the selected contacts; every change but pitch and export is one
    entry of the journal of changes, with an undo."""
    session, account = get_session(), current_account()
    form = request.form
    action = form.get("quick_action") or form.get("bulk_action", "")
    selection = selection_from(form)
    back = url_for("contacts.index", **filters_from(form).active())
    if action not in BULK_ACTIONS:
        flash("Choose what to do with the selected contacts.", "danger")
        return redirect(back)
    if selection is None:
        flash("Tick the contacts to change first, or choose “all matching”.", "danger")
        return redirect(back)
    if action == "export":
        return Response(
            stream_export(current_app.extensions["crm.db"], account.id, selection),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="stagedoor-selection.csv"'},
        )
    if action == "pitch":
        ids = session.scalars(changes.selected_ids(account, selection).limit(MAX_PITCHED + 1)).all()
        if len(ids) > MAX_PITCHED:
            flash(f"Pitch at most {MAX_PITCHED} contacts at a time: narrow the list.", "danger")
            return redirect(back)
        return redirect(url_for("pitches.bulk", contact_id=list(ids)))
    try:
        with transaction(session):
            change, note = _change(session, account, action, selection, form)
    except (changes.ChangeRefused, FieldError) as exc:
        flash(str(exc), "danger")
        return redirect(back)
    people = f"{change.count:,} contact{'s' if change.count != 1 else ''}"
    flash(f"{change.summary}: {people}.{note}", "success")
    return redirect(back)


def _change(session, account, action: str, selection, form: MultiDict):
    """Make the change a bulk action asks for; returns it and a word on what was left."""
    user = current_user._get_current_object()
    if action == "set_role":
        choice = form.get("new_role", "")  # "role" is the list's filter
        if choice != "none" and choice not in Role._value2member_map_:
            raise changes.ChangeRefused("Choose the role to give them (or “No role”).")
        role = Role(choice) if choice != "none" else None
        return changes.set_role(session, account, user, selection, role), ""
    if action in ("add_tag", "remove_tag", "add_genre", "remove_genre"):
        kind = TagKind.GENRE if action.endswith("genre") else TagKind.TAG
        names = clean_list(form.get("label", ""))
        if len(names) != 1:
            word = "genre" if kind == TagKind.GENRE else "tag"
            raise changes.ChangeRefused(f"Type the one {word} to {action.split('_')[0]}.")
        change_label = changes.add_label if action.startswith("add") else changes.remove_label
        return change_label(session, account, user, selection, kind, names[0]), ""
    if action in ("do_not_contact", "may_contact"):
        value = action == "do_not_contact"
        return changes.set_do_not_contact(session, account, user, selection, value), ""
    change, kept = changes.delete_contacts(session, account, user, selection)
    note = (
        f" {kept:,} with pitches {'was' if kept == 1 else 'were'} kept: their history would"
        " go with them (delete those one by one)."
        if kept
        else ""
    )
    return change, note


@bp.post("/views")
def save_view():
    """Keep the list's current filters as a named view."""
    session, account = get_session(), current_account()
    filters = filters_from(request.form)
    try:
        with transaction(session):
            view = saved_views.save_view(session, account, request.form.get("name", ""), filters)
    except saved_views.ViewRefused as exc:
        flash(str(exc), "danger")
        return redirect(url_for("contacts.index", **saved_views.view_filters(filters)))
    flash(f"View “{view.name}” saved: it is above the list.", "success")
    return redirect(url_for("contacts.index", **view.filters))


@bp.post("/views/<int:view_id>/delete")
def delete_view(view_id: int):
    view = owned_or_404(SavedView, view_id)
    session = get_session()
    with transaction(session):
        session.delete(view)
    flash(f"View “{view.name}” deleted; no contact was changed.", "success")
    return redirect(url_for("contacts.index"))


@bp.get("/changes")
def change_log():
    """The journal of bulk changes, newest first, each with its undo."""
    session, account = get_session(), current_account()
    return render_template(
        "contacts/changes.html", changes=changes.recent_changes(session, account, limit=50)
    )


@bp.post("/changes/<int:change_id>/undo")
def undo_change(change_id: int):
    change = owned_or_404(ContactChange, change_id)
    session = get_session()
    try:
        with transaction(session):
            count = changes.undo_change(session, current_account(), change)
    except changes.ChangeRefused as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Undone: {change.summary.lower()}, for {count:,} contacts.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("contacts.change_log")))


@bp.get("/export.csv")
def export_csv():
    """The contact list as CSV: all contacts, or the filtered list when filters are given."""
    lines = stream_export(
        current_app.extensions["crm.db"], current_account().id, filters_from(request.args)
    )
    return Response(
        lines,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="stagedoor-contacts.csv"'},
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = ContactForm(home=home_region(current_account().timezone))
    if form.validate_on_submit():
        session, account = get_session(), current_account()
        try:
            with transaction(session):
                contact = services.create_contact(session, account, form.cleaned)
        except services.DuplicateEmail as exc:
            form.add_errors({"email": [str(exc)]})
            return render_template("contacts/form.html", form=form, duplicate=exc.existing), 422
        flash(f"Added {contact.display_name}.", "success")
        # From the quick add on any page: back to that page.
        return redirect(
            safe_next(request.form.get("next"), url_for("contacts.show", contact_id=contact.id))
        )
    status = 422 if form.errors else 200
    return render_template("contacts/form.html", form=form, contact=None), status


@bp.get("/<int:contact_id>")
def show(contact_id: int):
    return _show(owned_or_404(Contact, contact_id), NoteForm())


def _show(contact: Contact, note_form: NoteForm, status: int = 200):
    timeline = contact_timeline(get_session(), current_account(), contact)
    page = render_template(
        "contacts/show.html", contact=contact, timeline=timeline, note_form=note_form
    )
    return page, status


@bp.post("/<int:contact_id>/notes")
def add_note(contact_id: int):
    contact = owned_or_404(Contact, contact_id)
    form = NoteForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            with transaction(session):
                services.add_note(
                    session, current_account(), contact, form.body.data, author=current_user
                )
        except services.NoteError as exc:
            form.add_errors({"body": [str(exc)]})
        else:
            flash("Note added to the timeline.", "success")
            return redirect(url_for("contacts.show", contact_id=contact.id) + "#timeline")
    return _show(contact, form, 422)


@bp.post("/notes/<int:note_id>/delete")
def delete_note(note_id: int):
    note = owned_or_404(ContactNote, note_id)
    contact_id, session = note.contact_id, get_session()
    with transaction(session):
        session.delete(note)
    flash("Note deleted.", "success")
    return redirect(url_for("contacts.show", contact_id=contact_id) + "#timeline")


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
def edit(contact_id: int):
    contact = owned_or_404(Contact, contact_id)
    values = ContactForm.data_from(services.contact_values(contact))
    form = ContactForm(
        data=values if request.method == "GET" else None,
        home=home_region(current_account().timezone),
    )
    if form.validate_on_submit():
        session, account = get_session(), current_account()
        try:
            with transaction(session):
                services.update_contact(session, account, contact, form.cleaned)
        except services.DuplicateEmail as exc:
            form.add_errors({"email": [str(exc)]})
            return render_template(
                "contacts/form.html", form=form, contact=contact, duplicate=exc.existing
            ), 422
        flash(f"Saved {contact.display_name}.", "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    status = 422 if form.errors else 200
    return render_template("contacts/form.html", form=form, contact=contact), status


# What the list lets one change in place, without opening the contact.
INLINE_FIELDS = ("role", "tags")


@bp.post("/<int:contact_id>/inline")
def inline_edit(contact_id: int):
    """Change a contact's role or tags from the list (JSON for the page's script)."""
    contact = owned_or_404(Contact, contact_id)
    raw = {name: request.form[name] for name in INLINE_FIELDS if name in request.form}
    cleaned = clean_contact(raw, partial=True)
    if not cleaned.ok:
        return jsonify(errors=cleaned.errors), 422
    session = get_session()
    with transaction(session):
        services.update_contact(session, current_account(), contact, cleaned.values)
    return jsonify(
        role=contact.role.value if contact.role else "",
        role_label=contact.role.label if contact.role else "",
        tags=contact.tags,
    )


@bp.post("/<int:contact_id>/delete")
def delete(contact_id: int):
    contact = owned_or_404(Contact, contact_id)
    name = contact.display_name
    session = get_session()
    with transaction(session):
        services.delete_contact(session, current_account(), contact)
    flash(f"Deleted {name}.", "success")
    return redirect(url_for("contacts.index"))


# --- companies ------------------------------------------------------------------------


@companies_bp.get("/")
def companies_index():
    q = request.args.get("q", "").strip()[:200]
    page, per_page = clamp(request.args.get("page", 1), request.args.get("per_page", 50))
    results = services.list_companies(get_session(), current_account(), q, page, per_page)
    return render_template("companies/index.html", page=results, q=q)


@companies_bp.get("/suggest")
def suggest():
    """Company names starting with what was typed, for the contact form's autocomplete."""
    q = fold(request.args.get("q", ""))[:100]
    stmt = owned(Company, current_account()).order_by(Company.key).limit(10)
    if q:
        stmt = stmt.where(Company.key.like(like_pattern(q)[1:], escape="\\"))
    names = get_session().scalars(stmt.with_only_columns(Company.name)).all()
    return jsonify(names)


@companies_bp.get("/<int:company_id>")
def company(company_id: int):
    company = owned_or_404(Company, company_id)
    people = (
        get_session()
        .scalars(
            owned(Contact, current_account())
            .where(Contact.company_id == company.id)
            .order_by(Contact.sort_name)
        )
        .all()
    )
    return render_template("companies/show.html", company=company, people=people)


@companies_bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
def edit_company(company_id: int):
    company = owned_or_404(Company, company_id)
    form = CompanyForm(obj=company if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = company.kind.value if company.kind else ""
    if form.validate_on_submit():
        session = get_session()
        try:
            with transaction(session):
                services.update_company(session, current_account(), company, **form.cleaned)
        except services.DuplicateCompany as exc:
            form.add_errors({"name": [str(exc)]})
        else:
            flash(f"Saved {company.name}.", "success")
            return redirect(url_for("companies.company", company_id=company.id))
    status = 422 if form.errors else 200
    return render_template("companies/form.html", form=form, company=company), status


@companies_bp.post("/<int:company_id>/delete")
def delete_company(company_id: int):
    company = owned_or_404(Company, company_id)
    name = company.name
    session = get_session()
    with transaction(session):
        services.delete_company(session, current_account(), company)
    flash(f"Deleted {name}. Its people are still in your contacts.", "success")
    return redirect(url_for("companies.companies_index"))
