"""Imports: each CSV file brought in, what it did (so it can be undone), its rejected rows,
and the column mappings an account has saved."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import UTC, Base, created_at, intpk
from crm.models.contacts import _str_enum


class ImportStatus(enum.StrEnum):
    PENDING = "pending"  # uploaded, waiting for the user to check the mapping
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNDONE = "undone"


class ChangeAction(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"


class ContactImport(Base):
    __tablename__ = "contact_imports"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(255))
    # Before round 2: where the uploaded file waited on one host's disk. Unused since the
    # file waits in the database (ImportFile), which every web process of a team can read.
    stored_path: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[ImportStatus] = mapped_column(
        _str_enum(ImportStatus), default=ImportStatus.PENDING
    )
    encoding: Mapped[str] = mapped_column(String(30), default="")
    delimiter: Mapped[str] = mapped_column(String(2), default=",")
    header: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[list] = mapped_column(JSON, default=list)
    # The role the user chose for the rows that neither state nor suggest one (a Role value).
    default_role: Mapped[str | None] = mapped_column(String(20))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTC)
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTC)

    errors: Mapped[list[ImportRowError]] = relationship(
        order_by="ImportRowError.row_number", cascade="all, delete-orphan", passive_deletes=True
    )


class ImportRowError(Base):
    """A row the import rejected, kept to be downloaded, fixed and imported again."""

    __tablename__ = "import_row_errors"

    id: Mapped[intpk]
    import_id: Mapped[int] = mapped_column(
        ForeignKey("contact_imports.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    cells: Mapped[list] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text)


class ImportChange(Base):
    """What an import did to one contact: made it, or changed these fields (`before` holds
    their earlier values, for undo)."""

    __tablename__ = "import_changes"

    id: Mapped[intpk]
    import_id: Mapped[int] = mapped_column(
        ForeignKey("contact_imports.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[ChangeAction] = mapped_column(_str_enum(ChangeAction, 10))
    before: Mapped[dict | None] = mapped_column(JSON)


class ImportMapping(Base):
    """A column mapping the user saved by name, keyed by folded header."""

    __tablename__ = "import_mappings"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    columns: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[created_at]


class ImportFile(Base):
    """An uploaded file waiting for its mapping to be checked, kept in the database so that
    whichever web process serves the next step (a team runs several, on several hosts) has
    it. Removed once the import has run, failed or been cancelled."""

    __tablename__ = "import_files"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("contact_imports.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportProgress(Base):
    """How far a running web import has come, on PostgreSQL: written on a connection of
    its own, outside the import's transaction (see crm.imports.progress)."""

    __tablename__ = "import_progress"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("contact_imports.id", ondelete="CASCADE"), primary_key=True
    )
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime] = mapped_column(UTC)
