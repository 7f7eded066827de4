"""Sign up, log in and out, account settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from crm.accounts import services, tokens
from crm.accounts import sessions as login_sessions
from crm.accounts.forms import (
    EraseAccountForm,
    LoginForm,
    PasswordForm,
    SettingsForm,
    SignupForm,
    TokenForm,
)
from crm.db import get_session, transaction
from crm.extensions import limiter, login_manager
from crm.forms import EmptyForm
from crm.models import User
from crm.security import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The cookie (session or remember-me) names a login session; it must still be live."""
    return login_sessions.find_user(get_session(), token)


def log_in(user: User, *, remember: bool = False) -> None:
    """Start a login session for this browser and give it the cookies."""
    session = get_session()
    with transaction(session):
        login_sessions.start_session(
            session,
            user,
            remember=remember,
            user_agent=request.user_agent.string,
            ip_address=request.remote_addr or "",
        )
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignupForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            with transaction(session):
                user = services.create_user(
                    session,
                    email=form.email.data,
                    password=form.password.data,
                    name=form.name.data,
                    artist_name=form.artist_name.data,
                    timezone=form.timezone.data,
                )
        except services.AccountError as exc:
            form.add_errors({exc.field: [str(exc)]})
        else:
            log_in(user)
            flash("Welcome to Stagedoor! Your first steps are below.", "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        with transaction(session):
            user = services.authenticate(session, form.email.data, form.password.data)
        if user is not None:
            log_in(user, remember=form.remember.data)
            flash(f"Welcome back, {user.name or user.email}.", "success")
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
        form.add_errors({"password": ["Wrong email or password."]})
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        session = get_session()
        with transaction(session):
            login_sessions.end_session(session, current_user.login_token)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    user = current_user._get_current_object()
    session = get_session()
    with transaction(session):
        ended = login_sessions.end_sessions(session, user, keep=user.login_token)
    flash(f"Logged out {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("accounts.settings") + "#sessions")


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end_one_session(session_id: int):
    session = get_session()
    with transaction(session):
        found = login_sessions.revoke_session(
            session, current_user._get_current_object(), session_id
        )
    if not found:
        abort(404)
    flash("That session is logged out.", "success")
    return redirect(url_for("accounts.settings") + "#sessions")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    form = SettingsForm(
        data={
            "name": user.name,
            "artist_name": user.account.artist_name,
            "timezone": user.account.timezone,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        session = get_session()
        try:
            with transaction(session):
                services.update_settings(
                    session,
                    user,
                    name=form.name.data,
                    artist_name=form.artist_name.data,
                    timezone=form.timezone.data,
                )
        except services.AccountError as exc:
            form.add_errors({exc.field: [str(exc)]})
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("accounts.settings"))
    status = 422 if form.errors else 200
    sessions = login_sessions.active_sessions(get_session(), user)
    return render_template(
        "accounts/settings.html", form=form, sessions=sessions, action_form=EmptyForm()
    ), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            with transaction(session):
                services.change_password(
                    session, user, form.current_password.data, form.new_password.data
                )
        except services.AccountError as exc:
            form.add_errors({exc.field: [str(exc)]})
        else:
            log_in(user)  # every login of this user ended with the change; this one starts anew
            flash("Password changed. Other devices have been logged out.", "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def erase():
    """Delete the account and everything in it, after the password and a typed email."""
    user = current_user._get_current_object()
    form = EraseAccountForm()
    if form.validate_on_submit():
        session = get_session()
        email = user.email
        try:
            with transaction(session):
                services.erase_account(
                    session, user, password=form.password.data, confirmation=form.confirmation.data
                )
        except services.AccountError as exc:
            form.add_errors({exc.field: [str(exc)]})
        else:
            logout_user()
            flash(f"The account of {email} and everything in it have been deleted.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/erase.html", form=form), 422 if form.errors else 200


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """Personal API tokens: make one (shown once), see when each was last used, revoke."""
    user = current_user._get_current_object()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        session = get_session()
        with transaction(session):
            _token, new_token = tokens.create_token(session, user, form.name.data)
        form = TokenForm(formdata=None)
    status = 422 if form.errors else 200
    return render_template(
        "accounts/tokens.html", form=form, new_token=new_token, tokens=user.api_tokens
    ), status


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    session = get_session()
    with transaction(session):
        token = tokens.revoke_token(session, current_user._get_current_object(), token_id)
    if token is None:
        abort(404)
    flash(f"Revoked the token “{token.name}”. Scripts using it will get 401.", "success")
    return redirect(url_for("accounts.api_tokens"))
