"""Sending email over SMTP with the settings of the contract (STARTTLS, SSL, login)."""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr


@dataclass(frozen=True)
class SmtpSettings:
    server: str
    port: int
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "Stagedoor <reminders@localhost>"
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            use_ssl=bool(config["MAIL_USE_SSL"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            sender=config["MAIL_DEFAULT_SENDER"],
        )


class MailError(RuntimeError):
    """The SMTP conversation failed; the message says where, for the user or the log."""


def build_message(
    settings: SmtpSettings,
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    # Long headers (the unsubscribe URL) stay whole instead of being folded into encoded
    # words that mail clients would not recognise as a link.
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = " ".join(subject.split())  # never a line break in a header
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


class Mailer:
    """One SMTP connection for many messages (a reminder pass sends one per account)."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.client = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.use_ssl:
            client = smtplib.SMTP_SSL(
                settings.server,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        if settings.use_tls and not settings.use_ssl:
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        return client

    def send(self, message: EmailMessage) -> dict:
        """Hand a message to the server; raises MailError with the server's answer.

        Returns the recipients the server refused when it took the message for the others:
        the message went out, and sending it again would double it for those who got it."""
        settings = self.settings
        for attempt in (1, 2):
            try:
                if self.client is None:
                    self.client = self._connect()
                return self.client.send_message(message)
            except smtplib.SMTPServerDisconnected as exc:
                # An idle connection the server closed: nothing was taken; connect again once.
                self.client = None
                if attempt == 2:
                    raise MailError(f"{settings.server}:{settings.port} hung up: {exc}") from exc
            except smtplib.SMTPRecipientsRefused as exc:
                raise MailError(f"The server refused every recipient: {exc.recipients}") from exc
            except smtplib.SMTPResponseException as exc:
                self.close()
                raise MailError(f"The server answered {exc.smtp_code}: {exc.smtp_error!r}") from exc
            except (OSError, smtplib.SMTPException) as exc:
                self.client = None
                raise MailError(
                    f"Could not talk to {settings.server}:{settings.port}: {exc}"
                ) from exc
        raise AssertionError("unreachable")


def send(settings: SmtpSettings, message: EmailMessage) -> dict:
    """Send one message on a connection of its own (the test email)."""
    with Mailer(settings) as mailer:
        return mailer.send(message)
