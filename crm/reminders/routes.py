"""Reminder settings, the unsubscribe link (no login needed) and the calendar feed."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from crm.accounts.current import current_account
from crm.accounts.services import AccountError, clean_timezone, timezones
from crm.db import get_session, transaction, utcnow
from crm.extensions import csrf
from crm.forms import BaseForm
from crm.mail_templates.services import list_templates
from crm.models import Account, FollowUp, FollowUpState, Pitch, TemplatePurpose
from crm.pitches.services import cadence_steps
from crm.reminders.passes import account_from_token
from crm.scope import owned_by

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


class ReminderSettingsForm(BaseForm):
    reminders_enabled = BooleanField("Email me when a follow-up is due")
    digest_enabled = BooleanField("Also send a daily digest of what is due and overdue")
    digest_hour = SelectField(
        "Digest time",
        choices=[SelectChoice(str(h), f"{h:02d}:00") for h in range(24)],
        validate_choice=False,
    )
    timezone = SelectField("Time zone", validate_choice=False)
    cadence = SelectField(
        "Default follow-up cadence",
        choices=[
            SelectChoice("7,14", "7 and 14 days after sending"),
            SelectChoice("5,12", "5 and 12 days"),
            SelectChoice("3,7,14", "3, 7 and 14 days"),
            SelectChoice("7", "7 days only"),
            SelectChoice("14,30", "14 and 30 days"),
        ],
        validate_choice=False,
    )
    # Each follow-up of the cadence: a reminder to the artist, or an email that goes out by
    # itself from their mailbox, as a reply in the pitch's thread.
    step_1 = SelectField("First follow-up", validate_choice=False)
    step_2 = SelectField("Second follow-up", validate_choice=False)
    step_3 = SelectField("Third follow-up", validate_choice=False)


STEPS = ("step_1", "step_2", "step_3")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    account = current_account()
    form = ReminderSettingsForm(
        data={
            "reminders_enabled": account.reminders_enabled,
            "digest_enabled": account.digest_enabled,
            "digest_hour": str(account.digest_hour),
            "timezone": account.timezone,
            "cadence": ",".join(str(d) for d in account.cadence_days),
        }
        | {
            name: (
                f"email:{step.get('template_id') or ''}"
                if step.get("kind") == "email"
                else "reminder"
            )
            for name, step in zip(STEPS, account.cadence_steps or [], strict=False)
        }  # fmt: skip
        if request.method == "GET"
        else None
    )
    form.timezone.choices = [SelectChoice(z, z.replace("_", " ")) for z in ["UTC", *timezones()]]
    step_choices = [SelectChoice("reminder", "Remind me to follow up")] + [
        SelectChoice(f"email:{t.id}", f"Send “{t.name}” from my mailbox")
        for t in list_templates(get_session(), account, purpose=TemplatePurpose.FOLLOW_UP)
    ]
    for name in STEPS:
        getattr(form, name).choices = step_choices
    if form.validate_on_submit():
        session = get_session()
        try:
            with transaction(session):
                account.timezone = clean_timezone(form.timezone.data)
                account.reminders_enabled = form.reminders_enabled.data
                account.digest_enabled = form.digest_enabled.data
                hour = form.digest_hour.data or "8"
                account.digest_hour = int(hour) if hour.isdigit() and int(hour) < 24 else 8
                days = [int(d) for d in (form.cadence.data or "7,14").split(",") if d.isdigit()]
                account.cadence_days = days or [7, 14]
                account.cadence_steps = cadence_steps(
                    session, account, [getattr(form, name).data or "" for name in STEPS]
                )
                account.reminders_set_at = account.reminders_set_at or utcnow()
        except AccountError as exc:
            form.add_errors({exc.field: [str(exc)]})
        else:
            flash("Reminder settings saved.", "success")
            return redirect(url_for("reminders.settings"))
    feed = (
        url_for("reminders.calendar", token=account.calendar_token, _external=True)
        if account.calendar_token
        else None
    )
    return render_template("reminders/settings.html", form=form, feed=feed), (
        422 if form.errors else 200
    )


@bp.post("/calendar")
@login_required
def calendar_feed_toggle():
    """Turn the private calendar feed on (a new secret URL) or off."""
    account = current_account()
    session = get_session()
    with transaction(session):
        account.calendar_token = (
            "" if request.form.get("action") == "off" else secrets.token_urlsafe(24)
        )
    flash(
        "Calendar feed turned off."
        if not account.calendar_token
        else "Calendar feed ready: the old link, if any, no longer works.",
        "success",
    )
    return redirect(url_for("reminders.settings"))


@bp.get("/calendar/<token>.ics")
def calendar(token: str):
    """Open follow-ups as an iCalendar feed, for calendar apps (the secret URL is the key)."""
    if len(token) < 20:
        abort(404)
    session = get_session()
    account = session.scalar(select(Account).where(Account.calendar_token == token))
    if account is None:
        abort(404)
    cal = Calendar()
    cal.add("prodid", "-//Stagedoor//follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Stagedoor follow-ups")
    base = current_app.config["CRM_BASE_URL"]
    follow_ups = session.scalars(
        select(FollowUp)
        .where(owned_by(FollowUp, account), FollowUp.state == FollowUpState.OPEN)
        .options(
            selectinload(FollowUp.pitch).selectinload(Pitch.contact),
            selectinload(FollowUp.pitch).selectinload(Pitch.release),
        )
        .order_by(FollowUp.due_at)
        .limit(2000)
    ).all()
    zone = ZoneInfo(account.timezone)
    for f in follow_ups:
        event = Event()
        event.add("uid", f"follow-up-{f.id}@stagedoor")
        event.add("summary", f"Follow up with {f.pitch.contact.display_name}")
        event.add("dtstart", f.due_at.astimezone(zone).date())
        event.add("dtstamp", f.created_at)
        event.add(
            "description",
            (f.pitch.release.title if f.pitch.release else "General query")
            + f"\n{base}/follow-ups/{f.id}",
        )
        event.add("url", f"{base}/follow-ups/{f.id}")
        cal.add_component(event)
    return Response(
        cal.to_ical(), mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"}
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients post here (RFC 8058)
def unsubscribe(token: str):
    account_id = account_from_token(current_app.config["SECRET_KEY"], token)
    if account_id is None:
        abort(404)
    session = get_session()
    account = session.get(Account, account_id)
    if account is None:
        abort(404)
    if request.method == "POST":
        with transaction(session):
            account.reminders_enabled = False
            account.digest_enabled = False
        return render_template("reminders/unsubscribed.html", done=True)
    return render_template("reminders/unsubscribed.html", done=False, token=token)
