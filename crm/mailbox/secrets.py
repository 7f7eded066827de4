"""Mailbox passwords at rest: encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from the
`cryptography` package) under MAILBOX_KEY. MultiFernet takes a comma-separated list of
keys: the first encrypts, any of them decrypts, so a key can be rotated without locking
anyone out (`flask --app crm mailbox rotate-key` re-encrypts every password)."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretError(RuntimeError):
    """A stored password that no configured key opens (the key was changed, not rotated)."""


def key_from_instance(instance: Path) -> str:
    """A key generated on first use and kept in instance/mailbox_key (mode 600)."""
    path = instance / "mailbox_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.write_text(key)
    path.chmod(0o600)
    return key


def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def encrypt(keys: str, password: str) -> str:
    return _fernet(keys).encrypt(password.encode()).decode()


def decrypt(keys: str, token: str) -> str:
    try:
        return _fernet(keys).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretError(
            "The stored mailbox password cannot be read with MAILBOX_KEY: connect the mailbox"
            " again (or put the old key after the new one, comma-separated)."
        ) from None


def rotate(keys: str, token: str) -> str:
    """The same password under the first key."""
    return _fernet(keys).rotate(token.encode()).decode()
