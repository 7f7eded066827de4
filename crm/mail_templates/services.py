"""The template library: save with checks, duplicate, archive, preview and render."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.mail_templates import rendering
from crm.mail_templates.starter import STARTER_TEMPLATES
from crm.models import (
    REPLY_STATUSES,
    Account,
    Contact,
    EmailTemplate,
    Pitch,
    PitchStatus,
    Release,
    TemplatePurpose,
    User,
)
from crm.scope import NotFound, get_owned, owned, owned_by


@dataclass
class CleanTemplate:
    values: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_template(raw: dict, *, partial: bool = False) -> CleanTemplate:
    """The rules for a template's fields, shared by the form and the API."""
    result = CleanTemplate()
    names = [n for n in ("name", "purpose", "subject", "body") if n in raw or not partial]
    for name in names:
        value = raw.get(name)
        if name == "purpose":
            try:
                result.values[name] = TemplatePurpose(value or "other")
            except ValueError:
                result.errors[name] = ["Choose one of the purposes in the list."]
            continue
        text = str(value or "")
        text = text.replace("\r\n", "\n") if name == "body" else " ".join(text.split())
        if not text.strip() and name != "body":
            result.errors[name] = [f"A template needs a {name}."]
            continue
        if name == "name" and len(text) > 120:
            result.errors[name] = ["At most 120 characters."]
        elif name in ("subject", "body"):
            limit = rendering.MAX_SUBJECT if name == "subject" else rendering.MAX_BODY
            problems = rendering.check(text, limit=limit, label=name.title())
            if problems:
                result.errors[name] = [str(p) for p in problems]
        result.values[name] = text
    return result


def create_template(session: Session, account: Account, values: dict) -> EmailTemplate:
    template = EmailTemplate(account_id=account.id, **values)
    session.add(template)
    session.flush()
    return template


def update_template(session: Session, template: EmailTemplate, values: dict) -> EmailTemplate:
    for name, value in values.items():
        setattr(template, name, value)
    template.updated_at = utcnow()
    session.flush()
    return template


def duplicate_template(session: Session, account: Account, template: EmailTemplate):
    return create_template(
        session,
        account,
        {
            "name": f"{template.name} (copy)"[:120],
            "purpose": template.purpose,
            "subject": template.subject,
            "body": template.body,
        },
    )


def set_archived(session: Session, template: EmailTemplate, archived: bool) -> None:
    template.archived_at = utcnow() if archived else None
    session.flush()


def install_starter_templates(session: Session, account: Account) -> None:
    for values in STARTER_TEMPLATES:
        create_template(session, account, dict(values))


def list_templates(
    session: Session,
    account: Account,
    *,
    archived: bool = False,
    purpose: TemplatePurpose | None = None,
) -> list[EmailTemplate]:
    stmt = owned(EmailTemplate, account).order_by(EmailTemplate.purpose, EmailTemplate.name)
    stmt = stmt.where(
        EmailTemplate.archived_at.is_not(None) if archived else EmailTemplate.archived_at.is_(None)
    )
    if purpose is not None:
        stmt = stmt.where(EmailTemplate.purpose == purpose)
    return list(session.scalars(stmt))


@dataclass
class TemplateStats:
    sent: int = 0
    replied: int = 0

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None


def template_stats(session: Session, account: Account) -> dict[int, TemplateStats]:
    """Pitches sent with each template and how many got a reply."""
    rows = session.execute(
        select(
            Pitch.template_id,
            func.count(),
            func.sum(case((Pitch.status.in_(list(REPLY_STATUSES)), 1), else_=0)),
        )
        .where(
            owned_by(Pitch, account),
            Pitch.template_id.is_not(None),
            Pitch.status != PitchStatus.DRAFT,
        )
        .group_by(Pitch.template_id)
    ).all()
    return {tid: TemplateStats(sent, replied or 0) for tid, sent, replied in rows}


# --- rendering ---------------------------------------------------------------------------


def merge_context(
    account: Account, user: User, contact: Contact | None, release: Release | None
) -> dict[str, dict[str, str]]:
    """The values merge fields read: plain strings only, nothing that leads anywhere."""
    return {
        "contact": {
            "first_name": contact.first_name if contact else "",
            "last_name": contact.last_name if contact else "",
            "full_name": contact.full_name if contact else "",
            "company": contact.company.name if contact and contact.company else "",
            "title": contact.title if contact else "",
            "city": contact.city if contact else "",
        },
        "release": {
            "title": release.title if release else "",
            "stream_url": release.stream_url if release else "",
            "epk_url": release.epk_url if release else "",
            "release_date": (
                f"{release.release_date:%-d %B %Y}" if release and release.release_date else ""
            ),
        },
        "artist": {"name": account.artist_name},
        "me": {"name": user.name, "email": user.email},
    }


@dataclass
class RenderedEmail:
    subject: str
    body: str


def render_email(subject: str, body: str, context: dict, *, marked: bool = False) -> RenderedEmail:
    return RenderedEmail(
        subject=rendering.render_subject(subject, context, marked=marked),
        body=rendering.render(body, context, marked=marked),
    )


def render_for(
    session: Session,
    account: Account,
    user: User,
    template: EmailTemplate,
    contact: Contact | None,
    release: Release | None = None,
) -> RenderedEmail:
    return render_email(
        template.subject, template.body, merge_context(account, user, contact, release)
    )


def owned_or_none(session: Session, account: Account, model, object_id) -> object | None:
    """An optional object picked by id (from a form or the API), scoped to the account."""
    try:
        return get_owned(session, account, model, int(object_id))
    except (TypeError, ValueError, NotFound):
        return None
