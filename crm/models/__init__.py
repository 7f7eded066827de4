"""Every model, imported here so that `Base.metadata` knows the whole schema."""

from crm.models.accounts import Account, ApiToken, User
from crm.models.contacts import Company, CompanyKind, Contact, Role, Tag, TagKind, contact_tags
from crm.models.imports import (
    ChangeAction,
    ContactImport,
    ImportChange,
    ImportMapping,
    ImportRowError,
    ImportStatus,
)
from crm.models.outreach import (
    CLOSING_STATUSES,
    REPLY_STATUSES,
    Channel,
    ContactNote,
    EmailTemplate,
    FollowUp,
    FollowUpState,
    Pitch,
    PitchStatus,
    Release,
    ReleaseKind,
    TemplatePurpose,
)
from crm.models.sessions import LoginSession

__all__ = [
    "CLOSING_STATUSES",
    "REPLY_STATUSES",
    "Channel",
    "ContactNote",
    "EmailTemplate",
    "FollowUp",
    "FollowUpState",
    "Pitch",
    "PitchStatus",
    "Release",
    "ReleaseKind",
    "TemplatePurpose",
    "ChangeAction",
    "ContactImport",
    "ImportChange",
    "ImportMapping",
    "ImportRowError",
    "ImportStatus",
    "Account",
    "ApiToken",
    "Company",
    "CompanyKind",
    "Contact",
    "Role",
    "Tag",
    "TagKind",
    "User",
    "LoginSession",
    "contact_tags",
]
