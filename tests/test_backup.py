"""An artist's data is theirs: one zip holds all of it, loads back into an empty account
field for field (on the other database engine too), and a damaged, changed or foreign
file restores nothing."""

from __future__ import annotations

import datetime as dt
import difflib
import html
import io
import json
import re
import shutil
import zipfile
from contextlib import contextmanager

import pytest
import vobject
from sqlalchemy import select

from config import TestConfig
from crm import create_app
from crm.backup.archive import (
    CONTACT_HEADER,
    TABLE_PARTS,
    AccountNotEmpty,
    NotABackup,
    restore_backup,
    write_backup,
)
from crm.contacts import changes
from crm.contacts.fields import clean_contact
from crm.contacts.services import ContactFilters, create_contact
from crm.db import upgrade
from crm.models import (
    ChangeKind,
    Contact,
    ContactChange,
    ContactChangeItem,
    ContactImport,
    ContactNote,
    Direction,
    EmailTemplate,
    FollowUpKind,
    ImportFile,
    MessageKind,
    PitchMessage,
    PitchStatus,
    Role,
    SavedView,
    TagKind,
)
from crm.pitches.services import create_pitch
from tests.conftest import POSTGRES_URL, _truncate_postgres
from tests.objects import one_of_everything

TEXT = "Zoë «Ünïcødé» 東京 ✓ =SUM(A1)"


def fill(session, user):
    """One account with every kind of object, unicode everywhere."""
    objects = one_of_everything(session, user, TEXT, email="zoe@tokyo.example")
    account = user.account
    rich = create_contact(
        session,
        account,
        clean_contact(
            {
                "first_name": "Ana María", "last_name": "Okafor", "email": "ana@bluebird.example",
                "other_emails": "ana@home.example; a.okafor@uni.example",
                "phone": "+44 7700 900123", "role": "ar", "company": "Bluebird Records",
                "title": "Head of A&R", "city": "London", "country": "United Kingdom",
                "genres": "Indie; Folk", "tags": "priority", "website": "https://ana.example",
                "instagram": "@ana", "twitter": "@ana_x", "tiktok": "@ana_t",
                "linkedin": "https://linkedin.com/in/ana", "notes": "Line one\nLine two",
                "do_not_contact": "false",
            }
        ).values,
    )  # fmt: skip
    for status in PitchStatus:
        pitch = create_pitch(
            session, account, user, rich, release=objects["release"],
            template=objects["template"], subject=f"{status} {TEXT}", body=TEXT,
            status=PitchStatus.SENT if status != PitchStatus.DRAFT else PitchStatus.DRAFT,
        )  # fmt: skip
        pitch.status = status
        pitch.message_id = f"<{status}@stagedoor.test>"
    objects["follow_up"].kind = FollowUpKind.EMAIL
    objects["follow_up"].template_id = objects["template"].id
    session.add(
        PitchMessage(
            account_id=account.id, pitch_id=objects["pitch"].id, direction=Direction.IN,
            kind=MessageKind.REPLY, sender="zoe@tokyo.example", recipient=user.email,
            subject=f"Re: {TEXT}", message_id="<reply@tokyo.example>",
            at=dt.datetime(2026, 11, 3, 10, 30, tzinfo=dt.UTC), text=f"Love it — {TEXT}",
        )
    )  # fmt: skip
    # The contact list's journal: a role set, a tag added, and a contact deleted with its note.
    gone = create_contact(
        session, account, clean_contact({"first_name": f"Gone {TEXT}", "email": "gone@x.example",
                                         "notes": f"Met at {TEXT}"}).values,
    )  # fmt: skip
    session.add(ContactNote(account_id=account.id, contact_id=gone.id, body=f"Call {TEXT}",
                            author_id=user.id))  # fmt: skip
    session.flush()
    changes.set_role(session, account, user, ContactFilters(ids=(rich.id,)), Role.MANAGER)
    changes.add_label(session, account, user, ContactFilters(ids=(rich.id,)), TagKind.TAG, TEXT)
    changes.delete_contacts(session, account, user, ContactFilters(ids=(gone.id,)))
    account.cadence_steps = [3, 7, 14]
    account.artist_name = "The Night Owls ✓"
    session.commit()
    return objects


def snapshot(session, account) -> dict[str, list]:
    """Every object of the account as comparable rows: ids and foreign keys replaced by
    the position of the row they name, times compared as instants."""
    session.expire_all()
    out: dict[str, list] = {}
    order: dict[str, dict[int, int]] = {}
    contacts = session.scalars(
        select(Contact).where(Contact.account_id == account.id).order_by(Contact.id)
    ).all()
    order["contacts"] = {c.id: i for i, c in enumerate(contacts)}
    out["contacts"] = [
        (c.full_name, c.emails, c.phone, c.role, c.role_inferred, c.company and c.company.name,
         c.title, c.city, c.country, c.genres, c.tags, c.website, c.instagram, c.twitter,
         c.tiktok, c.linkedin, c.notes, c.do_not_contact, c.email_status, c.last_contacted_at,
         c.created_at, c.updated_at, c.sort_name, c.search_text)
        for c in contacts
    ]  # fmt: skip
    for part in TABLE_PARTS:
        table = part.table
        rows = session.execute(
            select(table).where(table.c.account_id == account.id).order_by(table.c.id)
        ).all()
        order[table.name] = {row.id: i for i, row in enumerate(rows)}
        kept = [c.name for c in part.columns if c.name not in ("id", "author_id")]
        out[table.name] = [
            tuple(
                order[part.refers[name]].get(getattr(row, name))
                if name in part.refers and getattr(row, name) is not None
                else getattr(row, name)
                for name in kept
            )
            for row in rows
        ]
    journal = session.scalars(
        select(ContactChange)
        .where(ContactChange.account_id == account.id)
        .order_by(ContactChange.id)
    ).all()
    out["contact_changes"] = [
        (c.kind, c.summary, c.details, c.count, c.created_at, c.undone_at, [
            (None if c.kind == ChangeKind.DELETE else order["contacts"][i.contact_id],
             {**i.before, "notes": [{**n, "author_id": None} for n in i.before["notes"]]}
             if c.kind == ChangeKind.DELETE else i.before)
            for i in session.scalars(
                select(ContactChangeItem).where(ContactChangeItem.change_id == c.id)
                .order_by(ContactChangeItem.id)
            )
        ])
        for c in journal
    ]  # fmt: skip
    assert len(out["contact_changes"]) == 4, "the filled account has bulk changes"
    out["account"] = [(account.artist_name, account.timezone, account.cadence_steps)]
    out["saved_views"] = [
        (v.name, v.filters, v.created_at)
        for v in session.scalars(
            select(SavedView).where(SavedView.account_id == account.id).order_by(SavedView.id)
        )
    ]
    assert out["saved_views"], "the filled account has a saved view"
    return out


@contextmanager
def other_instance(app, database_url: str, tmp_path):
    """A fresh instance on the other engine: PostgreSQL beside SQLite, and the reverse."""
    if database_url.startswith("sqlite"):
        other_url = POSTGRES_URL
        _truncate_postgres(other_url)
    else:
        other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
        upgrade(other_url)
    other = create_app(TestConfig(other_url))
    other.test_client_class = app.test_client_class
    try:
        yield other
    finally:
        other.extensions["crm.db"].kw["bind"].dispose()


def backup_bytes(session, account) -> bytes:
    buffer = io.BytesIO()
    write_backup(session, account, buffer)
    return buffer.getvalue()


def test_a_full_account_comes_back_field_for_field(session, user, make_user):
    fill(session, user)
    data = backup_bytes(session, user.account)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "stagedoor-backup" and manifest["version"] == 1
    assert set(manifest["files"]) == {
        "contacts.csv", "companies.csv", "releases.csv", "templates.json", "pitches.csv",
        "follow_ups.csv", "notes.csv", "threads.json", "imports.json", "changes.json",
        "settings.json", "contacts.vcf",
    }  # fmt: skip
    assert manifest["counts"]["contacts"] == 4
    header = archive.read("contacts.csv").decode().splitlines()[0].split(",")
    assert header == CONTACT_HEADER
    everything = b"".join(archive.read(n) for n in archive.namelist()).decode()
    assert "password" not in everything.replace("password_", "")
    assert user.password_hash not in everything

    fresh = make_user("restored@example.com")
    restored = restore_backup(session, fresh.account, fresh, io.BytesIO(data))
    session.commit()
    assert restored.counts["contacts"] == 4
    assert snapshot(session, fresh.account) == snapshot(session, user.account)

    # The fresh account's starter templates gave way to the backup's (not doubled).
    def names(account_id):
        return session.scalars(
            select(EmailTemplate.name)
            .where(EmailTemplate.account_id == account_id)
            .order_by(EmailTemplate.id)
        ).all()

    assert names(fresh.account_id) == names(user.account_id)


def test_the_restored_journal_still_undoes_its_changes(session, user, make_user):
    fill(session, user)
    data = backup_bytes(session, user.account)
    fresh = make_user("restored@example.com")
    restore_backup(session, fresh.account, fresh, io.BytesIO(data))
    session.commit()
    journal = changes.recent_changes(session, fresh.account)
    deleted, labelled, role_set, _everyone_labelled = journal
    assert changes.undo_change(session, fresh.account, deleted) == 1
    back = session.scalar(
        select(Contact).where(Contact.account_id == fresh.account_id,
                              Contact.first_name == f"Gone {TEXT}")
    )  # fmt: skip
    assert back is not None and back.emails == ["gone@x.example"]
    notes = session.scalars(select(ContactNote).where(ContactNote.contact_id == back.id)).all()
    assert [(n.body, n.author_id) for n in notes] == [(f"Call {TEXT}", fresh.id)]
    assert changes.undo_change(session, fresh.account, labelled) == 1
    assert changes.undo_change(session, fresh.account, role_set) == 1
    session.expire_all()
    ana = session.scalar(
        select(Contact).where(Contact.account_id == fresh.account_id, Contact.last_name == "Okafor")
    )
    assert ana.role == Role.AR and TEXT not in ana.tags


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_a_backup_moves_between_sqlite_and_postgresql(app, session, user, tmp_path, database_url):
    """Backed up on one engine, restored on the other, and back."""
    fill(session, user)
    data = backup_bytes(session, user.account)
    expected = snapshot(session, user.account)
    from crm.accounts.services import create_user

    with (
        other_instance(app, database_url, tmp_path) as other,
        other.extensions["crm.db"]() as there,
    ):
        artist = create_user(there, email="moved@example.com", password="pw-123456789")
        there.commit()
        restore_backup(there, artist.account, artist, io.BytesIO(data))
        there.commit()
        assert snapshot(there, artist.account) == expected
        back = backup_bytes(there, artist.account)
    fresh = create_user(session, email="back@example.com", password="pw-123456789")
    session.commit()
    restore_backup(session, fresh.account, fresh, io.BytesIO(back))
    session.commit()
    assert snapshot(session, fresh.account) == expected


def _rezip(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def test_damaged_changed_and_foreign_files_restore_nothing(session, user, make_user, tmp_path):
    fill(session, user)
    data = backup_bytes(session, user.account)
    newer = _rezip(
        data,
        lambda n, c: (
            json.dumps({**json.loads(c), "version": 99}).encode() if n == "manifest.json" else c
        ),
    )
    cases = {
        "truncated": (data[: len(data) // 2], "not a readable zip"),
        "not a zip": (b"first_name,email\nAna,a@b.example\n", "not a readable zip"),
        "tampered": (
            _rezip(data, lambda n, c: c.replace(b"Okafor", b"Ozaki") if n == "contacts.csv" else c),
            "does not match the checksum",
        ),
        "foreign zip": (
            _rezip(data, lambda n, c: None if n == "manifest.json" else c),
            "no manifest.json",
        ),
        "missing file": (
            _rezip(data, lambda n, c: None if n == "pitches.csv" else c),
            "pitches.csv is missing",
        ),
        "newer format": (newer, "format version 99"),
    }
    fresh = make_user("restored@example.com")
    for name, (content, message) in cases.items():
        with pytest.raises(NotABackup, match=message):
            restore_backup(session, fresh.account, fresh, io.BytesIO(content))
        session.rollback()
        count = session.scalar(
            select(Contact.id).where(Contact.account_id == fresh.account_id).limit(1)
        )
        assert count is None, name
    # An account that already has contacts is refused.
    with pytest.raises(AccountNotEmpty):
        restore_backup(session, user.account, user, io.BytesIO(data))
    session.rollback()


def test_the_cli_backs_up_and_restores_and_refuses_with_exit_1(runner, session, user, tmp_path):
    fill(session, user)
    path = tmp_path / "backup.zip"
    result = runner.invoke(args=["backup", str(path), "--user", user.email])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["restore", str(path), "--user", user.email])
    assert result.exit_code == 1 and "already has contacts" in result.output
    from crm.accounts.services import create_user

    create_user(session, email="fresh@example.com", password="pw-123456789")
    session.commit()
    result = runner.invoke(args=["restore", str(path), "--user", "fresh@example.com"])
    assert result.exit_code == 0, result.output
    assert "contacts 4" in result.output
    broken = tmp_path / "broken.zip"
    shutil.copy(path, broken)
    broken.write_bytes(path.read_bytes()[:1000])
    create_user(session, email="third@example.com", password="pw-123456789")
    session.commit()
    result = runner.invoke(args=["restore", str(broken), "--user", "third@example.com"])
    assert result.exit_code == 1


def test_download_everything_and_restore_on_the_pages(logged_in, session, user, app, make_user):
    fill(session, user)
    page = logged_in.get("/account/settings").get_data(as_text=True)
    assert "Download everything" in page
    response = logged_in.get("/account/backup.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = response.get_data()
    # The API streams the same zip.
    from crm.accounts.tokens import create_token

    _token, plain = create_token(session, user, "backup")
    session.commit()
    api = app.test_client().get("/api/v1/backup", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(api.get_data())).namelist() == (
        zipfile.ZipFile(io.BytesIO(data)).namelist()
    )
    # Restoring into this (full) account is refused on the page.
    refused = logged_in.submit(
        "/account/restore",
        {"file": (io.BytesIO(data), "backup.zip")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "already has contacts" in refused.get_data(as_text=True)
    other = make_user("second@example.com")
    from tests.conftest import log_in

    second = log_in(app, other)
    done = second.submit(
        "/account/restore",
        {"file": (io.BytesIO(data), "backup.zip")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    listing = second.get("/contacts/").get_data(as_text=True)
    assert "Okafor" in listing


def test_contacts_as_vcard_and_back(logged_in, api, session, user):
    fill(session, user)
    text = api.get("/api/v1/contacts/export.vcf").get_data(as_text=True)
    found = list(vobject.readComponents(text))
    assert len(found) == 4 and all(c.version.value == "4.0" for c in found)
    ana = next(c for c in found if c.fn.value == "Ana María Okafor")
    assert [e.value for e in ana.contents["email"]] == [
        "ana@bluebird.example", "ana@home.example", "a.okafor@uni.example",
    ]  # fmt: skip
    assert ana.org.value == ["Bluebird Records"] and ana.title.value == "Head of A&R"
    assert logged_in.get("/account/contacts.vcf").get_data(as_text=True) == text


def test_erasing_an_account_leaves_no_row_of_it_anywhere(app, session, make_user, tmp_path):
    from sqlalchemy import func, text

    from crm.db import Base
    from tests.conftest import PASSWORD, log_in

    artist = make_user("leaving@example.com")
    fill(session, artist)
    neighbour = make_user("staying@example.com")
    fill(session, neighbour)
    record = session.scalar(
        select(ContactImport).where(ContactImport.account_id == artist.account_id)
    )
    session.add(ImportFile(import_id=record.id, data=b"Name\nAna\n"))  # a pending upload
    session.commit()
    upload_id = record.id
    account_id, user_id = artist.account_id, artist.id

    client = log_in(app, artist)
    wrong = client.submit(
        "/account/delete", {"password": "not it", "confirmation": "leaving@example.com"}
    )
    assert wrong.status_code == 422 and "not your password" in wrong.get_data(as_text=True)
    mistyped = client.submit("/account/delete", {"password": PASSWORD, "confirmation": "leaving"})
    assert "Type leaving@example.com to confirm" in mistyped.get_data(as_text=True)
    done = client.submit(
        "/account/delete", {"password": PASSWORD, "confirmation": "Leaving@Example.com"}
    )
    assert done.status_code == 302
    assert "have been deleted" in client.get(done.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(ImportFile, upload_id) is None

    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for column, value in (("account_id", account_id), ("user_id", user_id)):
            if column in table.c:
                left = session.scalar(
                    select(func.count()).select_from(table).where(table.c[column] == value)
                )
                assert left == 0, f"{table.name} keeps rows of the erased account"
    # Rows that hang off the account's contacts, pitches and imports went with them.
    for name in ("contact_tags", "import_changes", "import_row_errors"):
        assert session.scalar(text(f"SELECT count(*) FROM {name}")) > 0  # the neighbour's
    assert session.scalar(select(func.count()).select_from(Contact)) == 4  # the neighbour's
    assert session.get(type(artist), user_id) is None
    # The account is gone: its login no longer works.
    assert client.get("/contacts/").status_code == 302


def test_a_version_1_backup_kept_from_its_day_still_restores(session, make_user):
    """tests/fixtures/backup/version-1.zip was written by format 1 and is never rewritten:
    as the format grows, this old file must keep restoring."""
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "backup" / "version-1.zip"
    fresh = make_user("later@example.com")
    restored = restore_backup(session, fresh.account, fresh, str(fixture))
    session.commit()
    assert restored.counts["contacts"] == 4 and restored.counts["pitches"] == 2
    ana = session.scalar(select(Contact).where(Contact.email == "ana@v1.example"))
    assert ana.account_id == fresh.account_id
    assert ana.other_emails == ["ana@home.example"] and ana.tags == ["priority"]
    assert fresh.account.artist_name == "Version One"


def test_our_vcard_export_imports_back(api, session, user, make_user):
    from crm.imports.services import import_now

    fill(session, user)
    card = api.get("/api/v1/contacts/export.vcf").get_data()
    other = make_user("cards@example.com")
    _record, summary = import_now(session, other.account, other, "book.vcf", card)
    session.commit()
    assert (summary.created, summary.rejected) == (4, 0)
    ana = session.scalar(
        select(Contact).where(
            Contact.account_id == other.account_id, Contact.email == "ana@bluebird.example"
        )
    )
    assert ana.other_emails == ["ana@home.example", "a.okafor@uni.example"]
    assert (ana.first_name, ana.last_name, ana.title) == ("Ana María", "Okafor", "Head of A&R")
    assert ana.company.name == "Bluebird Records" and ana.phone == "+44 7700 900123"
    assert ana.notes == "Line one\nLine two" and ana.tags == ["Folk", "Indie", "priority", TEXT]
    assert ana.instagram == "@ana" and ana.linkedin == "https://linkedin.com/in/ana"


def _page_text(client, path: str, *emails: str) -> str:
    """What a page shows, as text: tags, the CSRF token and the users' addresses left out
    (the two instances' ids differ, and so do their users' logins), and the settings
    page's list of where one is logged in (login sessions are never in a backup)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    page = response.get_data(as_text=True)
    page = re.sub(r'id="sessions".*?</ul>', " ", page, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for email in emails:
        text = text.replace(email, "")
    return " ".join(text.split())


def _paths(session, account) -> list[str]:
    """Every list page, and the first, middle and last object's own page of each kind."""
    from crm.models import Company, FollowUp, Pitch, Release

    paths = ["/", "/contacts/", "/contacts/?sort=company", "/contacts/?role=curator",
             "/contacts/changes", "/companies/", "/pitches/", "/pitches/board",
             "/pitches/?due=week", "/releases/", "/templates/", "/imports/",
             "/account/settings", "/reminders/settings"]  # fmt: skip
    kinds = [("/contacts/", Contact), ("/companies/", Company), ("/pitches/", Pitch),
             ("/releases/", Release), ("/templates/", EmailTemplate),
             ("/follow-ups/", FollowUp)]  # fmt: skip
    for prefix, model in kinds:
        ids = session.scalars(
            select(model.id).where(model.account_id == account.id).order_by(model.id)
        ).all()
        assert ids, model
        paths += [f"{prefix}{ids[i]}" for i in sorted({0, len(ids) // 2, len(ids) - 1})]
    return paths


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_the_demo_account_moved_to_the_other_engine_shows_the_same_pages(
    app, session, user, logged_in, tmp_path, database_url
):
    """As a new user would: the demo account backed up from the settings page, restored
    with the CLI into a fresh instance on the other engine, and every page reads the same."""
    from crm.accounts.services import create_user
    from crm.demo.data import load_demo
    from crm.demo.outreach import load_demo_outreach
    from tests.conftest import PASSWORD, log_in

    load_demo(session, user.account, 400)
    load_demo_outreach(session, user.account, user)
    session.commit()
    backup = logged_in.get("/account/backup.zip")
    assert backup.status_code == 200
    path = tmp_path / "robin-backup.zip"
    path.write_bytes(backup.get_data())

    with other_instance(app, database_url, tmp_path) as other:
        with other.extensions["crm.db"]() as there:
            moved = create_user(there, email="robin@team.example", password=PASSWORD,
                                name=user.name)  # fmt: skip
            there.commit()
            result = other.test_cli_runner().invoke(
                args=["restore", str(path), "--user", moved.email]
            )
            assert result.exit_code == 0, result.output
            client = log_in(other, moved)
            for here_path, there_path in zip(
                _paths(session, user.account), _paths(there, moved.account), strict=True
            ):
                logins = (user.email, moved.email)
                here = _page_text(logged_in, here_path, *logins).split()
                there_words = _page_text(client, there_path, *logins).split()
                changed = [
                    (" ".join(here[a:b]), " ".join(there_words[c:d]))
                    for op, a, b, c, d in difflib.SequenceMatcher(
                        None, here, there_words, autojunk=False
                    ).get_opcodes()
                    if op != "equal"
                ]
                assert not changed, (here_path, changed)
