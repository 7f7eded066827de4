"""Login sessions kept on the server: the browser's cookie holds only a random token (in
Flask's signed cookie, and in the remember-me cookie), and only its SHA-256 is stored
here, so logging out, "log out everywhere" and a password change really end a login."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import UTC, Base, created_at, intpk
from crm.models.accounts import User


class LoginSession(Base):
    __tablename__ = "login_sessions"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[created_at]
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTC)
    expires_at: Mapped[dt.datetime] = mapped_column(UTC, index=True)

    user: Mapped[User] = relationship()
