"""Login sessions that end: started at login, found on every request, ended by logout,
by "log out everywhere", by revoking one from the settings page, and all at once by a
password change. API tokens are separate (crm.accounts.tokens) and are not ended by these."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from crm.db import rows_changed, touch, utcnow
from crm.models import LoginSession, User

# A browser session lasts while it is used (idle for a day at most); "remember me", a month.
IDLE = dt.timedelta(days=1)
REMEMBERED = dt.timedelta(days=30)
# last_seen_at is written at most this often: not a write on every page view.
TOUCH_EVERY = dt.timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session,
    user: User,
    *,
    remember: bool = False,
    user_agent: str = "",
    ip_address: str = "",
    now: dt.datetime | None = None,
) -> str:
    """A new login of `user`; returns the token for the cookie (only its hash is kept)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_hash(token),
            remember=remember,
            user_agent=user_agent[:300],
            ip_address=ip_address[:64],
            created_at=now,
            last_seen_at=now,
            expires_at=now + (REMEMBERED if remember else IDLE),
        )
    )
    user.login_token = token
    session.flush()
    return token


def find_user(session: Session, token: str, now: dt.datetime | None = None) -> User | None:
    """The user of a live session, or None (unknown, ended or expired)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    # One query for what every page needs: the login, its user and the user's account.
    login = session.scalar(
        select(LoginSession)
        .where(LoginSession.token_hash == _hash(token), LoginSession.expires_at > now)
        .options(
            joinedload(LoginSession.user, innerjoin=True).joinedload(User.account, innerjoin=True)
        )
    )
    if login is None:
        return None
    if now - login.last_seen_at >= TOUCH_EVERY:
        values = {"last_seen_at": now} | ({} if login.remember else {"expires_at": now + IDLE})
        touch(session, update(LoginSession).where(LoginSession.id == login.id).values(values))
    user = login.user
    user.login_token = token
    return user


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def end_sessions(session: Session, user: User, *, keep: str | None = None) -> int:
    """End every login of `user` (but `keep`'s, when given); returns how many ended."""
    condition = LoginSession.user_id == user.id
    if keep:
        condition = condition & (LoginSession.token_hash != _hash(keep))
    return rows_changed(session.execute(delete(LoginSession).where(condition)))


def revoke_session(session: Session, user: User, session_id: int) -> bool:
    result = session.execute(
        delete(LoginSession).where(LoginSession.id == session_id, LoginSession.user_id == user.id)
    )
    return bool(rows_changed(result))


def active_sessions(session: Session, user: User, now: dt.datetime | None = None):
    """The user's live logins, most recently used first, each with whether it is `current`."""
    rows = session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.expires_at > (now or utcnow()))
        .order_by(LoginSession.last_seen_at.desc())
    ).all()
    current = _hash(user.login_token) if user.login_token else None
    return [(row, row.token_hash == current) for row in rows]


def prune_expired(session: Session, now: dt.datetime | None = None) -> int:
    """Forget expired sessions (the worker runs this daily)."""
    expired = LoginSession.expires_at <= (now or utcnow())
    return rows_changed(session.execute(delete(LoginSession).where(expired)))
