"""Personal API tokens: made, checked and revoked here, for the API and the settings page."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.db import touch, utcnow
from crm.models import ApiToken, User
from crm.scope import MAX_ID

TOKEN_PREFIX = "sd_"
# Writing last_used_at on every call would turn each read into a write; once a minute is
# plenty for "last used" in the settings page.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=" ".join(name.split())[:100] or "API token",
        token_hash=_digest(plain),
        prefix=plain[:10],
    )
    session.add(token)
    session.flush()
    return token, plain


def user_for_token(session: Session, plain: str) -> User | None:
    """The user an active token belongs to, or None for an unknown or revoked token."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or not token.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        touch(session, update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token.user


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    if not 0 < token_id <= MAX_ID:
        return None
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token
