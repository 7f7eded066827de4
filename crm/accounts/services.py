"""Accounts and users: creating them, checking passwords, changing settings."""

from __future__ import annotations

import zoneinfo
from functools import cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.accounts.sessions import end_sessions
from crm.db import utcnow
from crm.mail_templates.services import install_starter_templates
from crm.models import Account, User
from crm.models import accounts as account_models

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A sign-up or settings change that cannot be made, with the field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@cache
def timezones() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def clean_timezone(name: str) -> str:
    name = (name or "").strip() or "UTC"
    if name not in timezones() and name != "UTC":
        raise AccountError("timezone", f"Unknown time zone “{name}”. Pick one like Europe/London.")
    return name


def clean_login_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError("email", str(exc)) from None


def password_problems(password: str, email: str = "") -> list[str]:
    """Why a password is too weak, if it is; one rule for sign-up, change and the CLI."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if password.isdigit():
        problems.append("Use more than digits.")
    if email and password.lower() == email.lower():
        problems.append("Do not use your email address as your password.")
    if len(password) > 200:
        problems.append("Use at most 200 characters.")
    return problems


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    name: str = "",
    artist_name: str = "",
    timezone: str = "UTC",
) -> User:
    """A new account with its first user."""
    email = clean_login_email(email)
    problems = password_problems(password, email)
    if problems:
        raise AccountError("password", " ".join(problems))
    timezone = clean_timezone(timezone)
    if find_user(session, email) is not None:
        raise AccountError("email", "An account with this email already exists. Log in instead?")
    account = Account(artist_name=artist_name.strip() or name.strip(), timezone=timezone)
    user = User(account=account, email=email, name=name.strip())
    user.set_password(password)
    session.add_all([account, user])
    session.flush()
    install_starter_templates(session, account)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None:
        # Checked against a stand-in, so that a login for an address nobody has takes as
        # long as a wrong password: its time must not tell who has an account here.
        check_password_hash(_stand_in_hash(account_models.PASSWORD_METHOD), password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


@cache
def _stand_in_hash(method: str) -> str:
    return generate_password_hash("nobody's password", method=method)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("current_password", "That is not your current password.")
    problems = password_problems(new, user.email)
    if problems:
        raise AccountError("new_password", " ".join(problems))
    user.set_password(new)
    end_sessions(session, user)  # every login, remember-me cookies included
    session.flush()


def erase_account(session: Session, user: User, *, password: str, confirmation: str) -> None:
    """Delete the user's whole account: every row it owns goes with it (each table's
    foreign key cascades from the account, uploads waiting for import included), its
    team's users too. Asks for the password again and the account's email typed out."""
    if not user.check_password(password):
        raise AccountError("password", "That is not your password.")
    if confirmation.strip().lower() != user.email.lower():
        raise AccountError("confirmation", f"Type {user.email} to confirm.")
    account_id = user.account_id
    session.execute(delete(Account).where(Account.id == account_id))
    session.expunge_all()


def update_settings(
    session: Session, user: User, *, name: str, artist_name: str, timezone: str
) -> None:
    user.name = name.strip()
    user.account.artist_name = artist_name.strip()
    user.account.timezone = clean_timezone(timezone)
    session.flush()
