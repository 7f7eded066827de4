"""What an incoming message is: a bounce, an automatic reply (out of office), or a person's
reply. Every message is hostile input: parsed by the standard library's `email` package,
HTML turned to text by nh3 (never rendered), attachments never kept.

Libraries: flufl.bounce (GNU Mailman's bounce detectors: RFC 3464 and dozens of
non-standard formats from Exchange, Gmail, Postfix, qmail...) finds the failed
recipients; mail-parser-reply keeps what the person wrote without the quoted history and
signature, in many languages; dateparser reads a return date in the languages an
out-of-office is written in."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

import nh3
from flufl.bounce import all_failures

from crm.contacts.fields import email_key

AUTO_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoreply|away from"
    r"|abwesenheit|automatische antwort|r[ée]ponse automatique|absence|respuesta autom[áa]tica"
    r"|fuera de la oficina|resposta autom[áa]tica|aus[eê]ncia|risposta automatica"
    r"|fuori sede|afwezig|automatisch antwoord|niet aanwezig",
    re.IGNORECASE,
)
RETURN_HINT = re.compile(
    r"(?:until|till|back on|back|return(?:ing)? on|returning|bis(?: zum| einschlie[ßs]lich)?"
    r"|zur[üu]ck am|ab dem|jusqu'au|jusqu’au|de retour le|retour le|hasta el|hasta|regreso el"
    r"|at[ée]|retorno em|volto em|fino al|fino a|di ritorno il|tot en met|tot|terug op)"
    r"\s+(?P<date>\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?|[^\n.;,]{3,40})",
    re.IGNORECASE,
)
LANGUAGES = ["en", "de", "fr", "es", "pt", "it", "nl"]
UNSUBSCRIBE = re.compile(
    r"unsubscribe|remove me|stop (e-?mailing|contacting) me|take me off|do not (e-?mail|contact)"
    r"|abmelden|d[ée]sabonner|darse de baja|cancelar inscri",
    re.IGNORECASE,
)


# --- speed: reading a message's headers once ---------------------------------------------
# flufl.bounce's two dozen detectors each ask a message for the same headers, and the
# standard library parses a header value afresh on every ask: over a hundred parses a
# message, most of a sync's time (benchmarks/mailbox_sync.py). Messages read with POLICY
# share each parsed value instead: the objects policy.default would give (immutable
# strings with their parts).
MAX_CACHED_HEADER = 4000  # a longer value (a hostile one) is parsed each time, never kept


@functools.lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str):
    return policy.default.header_fetch_parse(name, value)


if TYPE_CHECKING:  # typeshed's EmailPolicy is generic in the message it makes; at run time not
    _MessagePolicy = EmailPolicy[EmailMessage]
else:
    _MessagePolicy = EmailPolicy


class _OnceParsed(_MessagePolicy):
    def header_fetch_parse(self, name, value):
        if len(value) > MAX_CACHED_HEADER:
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)


POLICY = _OnceParsed()


def read_message(raw: bytes) -> EmailMessage:
    """A message as the mailbox passes read it: policy.default's API, headers parsed once."""
    return message_from_bytes(raw, policy=POLICY)


def read_headers(raw: bytes) -> Message:
    """Only a message's headers (or its whole text, of which the headers are read): enough
    to tell whether it can concern a pitch at all. Read as the raw strings they are
    (compat32), not parsed into structured values: most of an inbox is passed over on these
    alone, and parsing each value was most of a sync's time (benchmarks/mailbox_sync.py)."""
    return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)


def references(headers: Message) -> list[str]:
    """The Message-IDs a message answers: its In-Reply-To and References."""
    return message_ids(str(headers.get("In-Reply-To", ""))) + message_ids(
        str(headers.get("References", ""))
    )


def sender_of(headers: Message) -> str:
    """The address of a message's From, or "" when it has none."""
    value = str(headers.get("From", ""))
    return (
        _first_address(value)
        if len(value) <= MAX_CACHED_HEADER
        else _first_address.__wrapped__(value)
    )


@functools.lru_cache(maxsize=4096)
def _first_address(value: str) -> str:
    # Cached: an inbox's senders repeat (newsletters above all), and the standard library's
    # address parser was a tenth of a sync's time, asked twice a message.
    senders = [a for _name, a in getaddresses([value]) if "@" in a]
    return senders[0] if senders else ""


def _subject(headers: Message) -> str:
    """The Subject as the person reads it: encoded words (=?utf-8?q?...?=) decoded."""
    try:
        return str(make_header(decode_header(str(headers.get("Subject", "")))))
    except (LookupError, ValueError, HeaderParseError):
        return str(headers.get("Subject", ""))


# What every delivery report shows in its headers: a report's content type, the null
# sender (RFC 5321), Exim's and Gmail's failed-recipients header, a daemon as the sender, or
# a subject of the kind every mail server writes. A message with none of these is no
# bounce, and one from a stranger outside every thread is then none of a pitch's.
BOUNCE_SENDER = re.compile(
    r"mailer-daemon|mail-daemon|postmaster|mail delivery|delivery subsystem|maildelivery"
    r"|bounce|mailer@|mail administrator|microsoftexchange",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|not delivered|could not be delivered|delivery (status|fail|has"
    r" failed|problem|report|notification|incomplete)|failure notice|failed delivery"
    r"|returned (mail|to sender)|mail delivery|non[- ]?delivery|delivery delayed|delayed mail"
    r"|unzustellbar|nicht zugestellt|non remis|non distribu|no entregado|no se pudo entregar"
    r"|não entregue|non recapitato|onbestelbaar|message bounced|bounce",
    re.IGNORECASE,
)


def could_be_a_bounce(headers: Message) -> bool:
    if headers.get_content_type() == "multipart/report":
        return True
    if str(headers.get("Return-Path") or "").strip() == "<>" or headers.get("X-Failed-Recipients"):
        return True
    return bool(
        BOUNCE_SENDER.search(str(headers.get("From", "")))
        or BOUNCE_SUBJECT.search(_subject(headers))
    )


def concerns_a_pitch(headers: Message, threads: set[str], contacts: set[str]) -> bool:
    """Whether a message can be an answer to a pitch, from its headers alone: in a pitch's
    thread (`threads`: the Message-IDs among its references that the account knows), from
    one of the contacts (`contacts`: the address keys that are a contact's), or possibly a
    bounce. Most of an inbox (newsletters, strangers) is none of these, and is passed over
    without fetching its body."""
    if any(message_id in threads for message_id in references(headers)):
        return True
    sender = sender_of(headers)
    if sender and email_key(sender) in contacts:
        return True
    return could_be_a_bounce(headers)


class Kind(enum.StrEnum):
    BOUNCE = "bounce"
    SOFT_BOUNCE = "soft_bounce"
    AUTO_REPLY = "auto_reply"
    REPLY = "reply"


@dataclass
class Incoming:
    kind: Kind
    sender: str
    subject: str
    message_id: str
    references: list[str]  # In-Reply-To first, then References, newest first
    at: dt.datetime
    text: str  # what the person wrote (a reply), or the message's text
    failed: list[str]  # a bounce's failed recipients
    reason: str  # a bounce's Status and diagnostic
    returns_on: dt.date | None = None  # an out-of-office's stated return date
    unsubscribe: bool = False


def _addresses(value: str | None) -> list[str]:
    return [a.lower() for _name, a in getaddresses([value or ""]) if "@" in a]


def message_ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def body_text(message: EmailMessage) -> str:
    """The message's text: its plain part, else its HTML part with every tag removed."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        content = part.get_payload(decode=True) or b""
        content = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else ""
    if part.get_content_type() == "text/html":
        content = nh3.clean(content, tags=set())
    return content if isinstance(content, str) else ""


def is_automatic(message: EmailMessage) -> bool:
    """RFC 3834's Auto-Submitted, the common X- headers, Precedence, or the subject."""
    if (message.get("Auto-Submitted", "no").strip().lower()) not in ("", "no"):
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if message.get("Precedence", "").strip().lower() in ("auto_reply", "auto-reply"):
        return True
    if message.get("X-Auto-Response-Suppress") and AUTO_SUBJECT.search(message.get("Subject", "")):
        return True
    return bool(AUTO_SUBJECT.search(message.get("Subject", "")))


def return_date(text: str, received: dt.datetime) -> dt.date | None:
    """The date an out-of-office says its writer is back, if it says one."""
    import dateparser

    for hint in RETURN_HINT.finditer(text[:4000]):
        found = dateparser.parse(
            hint.group("date"), languages=LANGUAGES,
            settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": received.replace(tzinfo=None),
                      "DATE_ORDER": "DMY", "STRICT_PARSING": False},
        )  # fmt: skip
        if found is not None and received.date() < found.date() <= received.date() + dt.timedelta(
            days=366
        ):
            return found.date()
    return None


def _blocks(part: Message) -> list[Message]:
    """The per-recipient header blocks of a message/delivery-status part."""
    payload = part.get_payload()
    return [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []


def _delivery_reason(message: EmailMessage) -> str:
    """A DSN's Status and Diagnostic-Code (RFC 3464), when it has them."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            for block in _blocks(part):
                status = block.get("Status")
                if status:
                    diagnostic = block.get("Diagnostic-Code", "")
                    return f"{status} {diagnostic}".strip()
    return ""


def _dsn_is_temporary(message: EmailMessage) -> bool | None:
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            for block in _blocks(part):
                status = (block.get("Status") or "").strip()
                if status[:1] in ("4", "5"):
                    return status.startswith("4")
    return None


def _original_ids(message: EmailMessage) -> list[str]:
    """The Message-ID of the message a bounce returns, from its attached headers."""
    ids = []
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else payload
            if isinstance(inner, Message):
                ids += message_ids(inner.get("Message-ID"))
            elif isinstance(inner, str):
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", inner, re.I | re.M)
                ids += [found.group(1)] if found else []
    return ids


def classify(message: EmailMessage) -> Incoming:
    senders = _addresses(message.get("From"))
    try:
        at = parsedate_to_datetime(message.get("Date", "")).astimezone(dt.UTC)
    except (TypeError, ValueError, IndexError):
        at = dt.datetime.now(dt.UTC)
    references = message_ids(message.get("In-Reply-To")) + list(
        reversed(message_ids(message.get("References")))
    )
    text = body_text(message)
    base = Incoming(
        kind=Kind.REPLY,
        sender=senders[0] if senders else "",
        subject=" ".join(str(message.get("Subject", "")).split())[:300],
        message_id=(message_ids(message.get("Message-ID")) or [""])[0][:255],
        references=references,
        at=at,
        text="",
        failed=[],
        reason="",
    )
    # flufl.bounce's detectors are most of the time a message takes to classify: only a
    # message that has a delivery report's marks (could_be_a_bounce) is given to them.
    temporary, permanent = all_failures(message) if could_be_a_bounce(message) else (set(), set())
    is_report = message.get_content_type() == "multipart/report"
    if temporary or permanent or is_report:
        failed = sorted(a.decode(errors="replace").lower() for a in permanent | temporary)
        dsn_temporary = _dsn_is_temporary(message)
        soft = (bool(temporary) and not permanent) if dsn_temporary is None else dsn_temporary
        return replace(
            base,
            kind=Kind.SOFT_BOUNCE if soft else Kind.BOUNCE,
            text=text[:4000],
            failed=failed,
            reason=_delivery_reason(message) or text.strip()[:300],
            references=_original_ids(message) + references,
        )
    if is_automatic(message):
        return replace(
            base, kind=Kind.AUTO_REPLY, text=text[:4000], returns_on=return_date(text, at)
        )
    from mailparser_reply import EmailReplyParser

    written = EmailReplyParser(languages=LANGUAGES).parse_reply(text=text) or text
    return replace(
        base, text=written.strip()[:10_000], unsubscribe=bool(UNSUBSCRIBE.search(written[:2000]))
    )
