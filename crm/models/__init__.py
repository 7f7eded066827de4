"""Every model, imported here so that `Base.metadata` knows the whole schema."""

from crm.models.accounts import Account, User
from crm.models.contacts import Company, CompanyKind, Contact, Role, Tag, TagKind, contact_tags

__all__ = [
    "Account",
    "Company",
    "CompanyKind",
    "Contact",
    "Role",
    "Tag",
    "TagKind",
    "User",
    "contact_tags",
]
