"""The artist's own sent mail: a message in the mailbox's Sent folder to one of the account's
contacts that Stagedoor did not send becomes pitch history, so an artist who keeps writing
from their mail client still gets the whole tracker.

- A new message to contacts (To, Cc, Bcc) becomes a sent email pitch of each, the exact
  email kept, with follow-ups on the cadence; a pitch the artist logged by hand around the
  same days (email, no message yet) takes the message instead of a second pitch.
- A message in the thread of a pitch (the artist following up, or answering a reply, from
  their mail client) joins that pitch's thread; a follow-up by hand ticks off the open
  follow-up it stands for.
- Never a contact made, never a do-not-contact person pitched, never a message twice: the
  Message-ID says whether it is already in a thread, and Stagedoor's own copies in Sent
  carry its Message-ID mark (crm.mailbox.compose)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.contacts.fields import email_key
from crm.contacts.services import contact_for_each_email
from crm.mailbox.classify import body_text, is_automatic, message_ids, references
from crm.mailbox.compose import is_ours
from crm.mailbox.threads import pitch_by_thread
from crm.models import (
    Account,
    Channel,
    Contact,
    Direction,
    FollowUp,
    FollowUpState,
    Mailbox,
    MessageKind,
    Pitch,
    PitchMessage,
    PitchStatus,
)
from crm.pitches.services import complete_follow_up, create_pitch
from crm.scope import owned

# A pitch logged by hand this close to the message is the same pitch.
HAND_LOGGED_WITHIN = dt.timedelta(days=3)
# A follow-up due this soon after a message in its thread is the one the artist just sent.
FOLLOW_UP_AHEAD = dt.timedelta(days=3)
MAX_RECIPIENTS = 50  # a message to more is a mailing, not a pitch
MAX_BODY = 100_000


@dataclass
class Outgoing:
    """A message from the Sent folder, as much of it as a pitch keeps."""

    message_id: str
    recipients: list[str]
    subject: str
    text: str
    at: dt.datetime
    references: list[str]
    automatic: bool


def read_outgoing(message: EmailMessage, now: dt.datetime) -> Outgoing:
    try:
        at = parsedate_to_datetime(message.get("Date", "")).astimezone(dt.UTC)
    except (TypeError, ValueError, IndexError):
        at = now
    return Outgoing(
        message_id=(message_ids(message.get("Message-ID")) or [""])[0][:255],
        recipients=recipients_of(message),
        subject=" ".join(str(message.get("Subject", "")).split())[:300],
        text=body_text(message)[:MAX_BODY],
        at=min(at, now),
        references=message_ids(message.get("In-Reply-To"))
        + list(reversed(message_ids(message.get("References")))),
        automatic=is_automatic(message),
    )


def recipients_of(headers: Message) -> list[str]:
    """A message's To, Cc and Bcc addresses, lower-cased, each once."""
    found = getaddresses([str(headers.get(header, "")) for header in ("To", "Cc", "Bcc")])
    return list(dict.fromkeys(address.lower() for _name, address in found if "@" in address))


def could_be_logged(headers: Message, threads: set[str], contacts: set[str]) -> bool:
    """Whether a sent message can become pitch history (log_sent), from its headers
    alone: one Stagedoor did not send, that follows up a pitch's thread (`threads`: the
    Message-IDs among its references the account knows) or goes to a contact (`contacts`:
    the address keys that are a contact's). The rest of a Sent folder (mail to friends,
    to the bank) is passed over without fetching its body."""
    message_id = (message_ids(str(headers.get("Message-ID", ""))) or [""])[0]
    if not message_id or is_ours(message_id):
        return False
    if any(i in threads for i in references(headers)):
        return True
    return any(email_key(address) in contacts for address in recipients_of(headers))


def _in_a_thread(session: Session, account: Account, message_id: str) -> bool:
    """Whether this message is already a pitch's, or in a pitch's thread."""
    return (
        session.scalar(
            owned(Pitch, account).where(Pitch.message_id == message_id).with_only_columns(Pitch.id)
        )
        or session.scalar(
            owned(PitchMessage, account)
            .where(PitchMessage.message_id == message_id)
            .with_only_columns(PitchMessage.id)
        )
    ) is not None


def _hand_logged(session: Session, account: Account, contact: Contact, at: dt.datetime):
    """A pitch of this contact the artist logged by hand (email, sent, no message of its
    own) around the message's time."""
    return session.scalar(
        owned(Pitch, account)
        .where(
            Pitch.contact_id == contact.id,
            Pitch.channel == Channel.EMAIL,
            Pitch.message_id == "",
            Pitch.status != PitchStatus.DRAFT,
            Pitch.status != PitchStatus.SCHEDULED,
            Pitch.sent_at.between(at - HAND_LOGGED_WITHIN, at + HAND_LOGGED_WITHIN),
        )
        .order_by(Pitch.sent_at.desc(), Pitch.id.desc())
        .limit(1)
    )


def _record(session, mailbox: Mailbox, pitch: Pitch, kind: MessageKind, out: Outgoing) -> None:
    session.add(
        PitchMessage(
            account_id=pitch.account_id, pitch_id=pitch.id, direction=Direction.OUT, kind=kind,
            sender=mailbox.email, recipient=pitch.contact.email or "", subject=out.subject,
            message_id=out.message_id, at=out.at, text=out.text,
        )
    )  # fmt: skip


def _followed_up(session: Session, mailbox: Mailbox, pitch: Pitch, out: Outgoing, now) -> None:
    """The artist wrote in the pitch's thread from their mail client."""
    _record(session, mailbox, pitch, MessageKind.FOLLOW_UP, out)
    if pitch.status != PitchStatus.SENT:
        return  # an answer to their reply: history, nothing to tick off
    due = session.scalar(
        select(FollowUp)
        .where(
            FollowUp.pitch_id == pitch.id,
            FollowUp.state == FollowUpState.OPEN,
            FollowUp.due_at <= out.at + FOLLOW_UP_AHEAD,
        )
        .order_by(FollowUp.due_at)
        .limit(1)
    )
    if due is not None:
        due.state_reason = "you followed up from your mail client"
        complete_follow_up(session, due, FollowUpState.DONE, now)


def log_sent(
    session: Session, account: Account, mailbox: Mailbox, out: Outgoing, now: dt.datetime
) -> int:
    """Apply one message of the Sent folder; the number of pitches it made or joined."""
    if (
        not out.message_id
        or is_ours(out.message_id)
        or out.automatic
        or _in_a_thread(session, account, out.message_id)
    ):
        return 0
    thread = pitch_by_thread(session, account, out.references)
    if thread is not None:
        _followed_up(session, mailbox, thread, out, now)
        session.flush()
        return 1
    recipients = [r for r in out.recipients if r != mailbox.email.lower()]
    if not recipients or len(recipients) > MAX_RECIPIENTS:
        return 0
    logged = 0
    for contact in contact_for_each_email(session, account, recipients):
        if contact.do_not_contact:
            continue
        pitch = _hand_logged(session, account, contact, out.at)
        if pitch is None:
            pitch = create_pitch(
                session, account, mailbox.user, contact, subject=out.subject, body=out.text,
                status=PitchStatus.SENT, sent_at=out.at, now=now,
                notes="Sent from your own mail client; logged from your Sent folder.",
            )  # fmt: skip
        pitch.message_id = out.message_id
        _record(session, mailbox, pitch, MessageKind.PITCH, out)
        logged += 1
    session.flush()
    return logged
