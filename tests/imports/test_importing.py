"""An artist brings in their address book: every good row in, every bad row back with a
reason, duplicates merged, nothing lost, and the whole import undoable."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from crm.contacts.services import (
    SEARCHED_FIELDS,
    ContactFilters,
    contact_values,
    derived_fields,
    search_contacts,
    values_of,
)
from crm.imports.engine import run_import
from crm.imports.helper import cleaned_rows
from crm.imports.mapping import auto_mapping
from crm.imports.reading import open_csv
from crm.imports.services import import_now
from crm.models import Company, Contact, ContactImport, ImportStatus, Tag

SHEET = (
    "Name,E-mail,Label,Position,IG,Genre(s),Notes\r\n"
    "Ana Okafor,ana@bluebird.example,Bluebird Records,A&R Manager,@ana,Indie; Folk,Met at TGE\r\n"
    '"Okafor, Ben",BEN@harbor.example,Harbor Touring,Agent,,,\r\n'
    ",,,,,,\r\n"
    "Bad Email,not-an-email,,,,,\r\n"
    "Ana Okafor,ana@bluebird.example,Bluebird Records,A&R Manager,@ana,Indie; Folk,Met at TGE\r\n"
    "No Email Person,,,,,,\r\n"
)


def run(session, user, text: str, **kwargs):
    record, summary = import_now(session, user.account, user, "sheet.csv", text.encode(), **kwargs)
    session.commit()
    return record, summary


def contacts(session, user) -> dict[str, Contact]:
    session.expire_all()
    found = session.scalars(select(Contact).where(Contact.account_id == user.account_id))
    return {c.email or c.full_name: c for c in found}


def test_a_messy_sheet_imports_its_good_rows_and_reports_the_bad(session, user):
    record, summary = run(session, user, SHEET)
    assert (summary.created, summary.updated, summary.skipped, summary.rejected) == (3, 0, 2, 1)
    assert [(e.row_number, e.message) for e in summary.errors] == [
        (5, "email: An email address must have an @-sign.")
    ]
    book = contacts(session, user)
    ana = book["ana@bluebird.example"]
    assert (ana.first_name, ana.last_name, ana.title) == ("Ana", "Okafor", "A&R Manager")
    assert ana.company.name == "Bluebird Records" and ana.genres == ["Folk", "Indie"]
    assert ana.instagram == "@ana" and ana.notes == "Met at TGE"
    assert book["BEN@harbor.example"].first_name == "Ben"
    assert "No Email Person" in book
    assert (record.created, record.rejected, record.status) == (3, 1, ImportStatus.DONE)


def test_updating_merges_and_never_erases(session, user, make_contact):
    make_contact(
        user.account,
        first_name="Ana",
        last_name="Okafor",
        email="ana@bluebird.example",
        phone="+44 7700 900123",
        genres="Jazz",
        tags="priority",
        notes="Old note",
        city="London",
    )
    text = (
        "email,first_name,last_name,phone,city,genres,tags,notes,title\r\n"
        "ANA@Bluebird.example,Ana,,,Leeds,Indie,,New note,Head of A&R\r\n"
    )
    _record, summary = run(session, user, text)
    assert (summary.created, summary.updated) == (0, 1)
    ana = contacts(session, user)["ana@bluebird.example"]
    assert ana.last_name == "Okafor" and ana.phone == "+44 7700 900123"  # empty cells kept
    assert ana.city == "Leeds" and ana.title == "Head of A&R"  # filled cells win
    assert ana.genres == ["Indie", "Jazz"] and ana.tags == ["priority"]  # added
    assert ana.notes == "Old note\n\nNew note"  # appended


def test_an_import_compares_rows_with_the_contacts_as_stored(session, user, make_contact):
    """Updates are decided on values read in bulk: they must be the contact's own."""
    full = make_contact(
        user.account,
        first_name="Ana",
        last_name="Okafor",
        email="Ana@Bluebird.example",
        role="ar",
        company="Bluebird Records",
        genres="Jazz; Indie",
        tags="priority; festival",
        do_not_contact=True,
        notes="Met at TGE",
    )
    bare = make_contact(user.account, first_name="Ben")
    stored = values_of(session, user.account, [full.id, bare.id])
    assert stored == {c.id: contact_values(c) for c in (full, bare)}
    assert stored[full.id]["genres"] == ["Indie", "Jazz"]


def test_imported_contacts_sort_and_search_as_if_typed_in(session, user, make_contact):
    """Sort and search fields are worked out while rows are cleaned, from the names in the
    file: they must be what the contact page would work out from the stored contact."""
    make_contact(user.account, first_name="Existing", company="Bluebird Records")
    text = (
        "Name,Email,Company,Notes\r\n"
        "Zoë Ångström,zoe@x.example,BLUEBIRD   records,Met at TGE\r\n"
        "Ben Lee,,Harbor Touring,\r\n"
        "Ben Lee,ben@x.example,,\r\n"
        ",ben@x.example,,Second note\r\n"  # merges into the row above
    )
    run(session, user, text)
    for contact in contacts(session, user).values():
        values = {name: getattr(contact, name) for name in SEARCHED_FIELDS}
        values |= {"other_emails": contact.other_emails, "tags": [t.name for t in contact.labels]}
        derived = derived_fields(values, contact.company.name if contact.company else "")
        assert derived == {name: getattr(contact, name) for name in derived}, contact.email
    assert found_by(session, user, "angstrom bluebird") == ["zoe@x.example"]
    assert found_by(session, user, "second note") == ["ben@x.example"]


def found_by(session, user, q: str) -> list[str]:
    return [c.email for c in search_contacts(session, user.account, ContactFilters(q=q)).items]


def test_importing_the_same_file_twice_changes_nothing(session, user):
    run(session, user, SHEET)
    _record, summary = run(session, user, SHEET)
    assert (summary.created, summary.updated, summary.rejected) == (1, 0, 1)  # the email-less row
    assert summary.skipped == 4


def test_a_dry_run_writes_nothing(session, user):
    record, summary = run(session, user, SHEET, dry_run=True)
    assert record is None and summary.created == 3
    assert session.scalar(select(func.count(Contact.id))) == 0


def test_undo_removes_what_was_created_and_restores_what_changed(session, user, make_contact):
    make_contact(
        user.account, first_name="Ana", email="ana@bluebird.example", city="London", tags="priority"
    )
    record, _summary = run(
        session,
        user,
        SHEET
        + "Cleo,cleo@x.example,,,,,\r\n".replace(
            "Cleo,cleo@x.example", "Cleo Zimmer,cleo@x.example"
        ),
    )
    ana = contacts(session, user)["ana@bluebird.example"]
    assert ana.company is not None and ana.genres
    from crm.imports.engine import undo_import

    removed, restored = undo_import(session, user.account, session.get(ContactImport, record.id))
    session.commit()
    book = contacts(session, user)
    assert (removed, restored) == (3, 1)
    assert set(book) == {"ana@bluebird.example"}
    ana = book["ana@bluebird.example"]
    assert (ana.first_name, ana.last_name, ana.city, ana.company, ana.genres, ana.tags) == (
        "Ana",
        "",
        "London",
        None,
        [],
        ["priority"],
    )
    assert session.scalar(select(func.count(Company.id))) == 0  # Bluebird came with the import
    assert set(session.scalars(select(Tag.name))) == {"priority"}
    assert session.get(ContactImport, record.id).status == ImportStatus.UNDONE


def test_an_import_never_touches_another_account(session, user, make_user, make_contact):
    other = make_user("other@example.com")
    theirs = make_contact(other.account, first_name="Theirs", email="ana@bluebird.example")
    run(session, user, SHEET)
    session.expire_all()
    assert session.get(Contact, theirs.id).first_name == "Theirs"
    assert (
        session.scalar(select(func.count(Contact.id)).where(Contact.account_id == other.account_id))
        == 1
    )


def test_formula_cells_survive_a_round_trip(session, user, make_contact):
    from crm.imports.export import export_rows

    make_contact(
        user.account,
        first_name='=HYPERLINK("x")',
        last_name="-minus",
        notes="@mention +plus",
        email="f@x.example",
    )
    rows = list(export_rows(session, user.account))
    assert rows[0][0] == '\'=HYPERLINK("x")' and rows[0][1] == "'-minus"
    assert rows[0][16] == "'@mention +plus"


# --- through the web --------------------------------------------------------------------


def upload(client, text: str | bytes, name="contacts.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.submit(
        "/imports/", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_web_import_upload_map_preview_and_run(logged_in, session, user):
    response = upload(logged_in, SHEET)
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    page = logged_in.get(mapping_url).get_data(as_text=True)
    assert "Check the columns of contacts.csv" in page
    assert 'value="instagram" selected' in page
    assert "3</span> new" in page and "1</span> rejected" in page
    # The user ignores the Notes column, then imports.
    choices = {
        f"column-{i}": f
        for i, f in enumerate(["full_name", "email", "company", "title", "instagram", "genres", ""])
    }
    response = logged_in.submit(mapping_url, {**choices, "action": "run"})
    assert response.status_code == 302
    result = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "3</span> new" in result and "Rejected rows" in result and "@-sign" in result
    ana = contacts(session, user)["ana@bluebird.example"]
    assert ana.notes == ""  # the ignored column
    record_id = session.scalar(select(ContactImport.id))
    errors = logged_in.get(f"/imports/{record_id}/errors.csv").get_data(as_text=True)
    assert errors.lstrip("\ufeff").splitlines() == [
        "Name,E-mail,Label,Position,IG,Genre(s),Notes,error",
        "Bad Email,not-an-email,,,,,,email: An email address must have an @-sign.",
    ]


def test_a_web_import_loaded_in_bulk(logged_in, session, user, monkeypatch):
    """Large files load in bulk (on SQLite: indexes built after the load); here a small one
    does, through the upload page, to prove the page's path."""
    monkeypatch.setattr("crm.bulk.REBUILD_FROM_ROWS", 1)
    indexes = "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
    sqlite = session.bind.dialect.name == "sqlite"
    before = session.scalar(text(indexes)) if sqlite else None
    mapping_url = upload(logged_in, SHEET).headers["Location"]
    fields = ["full_name", "email", "company", "title", "instagram", "genres", "notes"]
    choices = {f"column-{i}": field for i, field in enumerate(fields)}
    response = logged_in.submit(mapping_url, {**choices, "action": "run"})
    result = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "3</span> new" in result
    assert found_by(session, user, "bluebird") == ["ana@bluebird.example"]
    if sqlite:
        session.rollback()
        assert session.scalar(text(indexes)) == before


def test_web_mapping_can_be_saved_and_is_reused(logged_in, session):
    text = "Who,Reach\r\nAna Okafor,ana@x.example\r\n"
    first = upload(logged_in, text).headers["Location"]
    page = logged_in.get(first).get_data(as_text=True)
    assert "No column holds a name or an email" in page
    response = logged_in.submit(
        first,
        {"column-0": "full_name", "column-1": "email", "name": "My sheet", "action": "preview"},
    )
    assert "1</span> new" in response.get_data(as_text=True)
    second = upload(logged_in, text).headers["Location"]
    page = logged_in.get(second).get_data(as_text=True)
    assert 'value="full_name" selected' in page and 'value="email" selected' in page


def test_web_refuses_an_unreadable_file_and_writes_nothing(logged_in, session):
    response = upload(logged_in, b"\x00\x01\x02\x03binary", "photo.png")
    assert response.status_code == 422
    assert "photo.png: This looks like a binary file" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(ContactImport.id))) == 0


def test_web_undo(logged_in, session, user):
    mapping_url = upload(logged_in, SHEET).headers["Location"]
    result_url = logged_in.submit(
        mapping_url,
        {
            f"column-{i}": f
            for i, f in enumerate(
                ["full_name", "email", "company", "title", "instagram", "genres", "notes"]
            )
        }
        | {"action": "run"},
    ).headers["Location"]
    record_id = int(result_url.rstrip("/").split("/")[-1])
    assert logged_in.submit(f"/imports/{record_id}/undo").status_code == 302
    assert contacts(session, user) == {}
    assert "This import was undone" in logged_in.get(result_url).get_data(as_text=True)


def test_oversized_uploads_are_refused_clearly(app, logged_in):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(logged_in, "email\r\n" + "x@x.example\r\n" * 200)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_export_of_a_filtered_list(logged_in, make_contact, user):
    make_contact(user.account, first_name="Ana", role="ar", email="ana@x.example")
    make_contact(user.account, first_name="Ben", role="press", email="ben@x.example")
    response = logged_in.get("/contacts/export.csv?role=ar")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufefffirst_name,last_name,email,")
    assert "ana@x.example" in body and "ben@x.example" not in body


# --- through the CLI and the API ------------------------------------------------------


def test_cli_import_and_export(runner, user, session, tmp_path):
    source = tmp_path / "book.csv"
    source.write_text(SHEET, encoding="utf-8")
    result = runner.invoke(args=["contacts", "import", str(source), "--user", user.email])
    assert result.exit_code == 0, result.output
    assert "created 3, updated 0, skipped 2, errors 1" in result.output
    errors = (tmp_path / "book.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "not-an-email" in errors and "@-sign" in errors
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["contacts", "export", str(out), "--user", user.email])
    assert result.exit_code == 0 and "Exported 3 contacts" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbffirst_name,")


def test_cli_dry_run_and_refused_file(runner, user, session, tmp_path):
    source = tmp_path / "book.csv"
    source.write_text(SHEET, encoding="utf-8")
    result = runner.invoke(
        args=["contacts", "import", str(source), "--user", user.email, "--dry-run"]
    )
    assert result.exit_code == 0 and "created 3" in result.output
    assert session.scalar(select(func.count(Contact.id))) == 0
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(args=["contacts", "import", str(empty), "--user", user.email])
    assert result.exit_code == 1 and "empty" in result.output
    nothing = tmp_path / "cities.csv"
    nothing.write_text("city,country\r\nLeeds,UK\r\n")
    result = runner.invoke(args=["contacts", "import", str(nothing), "--user", user.email])
    assert result.exit_code == 1 and "No column holds a name or an email" in result.output


def test_api_import_dry_run_and_export(api, session):
    files = {"file": (io.BytesIO(SHEET.encode()), "sheet.csv")}
    response = api.post(
        "/api/v1/contacts/import",
        data={**files, "dry_run": "true"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "created": 3,
        "updated": 0,
        "skipped": 2,
        "errors": [{"row": 5, "message": "email: An email address must have an @-sign."}],
    }
    assert session.scalar(select(func.count(Contact.id))) == 0
    files = {"file": (io.BytesIO(SHEET.encode()), "sheet.csv")}
    assert (
        api.post(
            "/api/v1/contacts/import", data=files, content_type="multipart/form-data"
        ).get_json()["created"]
        == 3
    )
    export = api.get("/api/v1/contacts/export.csv")
    assert export.mimetype == "text/csv" and "ana@bluebird.example" in export.get_data(as_text=True)


def test_api_refuses_an_unreadable_file(api):
    files = {"file": (io.BytesIO(b""), "empty.csv")}
    response = api.post("/api/v1/contacts/import", data=files, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["fields"]["file"] == ["The file is empty."]


@pytest.mark.slow
def test_a_10_mb_file_imports(session, user):
    line = "Person {i},person{i}@bulk.example,Label {c},Agent,London,UK,Indie; Folk,{note}\r\n"
    note = "x" * 60
    parts = ["Name,Email,Company,Title,City,Country,Genres,Notes\r\n"]
    size, i = 0, 0
    while size < 10 * 1024 * 1024:
        parts.append(line.format(i=i, c=i % 500, note=note))
        size += len(parts[-1])
        i += 1
    _record, summary = run(session, user, "".join(parts))
    assert summary.created == i and summary.rejected == 0
    # Loaded in bulk (indexes rebuilt after, search index filled by chunks): all found.
    assert found_by(session, user, f"person{i - 1}@bulk") == [f"person{i - 1}@bulk.example"]
    assert found_by(session, user, "person499@") == ["person499@bulk.example"]


def test_people_named_again_chunks_later_are_updated_not_added_twice(
    session, user, make_contact, tmp_path
):
    """A file is planned a chunk at a time and who has an address is asked of the
    database, where the earlier chunks are written: a person who comes back 2,000 rows
    later, by either address, is the same contact, and a dry run counts the same."""
    known = make_contact(user.account, first_name="Kim", email="kim@old.example")
    session.commit()
    rows = [f"P{i},p{i}@x.example,,\r\n" for i in range(2500)]
    # Kim gets a second address in the first chunk and is named by it in the third.
    rows[10] = "Kim,kim@old.example,kim@new.example,\r\n"
    rows[2100] = "Kim,kim@new.example,,Booker at Harbor\r\n"
    # A person of the first chunk comes back by a second address, with their first one.
    rows[2200] = "P5 again,p5-home@x.example,p5@x.example,\r\n"
    rows[2300] = "P7,p7@x.example,,Met at Eurosonic\r\n"
    path = tmp_path / "address-book.csv"
    path.write_text("Name,Email,E-mail 2,Notes\r\n" + "".join(rows), encoding="utf-8")

    _none, dry = import_now(session, user.account, user, path.name, path, dry_run=True)
    session.rollback()
    _record, real = import_now(session, user.account, user, path.name, path)
    session.commit()

    assert (real.created, real.updated, real.rejected) == (2496, 4, 0)
    assert (dry.created, dry.updated, dry.rejected) == (real.created, real.updated, 0)
    by_email = contacts(session, user)
    assert session.scalar(select(func.count(Contact.id))) == 2497
    kim = by_email["kim@old.example"]
    assert kim.id == known.id and kim.other_emails == ["kim@new.example"]
    assert kim.notes == "Booker at Harbor"
    assert by_email["p5@x.example"].other_emails == ["p5-home@x.example"]
    assert by_email["p7@x.example"].notes == "Met at Eurosonic"


@pytest.mark.slow
def test_a_helper_process_cleans_large_files_to_the_same_result(session, user):
    """Files from about 20,000 rows are cleaned in a second process; the outcome is the
    same row for row, rejected rows and merges included."""
    text = (
        "Name,Email,Genres,Notes\r\n"
        + "".join(f"P{i},p{i % 2500}@x.example,Folk,n{i}\r\n" for i in range(3000))
        + "Bad Row,not-an-email,,\r\n\r\n"
    )
    csv_file = open_csv(text.encode())
    mapping = auto_mapping(csv_file.header)
    inline = run_import(session, user.account, csv_file, mapping, dry_run=True, helper=False)
    helped = run_import(session, user.account, csv_file, mapping, dry_run=True, helper=True)
    assert (inline.created, inline.updated, inline.skipped, inline.rejected) == (2500, 500, 1, 1)
    assert (helped.created, helped.updated, helped.skipped, helped.rejected) == (
        inline.created, inline.updated, inline.skipped, inline.rejected,
    )  # fmt: skip
    assert [e.message for e in helped.errors] == [e.message for e in inline.errors]
    # Row for row, with the helper cleaning every chunk (no head start here).
    assert list(cleaned_rows(csv_file, mapping, helper=True, head_start=False)) == list(
        cleaned_rows(csv_file, mapping, helper=False)
    )


ROOT = Path(__file__).resolve().parents[2]
HELPER_SCRIPT = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from crm.imports.helper import _die_with

if __name__ == "__main__":
    pool = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"),
        initializer=_die_with, initargs=(os.getpid(),),
    )
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(60)
"""


@pytest.mark.slow  # a real process killed and waited for: five seconds
def test_the_cleaning_helper_dies_with_a_killed_web_worker(tmp_path):
    """A gunicorn worker killed mid-import (kill -9) never shuts its pool down."""
    script = tmp_path / "worker.py"
    script.write_text(HELPER_SCRIPT)
    worker = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    helper = int(worker.stdout.readline())
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(helper, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(helper, signal.SIGKILL)
    raise AssertionError("the helper outlived its worker by 10 s")
