"""The mailbox page: connect (with presets for the common providers), see its state, send
yourself a test email, disconnect."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from crm.db import get_session, transaction, utcnow
from crm.forms import EmptyForm
from crm.mailbox import compose, services
from crm.mailbox.connect import said, server, smtp_session
from crm.mailbox.forms import PRESETS, MailboxForm
from crm.mailbox.secrets import SecretError

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")


@bp.before_request
@login_required
def _require_login() -> None:
    """A mailbox is private."""


def _form_for(mailbox) -> MailboxForm:
    if request.method == "POST" or mailbox is None:
        return MailboxForm()
    window = mailbox.send_window or {}
    return MailboxForm(
        data={
            "display_name": mailbox.display_name, "email": mailbox.email,
            "username": mailbox.username, "smtp_host": mailbox.smtp_host,
            "smtp_port": mailbox.smtp_port, "smtp_security": mailbox.smtp_security.value,
            "imap_host": mailbox.imap_host, "imap_port": mailbox.imap_port,
            "imap_security": mailbox.imap_security.value, "daily_limit": mailbox.daily_limit,
            "min_gap_seconds": mailbox.min_gap_seconds,
            "capture_sent": mailbox.capture_sent,
            "days": [str(d) for d in window.get("days", [])],
            "start": window.get("start", "09:00"), "end": window.get("end", "18:00"),
        }
    )  # fmt: skip


@bp.route("/", methods=["GET", "POST"])
def settings():
    session, user = get_session(), current_user._get_current_object()
    mailbox = services.mailbox_of(session, user)
    form = _form_for(mailbox)
    if request.method == "GET" and mailbox is None:
        form.display_name.data = user.name
        form.email.data = user.email
    if form.validate_on_submit():
        try:
            with transaction(session):
                saved, cleaned = services.connect_mailbox(
                    session, user, form.raw(), form.password.data or "",
                    current_app.config["MAILBOX_KEY"],
                )  # fmt: skip
        except SecretError as exc:
            form.add_errors({"password": [str(exc)]})
        else:
            if saved is not None:
                flash(f"Connected {saved.email}: both servers accepted the login.", "success")
                return redirect(url_for("mailbox.settings"))
            errors = dict(cleaned.errors)
            # The servers' own refusals are shown above the form, in their words.
            form.form_errors.extend(errors.pop("smtp", []) + errors.pop("imap", []))
            if "send_window" in errors:
                errors["days"] = errors.pop("send_window")
            form.add_errors(errors)
    return render_template(
        "mailbox/settings.html", form=form, mailbox=mailbox, presets=PRESETS,
        described=services.describe(mailbox), action_form=EmptyForm(),
    ), 422 if form.errors or form.form_errors else 200  # fmt: skip


@bp.post("/test")
def test_email():
    session, user = get_session(), current_user._get_current_object()
    mailbox = services.mailbox_of(session, user)
    if mailbox is None or not mailbox.connected:
        flash("Connect your mailbox first.", "danger")
        return redirect(url_for("mailbox.settings"))
    now = utcnow()
    message = compose.build(
        mailbox, to_name=user.name, to_email=mailbox.email,
        subject="Stagedoor test email",
        body="This came from your own mailbox through Stagedoor: your pitches will go out"
        " the same way.", msgid=compose.message_id(mailbox), now=now,
    )  # fmt: skip
    try:
        password = services.password_of(mailbox, current_app.config["MAILBOX_KEY"])
        with smtp_session(server(services.servers_of(mailbox), "smtp"), mailbox.username,
                          password) as smtp:  # fmt: skip
            smtp.send_message(message)
    except SecretError as exc:
        flash(str(exc), "danger")
    except Exception as exc:  # noqa: BLE001 - the server's words are what the artist needs
        flash(f"The test email was not sent. The SMTP server said: {said(exc)}", "danger")
    else:
        flash(f"Sent a test email to {mailbox.email}. Check your inbox.", "success")
    return redirect(url_for("mailbox.settings"))


@bp.post("/disconnect")
def disconnect():
    session, user = get_session(), current_user._get_current_object()
    mailbox = services.mailbox_of(session, user)
    connected = mailbox is not None and mailbox.connected
    with transaction(session):
        services.disconnect_mailbox(session, user)
    if connected:
        flash("Mailbox disconnected; its password is deleted. Scheduled pitches wait.", "success")
    else:
        flash("The mailbox settings are deleted.", "success")
    return redirect(url_for("mailbox.settings"))
