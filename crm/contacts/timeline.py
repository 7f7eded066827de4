"""A contact's timeline: everything that happened with them, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.models import (
    Account,
    Contact,
    ContactImport,
    ContactNote,
    FollowUpState,
    ImportChange,
    Pitch,
)
from crm.scope import owned


@dataclass
class TimelineEvent:
    at: dt.datetime
    kind: str  # "pitch", "reply", "follow_up", "import", "added", "note"
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
    imports = session.execute(
        select(ContactImport.file_name, ContactImport.created_at, ImportChange.action)
        .join(ImportChange, ImportChange.import_id == ContactImport.id)
        .where(ContactImport.account_id == account.id, ImportChange.contact_id == contact.id)
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
