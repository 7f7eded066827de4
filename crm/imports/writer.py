"""Writing an import's planned rows: new contacts, their tag links and the undo log in
bulk statements (ids reserved first), updates through the ORM, rejected rows recorded."""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from crm.bulk import insert_rows, reserve_ids
from crm.contacts.fields import PLAIN_FIELDS, email_key
from crm.contacts.search import insert_contacts
from crm.contacts.services import Resolver, apply_values, values_of
from crm.db import table_of, utcnow
from crm.imports.rules import RowResult, merge, new_contact_fields
from crm.models import (
    Account,
    ChangeAction,
    Contact,
    ContactEmail,
    ContactImport,
    ImportChange,
    ImportRowError,
    TagKind,
    contact_tags,
)
from crm.scope import owned_among

# What an import inserts into, row by row.
WRITTEN_TABLES = ("contacts", "contact_tags", "contact_emails", "import_changes")
# What the planner must keep knowing the size of while an import writes: those tables and
# the companies and tags it looks up by name (a real address book brings a new company
# for every two or three people: planned on an empty table's statistics, looking up a
# chunk's 400 names scanned every company of the account for each of them).
ANALYZED_TABLES = (*WRITTEN_TABLES, "companies", "tags")


# A new contact's row, as Writer.create builds it: its own fields (blank where the file had
# nothing), then what is worked out for it, in this order.
_BLANK = {name: "" for name in PLAIN_FIELDS} | {
    "email": None,
    "role": None,
    "do_not_contact": False,
    "role_inferred": False,
}


_DERIVED_FIELDS = ("sort_name", "company_key", "search_text")  # what derived_fields gives


_plain = itemgetter(*PLAIN_FIELDS, "role_inferred")


_derived_values = itemgetter(*_DERIVED_FIELDS)


_CREATED_COLUMNS = (
    *PLAIN_FIELDS,
    "role_inferred",
    *_DERIVED_FIELDS,
    "email_key",
    "company_id",
    "account_id",
    "created_at",
    "updated_at",
    "id",
)


class Writer:
    """Writes planned rows in chunks: bulk inserts for new contacts, the ORM for updates."""

    def __init__(self, session: Session, account: Account, record: ContactImport):
        self.session, self.account, self.record = session, account, record
        self.resolver = Resolver(session, account)

    def create(self, rows: list[RowResult]) -> list[int]:
        if not rows:
            return []
        now = utcnow()
        account_id = self.account.id
        # This transaction holds SQLite's write lock since it wrote the import record.
        ids = reserve_ids(self.session.connection(), table_of(Contact), len(rows))
        self.resolver.companies(r.values["company"] for r in rows if r.values.get("company"))
        records, labels = [], []
        for row, contact_id in zip(rows, ids, strict=True):
            v = row.values
            company = self.resolver.company(v.get("company", ""))
            derived = row.derived or new_contact_fields(v, company.name if company else "")
            records.append(
                (
                    *_plain({**_BLANK, **v}),
                    *_derived_values(derived),
                    email_key(v.get("email")),
                    company.id if company else None,
                    account_id,
                    now,
                    now,
                    contact_id,
                )
            )
            labels.append(
                self.resolver.tags(TagKind.GENRE, v.get("genres", []))
                + self.resolver.tags(TagKind.TAG, v.get("tags", []))
            )
        self.session.flush()  # new companies and tags get their ids
        # Core statements on the session's connection: the ORM's bulk path costs more per
        # row than SQLite's insert itself.
        connection = self.session.connection()
        insert_contacts(connection, _CREATED_COLUMNS, records)
        links = [
            (contact_id, tag.id)
            for contact_id, tags in zip(ids, labels, strict=True)
            for tag in tags
        ]
        insert_rows(connection, contact_tags, ("contact_id", "tag_id"), links)
        further = [
            (account_id, contact_id, position, email, email_key(email))
            for row, contact_id in zip(rows, ids, strict=True)
            for position, email in enumerate(row.values.get("other_emails", ()))
        ]
        insert_rows(
            connection,
            table_of(ContactEmail),
            ("account_id", "contact_id", "position", "email", "email_key"),
            further,
        )
        import_id = self.record.id
        insert_rows(
            connection,
            table_of(ImportChange),
            ("import_id", "contact_id", "action"),
            [(import_id, i, ChangeAction.CREATED) for i in ids],
        )
        return list(ids)

    def update(self, rows: list[RowResult]) -> list[RowResult]:
        """Merge rows into their contacts; returns the rows that turned out to change nothing."""
        if not rows:
            return []
        by_id = {r.contact_id: r for r in rows if r.contact_id is not None}
        # Compared on plain rows: most rows of a re-imported sheet change nothing, and only
        # the contacts that do change are loaded as objects.
        unchanged, changed = [], {}
        for contact_id, before in values_of(self.session, self.account, list(by_id)).items():
            row = by_id[contact_id]
            changes = merge(before, row.values)
            changes.pop("email", None)  # matched by email: keep the contact's spelling
            if changes:
                changed[contact_id] = before, changes
            else:
                unchanged.append(row)
        if not changed:
            return unchanged
        contacts = self.session.scalars(
            select(Contact)
            .where(owned_among(Contact, self.account, changed))
            .options(selectinload(Contact.labels), selectinload(Contact.company))
        ).all()
        self.resolver.companies(c["company"] for _b, c in changed.values() if c.get("company"))
        changes_rows = []
        for contact in contacts:
            before, changes = changed[contact.id]
            apply_values(self.session, self.account, contact, changes, self.resolver)
            changes_rows.append(
                {
                    "import_id": self.record.id,
                    "contact_id": contact.id,
                    "action": ChangeAction.UPDATED,
                    "before": {name: _jsonable(before[name]) for name in changes},
                }
            )
        if changes_rows:
            self.session.execute(insert(ImportChange), changes_rows)
        return unchanged

    def reject(self, rows: list[RowResult]) -> None:
        if rows:
            self.session.execute(
                insert(ImportRowError),
                [
                    {
                        "import_id": self.record.id,
                        "row_number": r.row_number,
                        "cells": r.cells,
                        "message": r.message,
                    }
                    for r in rows
                ],
            )


def _jsonable(value: object) -> object:
    return value.value if hasattr(value, "value") else value
