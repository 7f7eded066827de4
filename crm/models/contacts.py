"""The contact book: people in the industry, the companies they work for, and their tags."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import UTC, Base, created_at, intpk, updated_at


def _str_enum(cls: type[enum.StrEnum], length: int = 20) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class EmailStatus(enum.StrEnum):
    OK = "ok"
    BOUNCED = "bounced"


class Role(enum.StrEnum):
    AR = "ar"
    MANAGER = "manager"
    BOOKING_AGENT = "booking_agent"
    LABEL_EXEC = "label_exec"
    PUBLICIST = "publicist"
    CURATOR = "curator"
    PRESS = "press"
    PRODUCER = "producer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.AR: "A&R",
    Role.MANAGER: "Manager",
    Role.BOOKING_AGENT: "Booking Agent",
    Role.LABEL_EXEC: "Label Executive",
    Role.PUBLICIST: "Publicist",
    Role.CURATOR: "Playlist Curator",
    Role.PRESS: "Press",
    Role.PRODUCER: "Producer",
    Role.OTHER: "Other",
}


class CompanyKind(enum.StrEnum):
    LABEL = "label"
    MANAGEMENT = "management"
    AGENCY = "agency"
    PUBLISHER = "publisher"
    PR = "pr"
    MEDIA = "media"
    PLAYLIST = "playlist"
    OTHER = "other"

    @property
    def label(self) -> str:
        return COMPANY_KIND_LABELS[self]


COMPANY_KIND_LABELS = {
    CompanyKind.LABEL: "Record label",
    CompanyKind.MANAGEMENT: "Management firm",
    CompanyKind.AGENCY: "Booking agency",
    CompanyKind.PUBLISHER: "Publisher",
    CompanyKind.PR: "PR agency",
    CompanyKind.MEDIA: "Press / media outlet",
    CompanyKind.PLAYLIST: "Playlist / radio",
    CompanyKind.OTHER: "Other",
}


class TagKind(enum.StrEnum):
    TAG = "tag"
    GENRE = "genre"


class Company(Base):
    """A label, agency, management firm or outlet; a contact's employer."""

    __tablename__ = "companies"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Case- and accent-folded name: "Sub Pop" and "sub pop" are one company.
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CompanyKind | None] = mapped_column(_str_enum(CompanyKind))
    website: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    contacts: Mapped[list[Contact]] = relationship(back_populates="company")

    @property
    def location(self) -> str:
        return shown_place(self.city, self.country)


class Tag(Base):
    """A tag or a genre of the account, shared by the contacts that carry it."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("account_id", "kind", "key"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[TagKind] = mapped_column(_str_enum(TagKind, 10))
    name: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(60))


contact_tags = Table(
    "contact_tags",
    Base.metadata,
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_contact_tags_tag_id_contact_id", "tag_id", "contact_id"),
)


def shown_place(city: str, country: str) -> str:
    """Where someone is, as every page writes it: "Berlin, Germany"."""
    return ", ".join(part for part in (city, country) if part)


def joined_name(first_name: str, last_name: str) -> str:
    return " ".join(part for part in (first_name, last_name) if part)


def every_address(email: str | None, other_emails: list[str]) -> list[str]:
    """Every address of a person, the main one first."""
    return [e for e in (email, *other_emails) if e]


def shown_name(first_name: str, last_name: str, email: str | None, contact_id: int) -> str:
    """What a contact is called where it must be called something (a card, a link)."""
    return joined_name(first_name, last_name) or email or f"Contact #{contact_id}"


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("account_id", "email_key"),
        # Each sort's index ends in the id, its last term: a page is found by seeking to
        # (sort key, id) (crm.pagination.seek), one range of the index on both engines.
        Index("ix_contacts_account_id_sort_name", "account_id", "sort_name", "id"),
        Index("ix_contacts_account_id_updated_at", "account_id", "updated_at", "id"),
        Index("ix_contacts_account_id_role", "account_id", "role"),
        Index("ix_contacts_account_id_country", "account_id", "country"),
        Index("ix_contacts_company_id", "company_id"),
        Index("ix_contacts_account_id_last_contacted_at", "account_id", "last_contacted_at"),
        # Sorting by company with the company-less last; SQLite and PostgreSQL both use it
        # for ORDER BY (company_key IS NULL), company_key, sort_name.
        Index(
            "ix_contacts_account_id_company_order",
            "account_id",
            text("(company_key IS NULL)"),
            "company_key",
            "sort_name",
            "id",
        ),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    # Lower-cased email: duplicates are found case-insensitively, per account.
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[Role | None] = mapped_column(_str_enum(Role))
    # Set when an import guessed the role from the title, company or groups: shown as a
    # guess until a person confirms or changes it.
    role_inferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    instagram: Mapped[str] = mapped_column(String(300), default="")
    twitter: Mapped[str] = mapped_column(String(300), default="")
    tiktok: Mapped[str] = mapped_column(String(300), default="")
    linkedin: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # "bounced" when a mail server refused the address: never sent to again until the
    # artist edits it (crm.contacts.services clears it when the email changes).
    email_status: Mapped[EmailStatus] = mapped_column(
        _str_enum(EmailStatus, 10), default=EmailStatus.OK, server_default="ok"
    )
    # Derived columns kept by crm.contacts.services: what the list sorts and searches on.
    sort_name: Mapped[str] = mapped_column(String(220), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    company_key: Mapped[str | None] = mapped_column(String(200))
    last_contacted_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    company: Mapped[Company | None] = relationship(back_populates="contacts")
    labels: Mapped[list[Tag]] = relationship(secondary=contact_tags, order_by=Tag.name)
    # Further addresses of the same person, in the order given; loaded with the contact,
    # as every page, export and API answer that shows a contact shows them.
    other_addresses: Mapped[list[ContactEmail]] = relationship(
        order_by="ContactEmail.position",
        cascade="all, delete-orphan",
        lazy="selectin",
        passive_deletes=True,
    )

    @property
    def other_emails(self) -> list[str]:
        return [a.email for a in self.other_addresses]

    @property
    def emails(self) -> list[str]:
        """Every address of the person, the main one first."""
        return every_address(self.email, self.other_emails)

    @property
    def full_name(self) -> str:
        return joined_name(self.first_name, self.last_name)

    @property
    def location(self) -> str:
        return shown_place(self.city, self.country)

    @property
    def display_name(self) -> str:
        return shown_name(self.first_name, self.last_name, self.email, self.id)

    @property
    def tags(self) -> list[str]:
        return self._names(TagKind.TAG)

    @property
    def genres(self) -> list[str]:
        return self._names(TagKind.GENRE)

    def _names(self, kind: TagKind) -> list[str]:
        # Sorted here, not only by the relationship's ORDER BY, so a contact just edited
        # in memory reads the same as one loaded from the database.
        return [t.name for t in sorted(self.labels, key=lambda t: t.key) if t.kind == kind]


class ContactEmail(Base):
    """A further address of a contact. Unique per account together with the contacts' main
    addresses (crm.contacts.services checks both): one address, one person."""

    __tablename__ = "contact_emails"
    __table_args__ = (
        UniqueConstraint("account_id", "email_key"),
        Index("ix_contact_emails_contact_id", "contact_id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
