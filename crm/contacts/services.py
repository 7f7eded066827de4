"""The contact book's business logic: create, update, search and delete contacts and their
companies. Plain functions of (session, account, ...); the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Row, Select, delete, exists, false, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm.bulk import among, in_batches, insert_returning, which_of
from crm.contacts.fields import PLAIN_FIELDS, email_key
from crm.contacts.search import ContactTextMatch, best_first, matches_few
from crm.db import rows_changed, utcnow
from crm.models import (
    Account,
    Company,
    CompanyKind,
    Contact,
    ContactEmail,
    ContactNote,
    EmailStatus,
    Pitch,
    Role,
    Tag,
    TagKind,
    User,
    contact_tags,
)
from crm.models.contacts import shown_name, shown_place
from crm.pagination import (
    COMMON_MATCHES,
    Page,
    SeekPage,
    SortKey,
    bounded_count,
    paginate,
    seek,
)
from crm.scope import account_check, owned, owned_among, owned_by
from crm.text import fold, like_pattern, search_text

SORTS = {
    "name": "Name",
    "company": "Company",
    "updated": "Last updated",
}


class DuplicateEmail(ValueError):
    """Another contact of the account already has this email address."""

    def __init__(self, existing: Contact | None):
        who = existing.display_name if existing is not None else "Another contact"
        super().__init__(f"{who} already has this email address.")
        self.existing = existing


@contextmanager
def _unique_emails() -> Iterator[None]:
    """The check before a save finds an address already taken; two saves of one address at
    the same moment both pass it, and the database's unique index stops the second. That
    one is told the same thing (its transaction is spent: the caller rolls it back)."""
    try:
        yield
    except IntegrityError as exc:
        if "email_key" not in str(exc.orig):
            raise
        raise DuplicateEmail(None) from None


@dataclass
class ContactFilters:
    q: str = ""
    role: Role | None = None
    tag: str = ""
    genre: str = ""
    country: str = ""
    company_id: int | None = None
    never_contacted: bool = False
    without_role: bool = False
    role_guessed: bool = False  # roles an import guessed and no one has confirmed
    sort: str = "name"
    # The contacts ticked in the list, when the user ticked some (a bulk action's selection).
    ids: tuple[int, ...] = ()

    def active(self) -> dict[str, object]:
        """The filters that narrow the list (for links that keep them, and for export)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("sort", "ids") and getattr(self, f.name) not in (None, "", False)
        }


@dataclass(frozen=True)
class LabelSize:
    """A tag or genre the list is filtered by, found before the list's query: its id (None
    when the account has no such label) and how many contacts carry it, counted up to
    crm.pagination.COUNT_LIMIT."""

    id: int | None
    count: int = 0
    more: bool = False

    @property
    def common(self) -> bool:
        return self.count >= COMMON_MATCHES


def label_sizes(session: Session, account: Account, filters: ContactFilters) -> dict:
    """The filter's labels by kind, each with its id and size (see LabelSize): two small
    queries a label, from the tags' and contact_tags' indexes alone."""
    sizes: dict[TagKind, LabelSize] = {}
    for kind, name in ((TagKind.TAG, filters.tag), (TagKind.GENRE, filters.genre)):
        if not name:
            continue
        tag_id = session.scalar(
            select(Tag.id).where(owned_by(Tag, account), Tag.kind == kind, Tag.key == fold(name))
        )
        if tag_id is None:
            sizes[kind] = LabelSize(None)
            continue
        count, more = bounded_count(
            session, select(contact_tags.c.contact_id).where(contact_tags.c.tag_id == tag_id)
        )
        sizes[kind] = LabelSize(tag_id, count, more)
    return sizes


def _only_label(filters: ContactFilters, sizes: dict) -> LabelSize | None:
    """The filter's one label when it is all the filter asks: then the list's count is the
    label's (a label and its contacts are always of one account)."""
    others = [name for name in filters.active() if name not in ("tag", "genre")]
    if len(sizes) != 1 or others or filters.ids:
        return None
    return next(iter(sizes.values()))


def contact_query(
    account: Account,
    filters: ContactFilters,
    *,
    few_matches: bool = False,
    labels: dict | None = None,
    first_rows: bool = False,
) -> Select[tuple[Contact]]:
    """The filtered list's query. `few_matches`: the text search matches few contacts (see
    `matches_few`), so the account is checked on each match rather than used to walk the
    account's contacts. `labels`: the filter's labels already found (label_sizes); without
    them, each is looked up by name within the query. `first_rows`: only the first rows in
    list order are read (a page), so a common label is tested on each contact walked in
    that order; otherwise every match is (a count, an export), found from the label's."""
    if few_matches:
        stmt = select(Contact).where(account_check(Contact, account))
    else:
        stmt = owned(Contact, account)
    if filters.q.strip():
        stmt = stmt.where(ContactTextMatch(Contact.search_text, filters.q))
    if filters.ids:
        stmt = stmt.where(Contact.id.in_(filters.ids))
    if filters.role:
        stmt = stmt.where(Contact.role == filters.role)
    if filters.country:
        stmt = stmt.where(Contact.country == filters.country)
    if filters.company_id:
        stmt = stmt.where(Contact.company_id == filters.company_id)
    if filters.never_contacted:
        stmt = stmt.where(Contact.last_contacted_at.is_(None))
    if filters.without_role:
        stmt = stmt.where(Contact.role.is_(None))
    if filters.role_guessed:
        stmt = stmt.where(Contact.role_inferred.is_(True))
    for kind, name in ((TagKind.TAG, filters.tag), (TagKind.GENRE, filters.genre)):
        if labels is not None and kind in labels:
            stmt = stmt.where(_carries(labels[kind], walking=first_rows))
        elif name:
            tagged = (
                select(contact_tags.c.contact_id)
                .join(Tag, Tag.id == contact_tags.c.tag_id)
                .where(owned_by(Tag, account), Tag.kind == kind, Tag.key == fold(name))
            )
            stmt = stmt.where(Contact.id.in_(tagged))
    return stmt.order_by(*(_ordered(key) for key in sort_keys(filters)))


def _carries(label: LabelSize, *, walking: bool):
    if label.id is None:
        return false()
    if walking and label.common:
        return exists().where(
            contact_tags.c.contact_id == Contact.id, contact_tags.c.tag_id == label.id
        )
    return Contact.id.in_(
        select(contact_tags.c.contact_id).where(contact_tags.c.tag_id == label.id)
    )


def sort_keys(filters: ContactFilters) -> list[SortKey]:
    """The list's order for its sort, term by term (the same terms find a page's start)."""
    by_name = [SortKey(Contact.sort_name), SortKey(Contact.id)]
    if filters.sort == "company":
        # Matches the expression index ix_contacts_account_id_company_order: no company last.
        return [
            SortKey(Contact.company_key.is_(None)),
            SortKey(Contact.company_key, nullable=True),
            *by_name,
        ]
    if filters.sort == "updated":
        return [
            SortKey(Contact.updated_at, descending=True, parse=dt.datetime.fromisoformat),
            SortKey(Contact.id, descending=True),
        ]
    if filters.q.strip():
        # Searching: the contact whose name or address was typed comes first.
        return [SortKey(best_first(filters.q)), *by_name]
    return by_name


def _ordered(key: SortKey):
    return key.expression.desc() if key.descending else key.expression.asc()


def listing(session: Session, account: Account, filters: ContactFilters) -> Select[tuple[Contact]]:
    """The list's query as a page of it runs: found from the search's matches when they are
    few (see `matches_few`), with each contact's company and labels."""
    few = bool(filters.q.strip()) and matches_few(session, filters.q)
    return contact_query(account, filters, few_matches=few).options(
        selectinload(Contact.company), selectinload(Contact.labels)
    )


def search_contacts(
    session: Session, account: Account, filters: ContactFilters, page: int = 1, per_page: int = 50
) -> Page[Contact]:
    return paginate(session, listing(session, account, filters), page, per_page)


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A contact as a line of the list shows it: plain values read with the page's rows
    and its labels from one more query. Fifty ORM contacts, each with its company, labels
    and further addresses, cost more than the page's SQL (benchmarks/contacts_list.py)."""

    id: int
    display_name: str
    title: str
    email: str | None
    role: Role | None
    role_inferred: bool
    do_not_contact: bool
    location: str
    company_id: int | None
    company_name: str | None
    genres: list[str]
    tags: list[str]


# The columns a ContactRow is made of; the company's name is a subquery of each row rather
# than a join, so the page's bounded count still reads the contacts alone.
ROW_COLUMNS = (
    Contact.id, Contact.first_name, Contact.last_name, Contact.email, Contact.title,
    Contact.role, Contact.role_inferred, Contact.do_not_contact, Contact.city,
    Contact.country, Contact.company_id,
    select(Company.name).where(Company.id == Contact.company_id).scalar_subquery(),
)  # fmt: skip


def labels_of(session: Session, contact_ids: list[int]) -> dict[int, dict[TagKind, list[str]]]:
    """The tags and genres of these contacts, each list in the order the contact page
    shows them (by folded name), in one query."""
    found: dict[int, dict[TagKind, list[str]]] = {}
    if not contact_ids:
        return found
    for contact_id, kind, name in session.execute(
        select(contact_tags.c.contact_id, Tag.kind, Tag.name)
        .join(Tag, Tag.id == contact_tags.c.tag_id)
        .where(contact_tags.c.contact_id.in_(contact_ids))
        .order_by(Tag.key)
    ):
        found.setdefault(contact_id, {TagKind.TAG: [], TagKind.GENRE: []})[kind].append(name)
    return found


def browse_contacts(
    session: Session,
    account: Account,
    filters: ContactFilters,
    *,
    cursor: str | None = None,
    backwards: bool = False,
    number: int = 1,
    per_page: int = 50,
) -> SeekPage[ContactRow]:
    """A page of the contact list, found from where the last one ended (see
    crm.pagination.seek), so the 500th page costs what the first does."""
    few = bool(filters.q.strip()) and matches_few(session, filters.q)
    labels = label_sizes(session, account, filters)
    stmt = contact_query(
        account, filters, few_matches=few, labels=labels, first_rows=True
    ).with_only_columns(*ROW_COLUMNS, maintain_column_froms=True)
    only = _only_label(filters, labels)
    if only is not None:
        counted = (only.count, only.more)
    else:
        counted = bounded_count(
            session, contact_query(account, filters, few_matches=few, labels=labels)
        )
    page = seek(
        session, stmt, sort_keys(filters), cursor=cursor, backwards=backwards, number=number,
        per_page=per_page, counted=counted,
    )  # fmt: skip
    names = labels_of(session, [row[0] for row in page.items])
    none: dict[TagKind, list[str]] = {TagKind.TAG: [], TagKind.GENRE: []}
    page.items = [
        ContactRow(
            id=id_, display_name=shown_name(first, last, email, id_), title=title,
            email=email, role=role, role_inferred=inferred, do_not_contact=dnc,
            location=shown_place(city, country), company_id=company_id, company_name=company,
            genres=names.get(id_, none)[TagKind.GENRE], tags=names.get(id_, none)[TagKind.TAG],
        )
        for id_, first, last, email, title, role, inferred, dnc, city, country, company_id,
        company, *_sort_values in page.items
    ]  # fmt: skip
    return page


# A picker shows this many contacts for what was typed: enough to see the one meant.
LOOKUP_LIMIT = 20


def lookup_contacts(
    session: Session, account: Account, q: str, *, pitchable: bool = False
) -> list[Contact]:
    """The contacts a picker offers for what was typed (three letters of a city will do),
    best first; with `pitchable`, only those who may be pitched (not "do not contact")."""
    filters = ContactFilters(q=q)
    if not filters.q.strip():
        return []
    stmt = listing(session, account, filters)
    if pitchable:
        stmt = stmt.where(Contact.do_not_contact.is_(False))
    return list(session.scalars(stmt.limit(LOOKUP_LIMIT)))


def set_roles(
    session: Session, account: Account, filters: ContactFilters, role: Role | None
) -> int:
    """Give every contact of the filtered list a role (or, with None, confirm the role each
    has: a guess becomes a stated role). One statement, however long the list; returns how
    many contacts it changed."""
    ids = contact_query(account, filters).order_by(None).with_only_columns(Contact.id)
    values: dict[str, object] = {"role_inferred": False, "updated_at": utcnow()}
    if role is not None:
        values["role"] = role
    result = session.execute(
        update(Contact)
        .where(owned_by(Contact, account), Contact.id.in_(ids.scalar_subquery()))
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def filter_choices(session: Session, account: Account) -> dict[str, list[str]]:
    """The values the list can be filtered by: the account's tags, genres and countries."""
    tags = session.execute(
        select(Tag.kind, Tag.name).where(owned_by(Tag, account)).order_by(Tag.key)
    ).all()
    # A loose index scan: one index seek per distinct country instead of reading every
    # contact (the GROUP BY alternative), so the menu costs the same at 100 or 100,000.
    countries = session.scalars(
        text(
            """
            WITH RECURSIVE seen(country) AS (
                SELECT MIN(country) FROM contacts WHERE account_id = :account AND country > ''
                UNION ALL
                SELECT (SELECT MIN(country) FROM contacts
                        WHERE account_id = :account AND country > seen.country)
                FROM seen WHERE seen.country IS NOT NULL
            )
            SELECT country FROM seen WHERE country IS NOT NULL
            """
        ),
        {"account": account.id},
    ).all()
    return {
        "tags": [name for kind, name in tags if kind == TagKind.TAG],
        "genres": [name for kind, name in tags if kind == TagKind.GENRE],
        "countries": list(countries),
    }


def find_by_email(
    session: Session, account: Account, email: str | None, exclude_id: int | None = None
) -> Contact | None:
    """The contact with this address, main or further one (case-insensitive)."""
    return find_by_emails(session, account, [email] if email else [], exclude_id)


def contacts_addresses(session: Session, account: Account, emails: Iterable[str]) -> set[str]:
    """Which of these addresses (as keys) are a contact's, main or further one, asked of a
    whole batch of the inbox at once."""
    return which_of(
        session,
        map(email_key, emails),
        lambda keys: select(Contact.email_key).where(
            owned_by(Contact, account), among(session, Contact.email_key, keys)
        ),
        lambda keys: select(ContactEmail.email_key).where(
            owned_by(ContactEmail, account), among(session, ContactEmail.email_key, keys)
        ),
    )


def _having_an_address(account: Account, keys: list[str]):
    """The account's contacts with one of these address keys, as main or further one."""
    further = select(ContactEmail.contact_id).where(
        owned_by(ContactEmail, account), ContactEmail.email_key.in_(keys)
    )
    return owned(Contact, account).where(Contact.email_key.in_(keys) | Contact.id.in_(further))


def find_by_emails(
    session: Session, account: Account, emails: list[str], exclude_id: int | None = None
) -> Contact | None:
    """A contact having any of these addresses, as its main or a further one."""
    keys = [key for key in (email_key(e) for e in emails) if key]
    if not keys:
        return None
    stmt = _having_an_address(account, keys)
    if exclude_id is not None:
        stmt = stmt.where(Contact.id != exclude_id)
    return session.scalar(stmt.limit(1))


def contact_for_each_email(session: Session, account: Account, emails: list[str]) -> list[Contact]:
    """The contacts these addresses belong to (main or further ones), each once, in the
    order of the addresses; an address of nobody's is left out."""
    keys = list(dict.fromkeys(key for key in (email_key(e) for e in emails) if key))
    if not keys:
        return []
    found = session.scalars(_having_an_address(account, keys)).all()
    rank = {key: n for n, key in enumerate(keys)}

    def first_address(contact: Contact) -> int:
        addresses = [email_key(e) for e in contact.emails]
        return min((rank[a] for a in addresses if a in rank), default=len(rank))

    return sorted(found, key=first_address)


def email_owners(session: Session, account: Account, keys: Iterable[str]) -> dict[str, int]:
    """Which contacts have these addresses (as keys), main or further: asked for a chunk of
    an import's rows at once, never for every address of the account, so an import's memory
    does not grow with the account or the file."""
    owners: dict[str, int] = {}
    for batch in in_batches(session, keys):
        further = select(ContactEmail.email_key, ContactEmail.contact_id).where(
            owned_by(ContactEmail, account), among(session, ContactEmail.email_key, batch)
        )
        main = select(Contact.email_key, Contact.id).where(
            owned_by(Contact, account), among(session, Contact.email_key, batch)
        )
        for query in (further, main):  # the main address wins over a further one
            owners.update((key, contact_id) for key, contact_id in session.execute(query) if key)
    return owners


# How many companies a Resolver remembers at most: an import of a million rows names some
# 400,000 of them (most people work somewhere of their own), too many to keep.
REMEMBERED_COMPANIES = 20_000


class Resolver:
    """Finds (or creates) an account's companies and tags by name, remembering what it has
    seen: one query per new name instead of one per contact in a bulk import."""

    def __init__(self, session: Session, account: Account):
        self.session, self.account = session, account
        self._companies: dict[str, Company] = {}
        self._tags: dict[tuple[TagKind, str], Tag] = {}
        # By the names exactly as given: an import names the same few again and again.
        self._company_names: dict[str, Company | None] = {}
        self._tag_lists: dict[tuple[TagKind, tuple[str, ...]], list[Tag]] = {}

    def companies(self, names: Iterable[str]) -> None:
        """Resolve many names at once, creating the new companies: one query for the names
        not seen yet and one multi-row insert returning the new ones, instead of a round
        trip per name (a real address book has a company for every two people)."""
        if len(self._companies) > REMEMBERED_COMPANIES:
            # Forgotten between two chunks of a large import, so that its memory stays flat.
            self._companies.clear()
            self._company_names.clear()
        wanted: dict[str, str] = {}
        for name in names:
            if name in self._company_names:
                continue
            clean = " ".join(name.split())
            key = fold(clean)
            if key and key not in self._companies:
                wanted.setdefault(key, clean)
        if not wanted:
            return
        keys = list(wanted)
        found: list[Company] = []
        for batch in in_batches(self.session, keys):
            found += self.session.scalars(
                owned(Company, self.account).where(among(self.session, Company.key, batch))
            ).all()
        for company in found:
            self._companies[company.key] = company
        new = [
            {"account_id": self.account.id, "name": wanted[key], "key": key}
            for key in keys
            if key not in self._companies
        ]
        if not new:
            return
        now = utcnow()
        created = insert_returning(
            self.session, Company, [{**row, "created_at": now, "updated_at": now} for row in new]
        )
        for company in created:
            self._companies[company.key] = company

    def company(self, name: str) -> Company | None:
        """The company of that name (case- and accent-insensitive), created if new."""
        if name not in self._company_names:
            self._company_names[name] = self._company(name)
        return self._company_names[name]

    def _company(self, name: str) -> Company | None:
        name = " ".join(name.split())
        if not name:
            return None
        key = fold(name)
        if key not in self._companies:
            company = self.session.scalar(owned(Company, self.account).where(Company.key == key))
            if company is None:
                company = Company(account_id=self.account.id, name=name, key=key)
                self.session.add(company)
                self.session.flush()
            self._companies[key] = company
        return self._companies[key]

    def tags(self, kind: TagKind, names: list[str]) -> list[Tag]:
        if not names:
            return []
        given = (kind, tuple(names))
        if given not in self._tag_lists:
            self._tag_lists[given] = self._find_tags(kind, names)
        return self._tag_lists[given]

    def _find_tags(self, kind: TagKind, names: list[str]) -> list[Tag]:
        wanted = {fold(n): n for n in names}
        missing = [key for key in wanted if (kind, key) not in self._tags]
        if missing:
            for tag in self.session.scalars(
                select(Tag).where(
                    owned_by(Tag, self.account), Tag.kind == kind, Tag.key.in_(missing)
                )
            ):
                self._tags[(kind, tag.key)] = tag
            for key in missing:
                if (kind, key) not in self._tags:
                    tag = Tag(account_id=self.account.id, kind=kind, name=wanted[key], key=key)
                    self.session.add(tag)
                    self._tags[(kind, key)] = tag
        return [self._tags[(kind, key)] for key in wanted]

    def forget_tags(self) -> None:
        """After tags may have been pruned, look them up again."""
        self._tags.clear()
        self._tag_lists.clear()


# A contact's own fields that its search matches, besides its company's name and its tags
# and genres: name, every address, title, where they are, and the notes.
SEARCHED_FIELDS = ("first_name", "last_name", "email", "title", "city", "country", "notes")


def derived_fields(values: Mapping[str, Any], company: str) -> dict[str, str | None]:
    """What the list sorts and searches on, from a contact's own values (as clean_contact
    gives them: lists for other_emails, tags and genres) and its company's name."""
    first, last, email = (values.get(k) or "" for k in ("first_name", "last_name", "email"))
    name = " ".join(p for p in (last, first) if p)
    # Tags and genres in one order however they were given (a form, a file, the database).
    labels = sorted(chain(values.get("tags") or (), values.get("genres") or ()), key=fold)
    return {
        "sort_name": fold(name or email)[:220],
        "company_key": fold(company) or None,
        "search_text": search_text(
            *(values.get(k) or "" for k in SEARCHED_FIELDS),
            *(values.get("other_emails") or ()),
            company,
            *labels,
        ),
    }


def refresh_derived(contact: Contact) -> None:
    company = contact.company.name if contact.company else ""
    values: dict[str, Any] = {name: getattr(contact, name) for name in SEARCHED_FIELDS}
    values["other_emails"] = contact.other_emails
    values["tags"] = [t.name for t in contact.labels]  # genres too: both are searched
    for name, value in derived_fields(values, company).items():
        setattr(contact, name, value)


def apply_values(
    session: Session,
    account: Account,
    contact: Contact,
    values: dict,
    resolver: Resolver | None = None,
) -> None:
    """Write cleaned values (see crm.contacts.fields.clean_contact) onto a contact."""
    with session.no_autoflush:
        _apply_values(session, account, contact, values, resolver or Resolver(session, account))


def _apply_values(
    session: Session, account: Account, contact: Contact, values: dict, resolver: Resolver
) -> None:
    added = [values.get("email"), *values.get("other_emails", [])]
    duplicate = find_by_emails(session, account, [e for e in added if e], exclude_id=contact.id)
    if duplicate is not None:
        raise DuplicateEmail(duplicate)
    for name in PLAIN_FIELDS:
        if name in values:
            # contact_values' "" for no role (an import's undo puts those values back).
            setattr(contact, name, (values[name] or None) if name == "role" else values[name])
    if "email" in values:
        if email_key(values["email"]) != contact.email_key:
            contact.email_status = EmailStatus.OK  # a corrected address is tried again
        contact.email_key = email_key(values["email"])
    if "other_emails" in values or "email" in values:
        others = values.get("other_emails", contact.other_emails)
        others = [e for e in others if email_key(e) != contact.email_key]
        _set_other_emails(contact, account, others)
    if "role" in values:
        # A person setting the role (form, API) confirms it; only an import guesses.
        contact.role_inferred = bool(values.get("role_inferred")) and values["role"] is not None
    if "company" in values:
        contact.company = resolver.company(values["company"])
    for kind, name in ((TagKind.GENRE, "genres"), (TagKind.TAG, "tags")):
        if name in values:
            before = {t.id for t in contact.labels if t.kind == kind and t.id is not None}
            others = [t for t in contact.labels if t.kind != kind]
            contact.labels = others + resolver.tags(kind, values[name])
            dropped = before - {t.id for t in contact.labels}
            if dropped:
                prune_tags(session, account, dropped)
                resolver.forget_tags()
    refresh_derived(contact)
    contact.updated_at = utcnow()


def _set_other_emails(contact: Contact, account: Account, emails: list[str]) -> None:
    """Replace the further addresses, keeping the rows of those that stay (so the unique
    index never sees an address deleted and inserted again in one flush)."""
    kept = {a.email_key: a for a in contact.other_addresses}
    rows = []
    for position, email in enumerate(emails):
        key = email_key(email) or ""
        row = kept.get(key) or ContactEmail(account_id=account.id, email_key=key)
        row.email, row.position = email, position
        rows.append(row)
    contact.other_addresses = rows


def create_contact(
    session: Session, account: Account, values: dict, resolver: Resolver | None = None
) -> Contact:
    contact = Contact(account_id=account.id, labels=[])
    session.add(contact)
    apply_values(session, account, contact, values, resolver)
    with _unique_emails():
        session.flush()
    return contact


def update_contact(session: Session, account: Account, contact: Contact, values: dict) -> Contact:
    apply_values(session, account, contact, values)
    with _unique_emails():
        session.flush()
    return contact


def delete_contact(session: Session, account: Account, contact: Contact) -> None:
    tag_ids = {t.id for t in contact.labels}
    session.delete(contact)
    prune_tags(session, account, tag_ids)


NOTE_MAX_LENGTH = 5000


class NoteError(ValueError):
    """A note that cannot be saved, with the reason for the user."""


def add_note(
    session: Session,
    account: Account,
    contact: Contact,
    body: str,
    *,
    author: User | None = None,
    pitch: Pitch | None = None,
    now: dt.datetime | None = None,
) -> ContactNote:
    """A dated note in the contact's timeline."""
    body = (body or "").strip()
    if not body:
        raise NoteError("Write the note first.")
    if len(body) > NOTE_MAX_LENGTH:
        raise NoteError(f"A note holds at most {NOTE_MAX_LENGTH:,} characters ({len(body):,}).")
    note = ContactNote(
        account_id=account.id,
        contact_id=contact.id,
        body=body,
        author=author,
        pitch_id=pitch.id if pitch else None,
        created_at=now or utcnow(),
    )
    session.add(note)
    session.flush()
    return note


def contact_values(contact: Contact) -> dict[str, object]:
    """A contact as the clean values it was made from (for forms, export and the API)."""
    values: dict[str, object] = {name: getattr(contact, name) for name in PLAIN_FIELDS}
    values["email"] = contact.email or ""
    values["role"] = contact.role.value if contact.role else ""
    values["company"] = contact.company.name if contact.company else ""
    values["genres"] = contact.genres
    values["tags"] = contact.tags
    values["other_emails"] = contact.other_emails
    values["role_inferred"] = contact.role_inferred
    return values


def values_of(session: Session, account: Account, ids: list[int]) -> dict[int, dict]:
    """`contact_values` of many contacts by id, read with two plain queries instead of
    loading each contact with its company and labels: a re-import compares 100,000."""
    columns = [getattr(Contact, name) for name in PLAIN_FIELDS]
    found = session.execute(
        select(Contact.id, Company.name, Contact.role_inferred, *columns)
        .outerjoin(Company, Company.id == Contact.company_id)
        .where(owned_among(Contact, account, ids))
    )
    values: dict[int, dict] = {}
    for contact_id, company, role_inferred, *plain in found:
        row = dict(zip(PLAIN_FIELDS, plain, strict=True))
        row.update(
            email=row["email"] or "",
            role=row["role"].value if row["role"] else "",
            company=company or "",
            genres=[],
            tags=[],
            other_emails=[],
            role_inferred=role_inferred,
        )
        values[contact_id] = row
    labels = session.execute(
        select(Tag.key, contact_tags.c.contact_id, Tag.kind, Tag.name)
        .join(Tag, Tag.id == contact_tags.c.tag_id)
        .where(contact_tags.c.contact_id.in_(list(values)))
    ).all()
    for _key, contact_id, kind, name in sorted(labels, key=itemgetter(0)):  # as Contact.tags
        values[contact_id]["genres" if kind == TagKind.GENRE else "tags"].append(name)
    for contact_id, email in session.execute(
        select(ContactEmail.contact_id, ContactEmail.email)
        .where(ContactEmail.contact_id.in_(list(values)))
        .order_by(ContactEmail.contact_id, ContactEmail.position)
    ):
        values[contact_id]["other_emails"].append(email)
    return values


def with_values(
    session: Session, account: Account, stmt: Select, batch: int = 1000
) -> Iterator[tuple[Row, dict]]:
    """Each row of `stmt` (a contact's id first, then any of its columns), in its order,
    with that contact's `contact_values`, read a batch at a time by values_of's plain
    queries: the exports and the backup read every contact, and making ORM objects of
    them was most of their time (benchmarks/backup_restore.py)."""
    for rows in session.execute(stmt.execution_options(yield_per=batch)).partitions():
        values = values_of(session, account, [row[0] for row in rows])
        for row in rows:
            yield row, values[row[0]]


# --- companies ------------------------------------------------------------------------


def list_companies(
    session: Session, account: Account, q: str = "", page: int = 1, per_page: int = 50
) -> Page[tuple[Company, int]]:
    """Companies with how many contacts each has, by name."""
    people = (
        select(Contact.company_id, func.count().label("people"))
        .where(owned_by(Contact, account), Contact.company_id.is_not(None))
        .group_by(Contact.company_id)
        .subquery()
    )
    stmt = (
        select(Company, func.coalesce(people.c.people, 0))
        .outerjoin(people, people.c.company_id == Company.id)
        .where(owned_by(Company, account))
        .order_by(Company.key)
    )
    for word in fold(q).split():
        stmt = stmt.where(Company.key.like(like_pattern(word), escape="\\"))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[tuple(r) for r in rows], total=total, page=page, per_page=per_page)


class DuplicateCompany(ValueError):
    def __init__(self, existing: Company):
        super().__init__(f"There is already a company called {existing.name}.")
        self.existing = existing


def update_company(
    session: Session,
    account: Account,
    company: Company,
    *,
    name: str,
    kind: CompanyKind | None,
    website: str,
    city: str,
    country: str,
    notes: str,
) -> Company:
    key = fold(name)
    clash = session.scalar(
        owned(Company, account).where(Company.key == key, Company.id != company.id)
    )
    if clash is not None:
        raise DuplicateCompany(clash)
    renamed = company.name != name
    company.name, company.key, company.kind = name, key, kind
    company.website, company.city, company.country, company.notes = website, city, country, notes
    session.flush()
    if renamed:
        for contact in session.scalars(
            owned(Contact, account).where(Contact.company_id == company.id)
        ):
            refresh_derived(contact)
    return company


def delete_company(session: Session, account: Account, company: Company) -> None:
    """Delete a company; its people stay, without a company."""
    members = list(session.scalars(owned(Contact, account).where(Contact.company_id == company.id)))
    for contact in members:
        contact.company = None
        refresh_derived(contact)
    session.delete(company)
    session.flush()


def prune_tags(session: Session, account: Account, tag_ids: set[int]) -> None:
    """Drop those tags that no contact carries any more, so filter menus list live values."""
    if not tag_ids:
        return
    session.flush()
    still_used = select(contact_tags.c.tag_id).where(contact_tags.c.tag_id.in_(tag_ids))
    session.execute(
        delete(Tag).where(owned_by(Tag, account), Tag.id.in_(tag_ids), Tag.id.not_in(still_used))
    )
