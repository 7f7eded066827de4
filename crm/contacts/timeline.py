"""A contact's timeline: everything that happened with them, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.models import (
    Account,
    Contact,
    ContactChange,
    ContactChangeItem,
    ContactImport,
    ContactNote,
    Direction,
    FollowUpState,
    ImportChange,
    MessageKind,
    Pitch,
    PitchMessage,
)
from crm.scope import owned, owned_by


@dataclass
class TimelineEvent:
    at: dt.datetime
    kind: str  # "pitch", "reply", "message", "follow_up", "import", "change", "added", "note"
    text: str
    pitch_id: int | None = None
    note: ContactNote | None = None


def contact_timeline(session: Session, account: Account, contact: Contact) -> list[TimelineEvent]:
    """Everything that happened with a contact, newest first."""

    events = [TimelineEvent(contact.created_at, "added", "Added to your contacts")]
    pitches = session.scalars(
        owned(Pitch, account)
        .where(Pitch.contact_id == contact.id)
        .options(selectinload(Pitch.follow_ups), selectinload(Pitch.release))
    ).all()
    for pitch in pitches:
        what = pitch.release.title if pitch.release else "a general query"
        if pitch.sent_at:
            events.append(
                TimelineEvent(
                    pitch.sent_at, "pitch", f"Pitched {what}: “{pitch.subject}”", pitch.id
                )
            )
        else:
            events.append(
                TimelineEvent(pitch.created_at, "pitch", f"Draft pitch for {what}", pitch.id)
            )
        if pitch.replied_at:
            events.append(
                TimelineEvent(pitch.replied_at, "reply", f"{pitch.status.label} ({what})", pitch.id)
            )
        for f in pitch.follow_ups:
            if f.state == FollowUpState.OPEN:
                text = f"Follow-up #{f.sequence} due"
            elif f.state == FollowUpState.CANCELLED:
                text = f"Follow-up #{f.sequence} cancelled: {f.state_reason}"
            else:
                text = f"Follow-up #{f.sequence} {f.state.value}"
            events.append(TimelineEvent(f.completed_at or f.due_at, "follow_up", text, pitch.id))
    # What came back from their mailbox (replies, automatic replies, bounces), read by the
    # inbox sync; the pitches and follow-ups that went out are listed above already.
    came_back = {
        MessageKind.REPLY: "Replied",
        MessageKind.AUTO_REPLY: "Automatic reply",
        MessageKind.BOUNCE: "Bounced",
    }
    if pitches:
        messages = session.execute(
            select(
                PitchMessage.at, PitchMessage.kind, PitchMessage.text, PitchMessage.pitch_id
            ).where(
                owned_by(PitchMessage, account),
                PitchMessage.pitch_id.in_([p.id for p in pitches]),
                PitchMessage.direction == Direction.IN,
            )
        ).all()
        for at, kind, text, pitch_id in messages:
            snippet = " ".join((text or "").split())[:160]
            label = came_back.get(kind, "Message")
            events.append(
                TimelineEvent(
                    at, "message", f"{label}: “{snippet}”" if snippet else label, pitch_id
                )
            )
    # The bulk changes of the contact list that touched them.
    changes = session.execute(
        select(ContactChange.created_at, ContactChange.summary, ContactChange.undone_at)
        .join(ContactChangeItem, ContactChangeItem.change_id == ContactChange.id)
        .where(owned_by(ContactChange, account), ContactChangeItem.contact_id == contact.id)
    ).all()
    for at, summary, undone_at in changes:
        events.append(
            TimelineEvent(at, "change", f"{summary} (with others{', undone' if undone_at else ''})")
        )
    imports = session.execute(
        select(ContactImport.file_name, ContactImport.created_at, ImportChange.action)
        .join(ImportChange, ImportChange.import_id == ContactImport.id)
        .where(owned_by(ContactImport, account), ImportChange.contact_id == contact.id)
    ).all()
    for file_name, at, action in imports:
        verb = "Created" if action.value == "created" else "Updated"
        events.append(TimelineEvent(at, "import", f"{verb} by the import of {file_name}"))
    notes = session.scalars(
        owned(ContactNote, account)
        .where(ContactNote.contact_id == contact.id)
        .options(selectinload(ContactNote.author))
    )
    for note in notes:
        events.append(TimelineEvent(note.created_at, "note", note.body, note.pitch_id, note))
    return sorted(events, key=lambda e: e.at, reverse=True)
