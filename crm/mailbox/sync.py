"""Reading the artist's inbox: replies, out-of-office answers and bounces become pitch
history, so follow-ups stop by themselves.

Incremental: each mailbox remembers the inbox's UIDVALIDITY and the last UID it read, so
a sync fetches only what is new; a new mailbox (or a UIDVALIDITY change) starts from the
date of its oldest open pitch, never the whole inbox. Each message is applied once however
often, or in parallel, syncs run: the mailbox is claimed for the sync (a conditional UPDATE
under a lease), and a message whose Message-ID is already in a pitch's thread is skipped.
Each mailbox is its own unit, and within it each message: a malformed or hostile message is
logged and skipped, never stopping the rest. The Sent folder is read the same way, first,
for the mail the artist sends from their own client (crm.mailbox.sent)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from email.message import Message
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from crm.contacts.services import add_note, contacts_addresses, find_by_email
from crm.db import rows_changed, utcnow
from crm.mailbox.classify import (
    Incoming,
    Kind,
    classify,
    concerns_a_pitch,
    read_headers,
    read_message,
    references,
    sender_of,
)
from crm.mailbox.connect import imap_session, said, sent_folder, server
from crm.mailbox.sent import could_be_logged, log_sent, read_outgoing, recipients_of
from crm.mailbox.services import password_of, servers_of
from crm.mailbox.threads import known_message_ids, pitch_by_thread
from crm.models import (
    Account,
    Contact,
    Direction,
    EmailStatus,
    FollowUp,
    FollowUpState,
    Mailbox,
    MessageKind,
    Pitch,
    PitchMessage,
    PitchStatus,
    User,
)
from crm.pitches.services import cancel_open_follow_ups, change_status
from crm.retry import CLAIM_LEASE, growing_delay
from crm.scope import owned_by

log = logging.getLogger("crm.mailbox")

LEASE = CLAIM_LEASE
# New messages whose headers are fetched and judged at once (and the progress committed
# after): 50 a batch cost a quarter more than 200 in IMAP round trips, queries and commits.
BATCH = 200
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # larger messages are skipped, with a note
# The whole messages of a batch are fetched in groups of at most this many bytes (the
# server gives each one's size with its headers), so a batch of large ones stays in bounds.
FETCHED_BYTES = 20 * 1024 * 1024
FIRST_SYNC_DAYS = 30  # how far back a new mailbox looks when it has no open pitch


# The headers that tell whether a message can concern a pitch (classify.concerns_a_pitch,
# sent.could_be_logged): fetched for every new message instead of its whole header, which
# in real mail is mostly Received, DKIM and ARC lines.
TELLING_HEADERS = (
    "BODY.PEEK[HEADER.FIELDS (FROM TO CC BCC SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES"
    " CONTENT-TYPE RETURN-PATH X-FAILED-RECIPIENTS)]"
)


def _telling_headers(fetched: dict) -> bytes:
    """The headers TELLING_HEADERS asked for, from a message's FETCH answer (the server
    names the part with the list it was asked, in its own case)."""
    for key, value in fetched.items():
        if key.upper().startswith(b"BODY[HEADER.FIELDS"):
            return value or b""
    return b""


def backoff(failures: int) -> dt.timedelta:
    """2, 6, 18 minutes... at most six hours between tries of a failing mailbox."""
    return growing_delay(failures, first_minutes=2, factor=3)


@dataclass
class SyncResult:
    read: int = 0
    replies: int = 0
    auto_replies: int = 0
    bounces: int = 0
    logged: int = 0  # pitches made or joined by the artist's own sent mail
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def sync(
    factory: sessionmaker, config, now: dt.datetime | None = None, user_email: str | None = None
) -> SyncResult:
    """One pass over every connected mailbox (or one user's)."""
    now = now or utcnow()
    result = SyncResult()
    with factory() as session:
        query = select(Mailbox.id).where(
            Mailbox.connected, or_(Mailbox.next_sync_at.is_(None), Mailbox.next_sync_at <= now)
        )
        if user_email:  # one user's, now, whatever its retry delay says
            query = (
                select(Mailbox.id)
                .join(User, User.id == Mailbox.user_id)
                .where(Mailbox.connected, User.email == user_email.strip().lower())
            )
        ids = session.scalars(query.order_by(Mailbox.id)).all()
    for mailbox_id in ids:
        try:
            _sync_mailbox(factory, config, mailbox_id, now, result)
        except Exception as exc:  # noqa: BLE001 - one mailbox never stops the others
            log.exception("mailbox %s: sync failed", mailbox_id)
            result.failed.append((mailbox_id, said(exc)))
            _record_failure(factory, mailbox_id, now, said(exc))
    return result


def _record_failure(factory, mailbox_id: int, now: dt.datetime, reason: str) -> None:
    with factory() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        mailbox.sync_failures += 1
        mailbox.next_sync_at = now + backoff(mailbox.sync_failures)
        mailbox.last_error = f"Your inbox could not be read: {reason}"[:2000]
        mailbox.sync_claimed_until = None
        session.commit()


def _claim(session: Session, mailbox_id: int, now: dt.datetime) -> bool:
    claimed = rows_changed(
        session.execute(
            update(Mailbox)
            .where(
                Mailbox.id == mailbox_id,
                or_(Mailbox.sync_claimed_until.is_(None), Mailbox.sync_claimed_until < now),
            )
            .values(sync_claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return bool(claimed)


def _since(session: Session, account: Account, now: dt.datetime) -> dt.date:
    oldest = session.scalar(
        select(Pitch.sent_at)
        .where(owned_by(Pitch, account), Pitch.status == PitchStatus.SENT)
        .order_by(Pitch.sent_at)
        .limit(1)
    )
    return (oldest or now - dt.timedelta(days=FIRST_SYNC_DAYS)).date()


def _sync_mailbox(factory, config, mailbox_id: int, now: dt.datetime, result: SyncResult):
    with factory(expire_on_commit=False) as session:
        if not _claim(session, mailbox_id, now):
            return  # another sync is reading this mailbox
        mailbox = session.get(Mailbox, mailbox_id)
        account = session.get(Account, mailbox.account_id)
        password = password_of(mailbox, config["MAILBOX_KEY"])
        with imap_session(server(servers_of(mailbox), "imap"), mailbox.username, password) as c:
            # The Sent folder first: a reply in the same sync then finds its pitch.
            folder = sent_folder(c) if mailbox.capture_sent else None
            if folder is not None:
                since = (now - dt.timedelta(days=FIRST_SYNC_DAYS)).date()
                for uid, _validity, raw in _new_messages(
                    session, c, mailbox, folder, "sent", lambda: since, result,
                    lambda heads: worth_reading(session, account, heads, sent=True),
                ):  # fmt: skip
                    _log_one(session, mailbox, account, raw, uid, now, result)
            for uid, validity, raw in _new_messages(
                session, c, mailbox, "INBOX", "inbox", lambda: _since(session, account, now),
                result, lambda heads: worth_reading(session, account, heads),
            ):  # fmt: skip
                _apply_one(session, mailbox, account, raw, uid, validity, now, result)
        mailbox.last_sync_at, mailbox.sync_failures, mailbox.next_sync_at = now, 0, None
        if mailbox.last_error.startswith("Your inbox could not be read"):
            mailbox.last_error = ""
        mailbox.sync_claimed_until = None
        session.commit()


def _new_messages(
    session, client, mailbox: Mailbox, folder: str, kept: str, since, result, wanted=None
):
    """The folder's messages this mailbox has not read yet, oldest first, in batches: where
    reading stopped is kept in the mailbox's `<kept>_uidvalidity` and `<kept>_last_uid`,
    committed after each batch (with what the batch's messages changed). `wanted`, given
    a batch's headers by UID, says which to fetch whole; the rest are passed over."""
    selected = client.select_folder(folder, readonly=True)
    validity = int(selected[b"UIDVALIDITY"])
    if getattr(mailbox, f"{kept}_uidvalidity") != validity:
        uids = client.search(["SINCE", since()])
        last = 0
    else:
        last = getattr(mailbox, f"{kept}_last_uid")
        uids = [u for u in client.search(["UID", f"{last + 1}:*"]) if u > last]
    uids = sorted(uids)
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        heads = client.fetch(batch, ["RFC822.SIZE", TELLING_HEADERS])
        sizes = {u: heads.get(u, {}).get(b"RFC822.SIZE", 0) for u in batch}
        small = [u for u in batch if sizes[u] <= MAX_MESSAGE_BYTES]
        for uid in set(batch) - set(small):
            result.skipped.append(f"{folder} message {uid}: over {MAX_MESSAGE_BYTES:,} bytes")
        if wanted is not None:
            small = wanted({u: _telling_headers(heads.get(u, {})) for u in small})
        for group in _by_size(small, sizes):
            bodies = client.fetch(group, ["BODY.PEEK[]"])
            for uid in group:
                raw = bodies.get(uid, {}).get(b"BODY[]")
                if raw is not None:
                    yield uid, validity, raw
        last = max([last, *batch])
        setattr(mailbox, f"{kept}_uidvalidity", validity)
        setattr(mailbox, f"{kept}_last_uid", last)
        session.commit()
    setattr(mailbox, f"{kept}_uidvalidity", validity)
    setattr(mailbox, f"{kept}_last_uid", last)


def _by_size(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    """The UIDs, in their order, in groups of at most FETCHED_BYTES of messages (one
    message a group at least)."""
    groups: list[list[int]] = []
    total = 0
    for uid in uids:
        if not groups or total + sizes[uid] > FETCHED_BYTES:
            groups.append([])
            total = 0
        groups[-1].append(uid)
        total += sizes[uid]
    return groups


def _log_one(session, mailbox, account, raw: bytes, uid, now, result) -> None:
    try:
        logged = log_sent(
            session,
            account,
            mailbox,
            read_outgoing(read_message(raw), now),
            now,
        )
        result.logged += logged
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a malformed message never stops the sync
        session.rollback()
        log.warning("mailbox %s: sent message %s skipped: %s", mailbox.id, uid, exc)
        result.skipped.append(f"Sent message {uid}: {type(exc).__name__}: {exc}")


def worth_reading(
    session: Session, account: Account, heads: dict[int, bytes], sent: bool = False
) -> list[int]:
    """The messages of a batch (their headers by UID) that can concern a pitch: for the
    inbox, classify.concerns_a_pitch (a reply, an automatic reply, a bounce); for the Sent
    folder, sent.could_be_logged. Found with two queries for the whole batch, not two or
    three a message: an inbox is mostly newsletters and strangers, a Sent folder mostly
    mail to people who are no contact."""
    headers: dict[int, Message | None] = {}
    for uid, raw in heads.items():
        try:
            headers[uid] = read_headers(raw)
        except Exception:  # noqa: BLE001 - a malformed header is read whole, and then skipped
            headers[uid] = None
    parsed = [h for h in headers.values() if h is not None]
    threads = known_message_ids(session, account, {i for h in parsed for i in references(h)})
    addresses = (
        (a for h in parsed for a in recipients_of(h)) if sent else (sender_of(h) for h in parsed)
    )
    contacts = contacts_addresses(session, account, addresses)
    rule = could_be_logged if sent else concerns_a_pitch
    return [uid for uid, h in sorted(headers.items()) if h is None or rule(h, threads, contacts)]


def _apply_one(session, mailbox, account, raw: bytes, uid, validity, now, result) -> None:
    try:
        message = read_message(raw)
        incoming = classify(message)
        if not incoming.message_id:
            incoming.message_id = f"<uid.{validity}.{uid}@mailbox-{mailbox.id}.stagedoor>"
        if apply(session, account, mailbox, incoming, now):
            result.read += 1
            counter = {Kind.REPLY: "replies", Kind.AUTO_REPLY: "auto_replies"}.get(
                incoming.kind, "bounces"
            )
            setattr(result, counter, getattr(result, counter) + 1)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a malformed message never stops the sync
        session.rollback()
        log.warning("mailbox %s: message %s skipped: %s", mailbox.id, uid, exc)
        result.skipped.append(f"message {uid}: {type(exc).__name__}: {exc}")


def _latest_open_pitch(session: Session, account: Account, contact: Contact) -> Pitch | None:
    return session.scalar(
        select(Pitch)
        .where(
            owned_by(Pitch, account),
            Pitch.contact_id == contact.id,
            Pitch.status.in_([PitchStatus.SENT, PitchStatus.BOUNCED]),
        )
        .order_by(Pitch.sent_at.desc(), Pitch.id.desc())
        .limit(1)
    )


def match(session: Session, account: Account, incoming: Incoming) -> Pitch | None:
    """The pitch a message belongs to: by its thread (In-Reply-To, References, or the
    returned message's Message-ID for a bounce), else by its sender (or a bounce's failed
    recipient) among the contacts, their most recent open pitch."""
    pitch = pitch_by_thread(session, account, incoming.references)
    if pitch is not None:
        return pitch
    for address in (
        incoming.failed if incoming.kind in (Kind.BOUNCE, Kind.SOFT_BOUNCE) else [incoming.sender]
    ):
        contact = find_by_email(session, account, address) if address else None
        if contact is not None:
            found = _latest_open_pitch(session, account, contact)
            if found is not None:
                return found
    return None


def _seen(session: Session, account: Account, message_id: str) -> bool:
    return (
        session.scalar(
            select(PitchMessage.id).where(
                owned_by(PitchMessage, account),
                PitchMessage.message_id == message_id,
                PitchMessage.direction == Direction.IN,
            )
        )
        is not None
    )


KINDS = {
    Kind.REPLY: MessageKind.REPLY,
    Kind.AUTO_REPLY: MessageKind.AUTO_REPLY,
    Kind.BOUNCE: MessageKind.BOUNCE,
    Kind.SOFT_BOUNCE: MessageKind.BOUNCE,
}


def apply(
    session: Session, account: Account, mailbox: Mailbox, incoming: Incoming, now: dt.datetime
) -> bool:
    """Apply one classified message to its pitch; False when it is none of ours (a
    stranger, a newsletter, the artist's own message) or was applied before."""
    if incoming.sender == mailbox.email.lower() and incoming.kind == Kind.REPLY:
        return False
    if _seen(session, account, incoming.message_id):
        return False
    pitch = match(session, account, incoming)
    if pitch is None:
        return False
    session.add(
        PitchMessage(
            account_id=account.id, pitch_id=pitch.id, direction=Direction.IN,
            kind=KINDS[incoming.kind], sender=incoming.sender[:320],
            recipient=mailbox.email, subject=incoming.subject, message_id=incoming.message_id,
            at=incoming.at, text=incoming.text if incoming.kind != Kind.BOUNCE
            else incoming.reason or incoming.text[:2000],
        )
    )  # fmt: skip
    if incoming.kind == Kind.REPLY and pitch.status in (PitchStatus.SENT, PitchStatus.BOUNCED):
        change_status(session, account, pitch, PitchStatus.REPLIED, now)
        if incoming.unsubscribe:
            add_note(
                session, account, pitch.contact,
                "Their reply asks not to be emailed again: mark them do-not-contact on their"
                " page if so.", pitch=pitch, now=now,
            )  # fmt: skip
    elif incoming.kind == Kind.AUTO_REPLY and incoming.returns_on:
        _move_follow_ups_past(session, account, pitch, incoming.returns_on, now)
    elif incoming.kind == Kind.BOUNCE and pitch.status not in (
        PitchStatus.REPLIED, PitchStatus.INTERESTED, PitchStatus.WON, PitchStatus.DECLINED,
    ):  # fmt: skip
        pitch.status = PitchStatus.BOUNCED
        pitch.delivery_error = (incoming.reason or "The address bounced.")[:2000]
        pitch.contact.email_status = EmailStatus.BOUNCED
        cancel_open_follow_ups(session, pitch, "the address bounced")
    session.flush()
    return True


def next_working_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


def _move_follow_ups_past(session, account, pitch: Pitch, back: dt.date, now) -> None:
    """An out-of-office that says when they are back: the open follow-ups that would fall
    before it move to the next working day after it, at the same local time."""
    zone = ZoneInfo(account.timezone)
    target = next_working_day(back)
    before = dt.datetime.combine(target, dt.time(), zone).astimezone(dt.UTC)
    moved = 0
    for follow_up in session.scalars(
        select(FollowUp).where(
            FollowUp.pitch_id == pitch.id,
            FollowUp.state == FollowUpState.OPEN,
            FollowUp.due_at < before,
        )
    ):
        local_time = follow_up.due_at.astimezone(zone).time()
        follow_up.due_at = dt.datetime.combine(target, local_time, zone).astimezone(dt.UTC)
        moved += 1
    if moved:
        add_note(
            session, account, pitch.contact,
            f"Out of office until {back:%d %b %Y}: {moved} follow-up"
            f"{'s' if moved != 1 else ''} moved to {target:%a %d %b %Y}.", pitch=pitch, now=now,
        )  # fmt: skip
