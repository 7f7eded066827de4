"""The email of a pitch as it leaves the artist's mailbox, built with the standard
library's `email` package: From the artist, To the contact, a Message-ID on the artist's
domain, plain text with an HTML alternative when the body has links, non-ASCII names and
subjects encoded, and no header that a line break could split."""

from __future__ import annotations

import datetime as dt
import html
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from crm.models import Mailbox

LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def one_line(text: str) -> str:
    """A header value: every run of white space, line breaks included, becomes one space,
    so a subject can never carry a second header into the message."""
    return " ".join(text.split())


# Marks the Message-ID of what Stagedoor sends, so a copy of it read back from the Sent
# folder is never taken for mail the artist wrote by hand (crm.mailbox.sent). Short: a
# longer id would fold the header onto a second line for a long domain.
MARK = "sd"


def message_id(mailbox: Mailbox) -> str:
    return make_msgid(idstring=MARK, domain=mailbox.email.rpartition("@")[2] or None)


def is_ours(message_id: str) -> bool:
    return f".{MARK}@" in message_id


def _html(text: str) -> str:
    """The plain text as HTML: escaped, links made clickable, line breaks kept."""
    escaped = html.escape(text)
    linked = LINK.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    return "<div>" + linked.replace("\n", "<br>\n") + "</div>"


def build(
    mailbox: Mailbox,
    *,
    to_name: str,
    to_email: str,
    subject: str,
    body: str,
    msgid: str,
    now: dt.datetime,
    in_reply_to: str = "",
    references: list[str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = Address(one_line(mailbox.display_name), addr_spec=mailbox.email)
    message["To"] = Address(one_line(to_name), addr_spec=to_email)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = msgid
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join(references or [in_reply_to])
    message.set_content(body)
    if LINK.search(body):
        message.add_alternative(_html(body), subtype="html")
    return message
