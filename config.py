"""Settings for Stagedoor, read from the environment (and a `.env` file in the repo root).

Nothing is read at import time: `Config()` reads the environment when the app is built,
so tests can hand `create_app` their own `TestConfig` without patching `os.environ`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"

_TRUE = {"1", "true", "yes", "on"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _secret_key(instance: Path) -> str:
    """A key generated on first run and kept in instance/, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _mailbox_key(instance: Path) -> str:
    from crm.mailbox.secrets import key_from_instance

    return key_from_instance(instance)


class Config:
    """Production-ish defaults; every value can come from the environment."""

    TESTING = False

    def __init__(self, environ: Mapping[str, str] | None = None, instance: Path = INSTANCE):
        if environ is None:
            environ = {
                **{k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None},
                **os.environ,
            }
        env = environ.get
        self.INSTANCE_PATH = str(instance)
        self.DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{instance / 'crm.sqlite3'}"
        self.SECRET_KEY = env("SECRET_KEY") or _secret_key(instance)
        self.MAIL_SERVER = env("MAIL_SERVER", "localhost")
        self.MAIL_PORT = int(env("MAIL_PORT", "25"))
        self.MAIL_USE_TLS = _flag(env("MAIL_USE_TLS"))
        self.MAIL_USE_SSL = _flag(env("MAIL_USE_SSL"))
        self.MAIL_USERNAME = env("MAIL_USERNAME")
        self.MAIL_PASSWORD = env("MAIL_PASSWORD")
        self.MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Stagedoor <reminders@localhost>")
        self.CRM_BASE_URL = env("CRM_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.REMINDER_INTERVAL_SECONDS = int(env("REMINDER_INTERVAL_SECONDS", "300"))
        # Encrypts stored mailbox passwords; comma-separated keys rotate (the first encrypts).
        self.MAILBOX_KEY = env("MAILBOX_KEY") or _mailbox_key(instance)
        self.MAILBOX_SYNC_SECONDS = int(env("MAILBOX_SYNC_SECONDS", "120"))
        # Uploads (CSV imports) larger than this are refused with a clear message.
        self.MAX_CONTENT_LENGTH = int(env("MAX_UPLOAD_MB", "50")) * 1024 * 1024
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = not _flag(env("RATELIMIT_DISABLED"))
        # Cookies: HttpOnly and SameSite always; Secure when served over https.
        secure = self.CRM_BASE_URL.startswith("https://") or _flag(env("SESSION_COOKIE_SECURE"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = secure
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.IMPORTS_IN_BACKGROUND = True


class TestConfig(Config):
    """What the test suite runs with: its own database, no rate limits unless a test asks."""

    TESTING = True
    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, database_url: str, **overrides):
        super().__init__(
            environ={
                "SECRET_KEY": "test-secret",
                "DATABASE_URL": database_url,
                "MAILBOX_KEY": "DEAPzvH9LnQXAXDqkiCRekt-Y9GjqT5tP2Dju8yi3Zg=",
            }
        )
        self.RATELIMIT_ENABLED = False
        self.IMPORTS_IN_BACKGROUND = False  # run imports inline, so tests see their result
        self.SERVER_NAME = None
        for key, value in overrides.items():
            setattr(self, key, value)
