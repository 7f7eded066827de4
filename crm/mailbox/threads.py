"""A pitch's thread: the messages that went out and came back, found by their Message-IDs,
for the inbox pass and the Sent folder's alike."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.bulk import among, which_of
from crm.models import Account, Pitch, PitchMessage
from crm.scope import owned_by


def pitch_by_thread(session: Session, account: Account, ids: list[str]) -> Pitch | None:
    """The pitch whose thread holds one of these Message-IDs (a message's In-Reply-To and
    References): its own message, or one in its thread."""
    ids = [i for i in ids if i][:50]
    if not ids:
        return None
    pitch = session.scalar(
        select(Pitch).where(owned_by(Pitch, account), Pitch.message_id.in_(ids)).limit(1)
    )
    if pitch is not None:
        return pitch
    return session.scalar(
        select(Pitch)
        .join(PitchMessage, PitchMessage.pitch_id == Pitch.id)
        .where(owned_by(PitchMessage, account), PitchMessage.message_id.in_(ids))
        .limit(1)
    )


def known_message_ids(session: Session, account: Account, ids: set[str]) -> set[str]:
    """Which of these Message-IDs are in one of the account's pitch threads (the pitch's
    own, or a message of its thread): pitch_by_thread's question for a whole batch of
    messages at once."""
    return which_of(
        session,
        ids,
        lambda chunk: select(Pitch.message_id).where(
            owned_by(Pitch, account), among(session, Pitch.message_id, chunk)
        ),
        lambda chunk: select(PitchMessage.message_id).where(
            owned_by(PitchMessage, account),
            among(session, PitchMessage.message_id, chunk),
        ),
    )
