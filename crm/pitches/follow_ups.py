"""One-click follow-up actions (done, skip, snooze) and a follow-up's own page, reached
from the dashboard and from the links in reminder emails."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from crm.accounts.current import current_account, owned_or_404
from crm.db import get_session, transaction
from crm.fields import FieldError, clean_date
from crm.mail_templates import services as template_services
from crm.models import FollowUp, FollowUpKind, FollowUpState
from crm.pitches import services
from crm.security import safe_next

bp = Blueprint("follow_ups", __name__, url_prefix="/follow-ups")


@bp.before_request
@login_required
def _require_login() -> None:
    """Follow-ups are private."""


@bp.post("/<int:follow_up_id>/<any(done, skip, snooze):action>")
def act(follow_up_id: int, action: str):
    follow_up = owned_or_404(FollowUp, follow_up_id)
    session, account = get_session(), current_account()
    what = f"Follow-up #{follow_up.sequence} with {follow_up.pitch.contact.display_name}"
    with transaction(session):
        if action == "done":
            services.complete_follow_up(session, follow_up, FollowUpState.DONE)
            message = f"{what} done."
        elif action == "skip":
            services.complete_follow_up(session, follow_up, FollowUpState.SKIPPED)
            message = f"{what} skipped."
        else:
            choice = request.form.get("snooze", "1")
            if choice == "next_week":
                services.snooze(session, account, follow_up, until=services.next_week(account))
            elif choice == "date":
                try:
                    day = clean_date(request.form.get("until", ""))
                except FieldError as exc:
                    day, problem = None, str(exc)
                else:
                    problem = "" if day else "Pick a date to snooze until."
                if problem:
                    flash(f"Not snoozed: {problem}", "danger")
                    return redirect(safe_next(request.form.get("next"), url_for("home.index")))
                services.snooze(session, account, follow_up, until=day)
            else:
                services.snooze(
                    session, account, follow_up, days=int(choice) if choice in ("1", "3") else 1
                )
            message = f"{what} snoozed."
    flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.post("/<int:follow_up_id>/hold")
def hold(follow_up_id: int):
    """Stop a follow-up email from going by itself: it becomes a reminder to the artist."""
    follow_up = owned_or_404(FollowUp, follow_up_id)
    session = get_session()
    with transaction(session):
        follow_up.kind = FollowUpKind.REMINDER
    flash(
        f"Held: follow-up #{follow_up.sequence} with {follow_up.pitch.contact.display_name} will"
        " not be emailed; you will be reminded instead.",
        "success",
    )
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.get("/<int:follow_up_id>")
def open_follow_up(follow_up_id: int):
    """Where a reminder email links: the follow-up with its email rendered, ready to send."""
    follow_up = owned_or_404(FollowUp, follow_up_id)
    session, account = get_session(), current_account()
    pitch = follow_up.pitch
    templates = [
        t
        for t in template_services.list_templates(session, account)
        if t.purpose.value == "follow_up"
    ]
    template = templates[min(follow_up.sequence, len(templates)) - 1] if templates else None
    rendered = None
    if template is not None:
        rendered = template_services.render_for(
            session, account, current_user, template, pitch.contact, pitch.release
        )
    return render_template(
        "pitches/follow_up.html",
        follow_up=follow_up,
        pitch=pitch,
        template=template,
        rendered=rendered,
    )
