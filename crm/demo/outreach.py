"""The demo's outreach: releases, pitches in every status, follow-ups overdue, due today and
next week, replies and notes, so that the dashboard, the board, the funnel and the reply
rates show the product alive on the first `make run`. Made through the same services a
user's clicks go through, relative to today."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from crm.contacts.services import add_note
from crm.db import utcnow
from crm.models import (
    Account,
    Contact,
    EmailTemplate,
    PitchStatus,
    Release,
    Role,
    TemplatePurpose,
    User,
)
from crm.pitches.services import change_status, create_pitch
from crm.releases.services import create_release
from crm.scope import owned

RELEASES = [
    {
        "title": "Paper Lanterns",
        "kind": "single",
        "days": 21,
        "stream_url": "https://example.com/stream/paper-lanterns",
        "epk_url": "https://example.com/epk/midnight-orchard",
        "notes": "Lead single; radio edit 3:12.",
    },
    {
        "title": "Orchard Lights",
        "kind": "ep",
        "days": 60,
        "stream_url": "https://example.com/stream/orchard-lights",
        "epk_url": "https://example.com/epk/midnight-orchard",
        "notes": "Five tracks, mixed in Bristol.",
    },
    {"title": "Spring Tour 2027", "kind": "tour", "days": 120, "notes": "UK and EU, 14 dates."},
]
TEMPLATE_FOR_ROLE = {
    Role.AR: TemplatePurpose.AR_QUERY,
    Role.LABEL_EXEC: TemplatePurpose.AR_QUERY,
    Role.MANAGER: TemplatePurpose.MANAGER_QUERY,
    Role.BOOKING_AGENT: TemplatePurpose.BOOKING_INQUIRY,
    Role.CURATOR: TemplatePurpose.PLAYLIST_PITCH,
    Role.PRESS: TemplatePurpose.PRESS_PITCH,
    Role.PUBLICIST: TemplatePurpose.PRESS_PITCH,
}
# (status, days since it was sent): sent 6 days ago -> its first follow-up is due tomorrow,
# 7 days ago -> due today, 10 days ago -> 3 days overdue.
PLAN = (
    [(PitchStatus.SENT, days) for days in (1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 8, 9, 10, 12, 16, 20)]
    + [(PitchStatus.REPLIED, d) for d in (3, 9, 15)]
    + [(PitchStatus.INTERESTED, d) for d in (5, 11, 25)]
    + [(PitchStatus.WON, d) for d in (18, 30)]
    + [(PitchStatus.DECLINED, d) for d in (4, 13, 22)]
    + [(PitchStatus.NO_RESPONSE, d) for d in (35, 40)]
    + [(PitchStatus.DRAFT, 0)] * 3
)
REPLIES = {
    PitchStatus.REPLIED: "Thanks, listening this week and will come back to you.",
    PitchStatus.INTERESTED: "Love the single. Can you send the EPK and tour dates?",
    PitchStatus.WON: "We'd like to add it to the Friday playlist. Congratulations!",
    PitchStatus.DECLINED: "Not quite right for our roster, but keep us posted.",
}


def load_demo_outreach(
    session: Session, account: Account, user: User, now: dt.datetime | None = None
) -> int:
    """Pitch a sample of the account's contacts; nothing when it has releases already (a
    second run adds nothing twice). Returns how many pitches were made."""
    if session.scalar(owned(Release, account).limit(1)) is not None:
        return 0
    now = now or utcnow()
    rng = random.Random(2027)
    today = now.date()
    releases = [
        create_release(
            session,
            account,
            {k: v for k, v in spec.items() if k != "days"}
            | {"release_date": today + dt.timedelta(days=int(str(spec["days"])))},
        )
        for spec in RELEASES
    ]
    templates = {
        t.purpose: t
        for t in session.scalars(owned(EmailTemplate, account).order_by(EmailTemplate.id))
    }
    contacts = list(
        session.scalars(
            owned(Contact, account)
            .where(Contact.role.is_not(None), Contact.do_not_contact.is_(False))
            .order_by(Contact.id)
            .limit(400)
        )
    )
    rng.shuffle(contacts)
    made = 0
    for (status, days), contact in zip(PLAN, contacts, strict=False):
        release = releases[0] if made % 3 else releases[1 + made % 2]
        purpose = (
            TEMPLATE_FOR_ROLE.get(contact.role, TemplatePurpose.OTHER) if contact.role else None
        )
        template = templates.get(purpose) if purpose else None
        sent_at = now - dt.timedelta(days=days, hours=rng.randint(0, 5))
        pitch = create_pitch(
            session,
            account,
            user,
            contact,
            release=release,
            template=template or templates.get(TemplatePurpose.AR_QUERY),
            status=PitchStatus.SENT if status != PitchStatus.DRAFT else PitchStatus.DRAFT,
            now=sent_at,
        )
        if status in REPLIES:
            replied = sent_at + dt.timedelta(days=rng.randint(1, max(1, days - 1) or 1))
            change_status(
                session, account, pitch, status, now=min(replied, now), note=REPLIES[status]
            )
        elif status == PitchStatus.NO_RESPONSE:
            change_status(session, account, pitch, status, now=now - dt.timedelta(days=1))
        made += 1
    _notes(session, account, user, contacts[made : made + 5], now)
    return made


def _notes(session: Session, account: Account, user: User, contacts, now: dt.datetime) -> None:
    lines = [
        "Met at The Great Escape; wants the live video when it is ready.",
        "Prefers a private SoundCloud link over attachments.",
        "On parental leave until spring: pitch the tour, not the single.",
        "Said to follow up after the festival season.",
        "Introduced by our producer; mention the remix.",
    ]
    for contact, line in zip(contacts, lines, strict=False):
        add_note(session, account, contact, line, author=user, now=now - dt.timedelta(days=2))
