"""Connecting to the artist's mail servers: the settings' rules, and logging in to SMTP and
IMAP to prove them before anything is stored. TLS certificates are always verified
(the system's trust store); plain text is allowed only to a host on this machine."""

from __future__ import annotations

import functools
import imaplib
import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from crm.contacts.fields import clean_email
from crm.fields import Cleaned, FieldError, Rule, clean_fields
from crm.models import Security

TIMEOUT = 20  # seconds for any one server to answer
WEEKDAYS = range(1, 8)


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: Security


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host(value: object) -> str:
    host = str(value).strip().lower()
    if not host or len(host) > 255 or any(c.isspace() or c in "/@:" for c in host.strip("[]")):
        raise FieldError("Enter the server's host name, like smtp.example.com.")
    return host


def _port(value: object) -> int:
    try:
        port = int(str(value))
    except ValueError:
        raise FieldError("Enter a port number, like 465 or 587.") from None
    if not 0 < port < 65536:
        raise FieldError("A port is a number from 1 to 65535.")
    return port


def _security(value: object) -> Security:
    try:
        return Security(str(value or "ssl").lower())
    except ValueError:
        raise FieldError("Choose ssl, starttls or none.") from None


def _time(value: object) -> str:
    text = str(value).strip()
    hours, _, minutes = text.partition(":")
    if not (
        hours.isdigit() and minutes.isdigit() and 0 <= int(hours) < 24 and 0 <= int(minutes) < 60
    ):
        raise FieldError("Use a time like 09:00.")
    return f"{int(hours):02d}:{int(minutes):02d}"


def _window(value: object) -> dict:
    if not isinstance(value, Mapping):
        raise FieldError(
            'Give the days and hours, like {"days": [1, 2, 3, 4, 5], "start": '
            '"09:00", "end": "18:00"}.'
        )
    days = value.get("days", [1, 2, 3, 4, 5])
    if not isinstance(days, list) or not days or any(d not in WEEKDAYS for d in days):
        raise FieldError("Days are ISO weekdays, 1 (Monday) to 7 (Sunday); choose at least one.")
    start, end = _time(value.get("start", "09:00")), _time(value.get("end", "18:00"))
    if end <= start:
        raise FieldError("The window must end after it starts, on the same day.")
    return {"days": sorted(set(days)), "start": start, "end": end}


def _bounded(low: int, high: int, what: str) -> Rule:
    def rule(value: object, raw: Mapping[str, object]) -> int:
        try:
            number = int(str(value))
        except ValueError:
            raise FieldError(f"Enter {what} as a whole number.") from None
        if not low <= number <= high:
            raise FieldError(f"Use {low} to {high:,}.")
        return number

    return rule


def _address(value: object, raw: Mapping[str, object]) -> str:
    email = clean_email(str(value))
    if not email:
        raise FieldError("Enter the address your pitches go out from.")
    return email


RULES: dict[str, Rule] = {
    "email": _address,
    "display_name": lambda value, raw: " ".join(str(value).split())[:120],
    "smtp_host": lambda value, raw: _host(value),
    "smtp_port": lambda value, raw: _port(value),
    "smtp_security": lambda value, raw: _security(value),
    "imap_host": lambda value, raw: _host(value),
    "imap_port": lambda value, raw: _port(value),
    "imap_security": lambda value, raw: _security(value),
    "username": lambda value, raw: str(value).strip()[:254] or str(raw.get("email", "")).strip(),
    "daily_limit": _bounded(1, 2000, "the daily limit"),
    "send_window": lambda value, raw: _window(value or {}),
    "min_gap_seconds": _bounded(0, 86_400, "the pause between messages"),
}
DEFAULTS = {"daily_limit": 50, "min_gap_seconds": 90, "smtp_security": "ssl",
            "imap_security": "ssl"}  # fmt: skip


def clean_mailbox(raw: Mapping[str, object]) -> Cleaned:
    """The mailbox settings as the contract names them; plain text only to this machine."""
    result = clean_fields({**DEFAULTS, **{k: v for k, v in raw.items() if v not in (None, "")}},
                          RULES, RULES)  # fmt: skip
    for side in ("smtp", "imap"):
        host, security = result.values.get(f"{side}_host"), result.values.get(f"{side}_security")
        if security == Security.NONE and host and not is_loopback(str(host)):
            result.add_error(
                f"{side}_security",
                "Without TLS your password would cross the network in clear: choose ssl or"
                " starttls (none is only for a mail bridge on this machine, like Proton Bridge).",
            )
    return result


def server(values: Mapping[str, object], side: str) -> Server:
    return Server(
        str(values[f"{side}_host"]), int(str(values[f"{side}_port"])),
        Security(str(values[f"{side}_security"])),
    )  # fmt: skip


@functools.cache
def _tls() -> ssl.SSLContext:
    """One context per process: it verifies the certificate and the host name, and making
    one reads the system's trust store (44 ms here), too slow to do per message."""
    return ssl.create_default_context()


@contextmanager
def smtp_session(smtp: Server, username: str, password: str) -> Iterator[smtplib.SMTP]:
    """A logged-in SMTP connection (smtplib, standard library)."""
    if smtp.security == Security.SSL:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=TIMEOUT, context=_tls()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
    try:
        client.ehlo()
        if smtp.security == Security.STARTTLS:
            client.starttls(context=_tls())
            client.ehlo()
        if client.has_extn("auth"):
            client.login(username, password)
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


@contextmanager
def imap_session(imap: Server, username: str, password: str) -> Iterator[IMAPClient]:
    """A logged-in IMAP connection (IMAPClient: see the README for why)."""
    client = IMAPClient(
        imap.host, port=imap.port, ssl=imap.security == Security.SSL,
        ssl_context=_tls(), timeout=TIMEOUT,
    )  # fmt: skip
    try:
        if imap.security == Security.STARTTLS:
            client.starttls(_tls())
        client.login(username, password)
        yield client
    finally:
        try:
            client.logout()
        except (IMAPClientError, imaplib.IMAP4.error, OSError):
            client.shutdown()


SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail", "INBOX.Sent")


def sent_folder(client) -> str | None:
    """The Sent folder: by its \\Sent special-use flag (RFC 6154), else by a usual name."""
    folders = client.list_folders()
    for flags, _delimiter, name in folders:
        if b"\\Sent" in flags:
            return name
    names = {name.lower(): name for _flags, _delimiter, name in folders}
    for candidate in SENT_NAMES:
        if candidate.lower() in names:
            return names[candidate.lower()]
    return None


def said(exc: BaseException) -> str:
    """What the server said, in its own words, for the artist."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, socket.gaierror):
        return "No server by that name (check the host)."
    if isinstance(exc, ConnectionRefusedError):
        return "The server refused the connection (check the host and port)."
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"The server did not answer within {TIMEOUT} s (check the host and port)."
    if isinstance(exc, ssl.SSLError):
        return f"The secure connection failed: {exc.reason or exc}."
    first = exc.args[0] if exc.args else exc
    text = first.decode(errors="replace") if isinstance(first, bytes) else str(first)
    return str(text) or type(exc).__name__


def check_login(values: Mapping[str, object], password: str) -> dict[str, list[str]]:
    """Log in to both servers; {"smtp": [...], "imap": [...]} with the servers' own words
    for each that refused (empty when both accept)."""
    errors: dict[str, list[str]] = {}
    username = str(values["username"])
    try:
        with smtp_session(server(values, "smtp"), username, password):
            pass
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        errors["smtp"] = [f"The SMTP server said: {said(exc)}"]
    try:
        with imap_session(server(values, "imap"), username, password):
            pass
    except (IMAPClientError, imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        errors["imap"] = [f"The IMAP server said: {said(exc)}"]
    return errors
