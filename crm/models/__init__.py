"""Every model, imported here so that `Base.metadata` knows the whole schema."""

from crm.models.accounts import Account, ApiToken, User
from crm.models.contacts import Company, CompanyKind, Contact, Role, Tag, TagKind, contact_tags

__all__ = [
    "Account",
    "ApiToken",
    "Company",
    "CompanyKind",
    "Contact",
    "Role",
    "Tag",
    "TagKind",
    "User",
    "contact_tags",
]
