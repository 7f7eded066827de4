"""A large import writes through the driver and rebuilds indexes after the load: what ends
up in the database must be exactly what the ORM would have written, indexes included."""

import pytest
from sqlalchemy import select, text

from crm.bulk import REBUILD_FROM_ROWS, bulk_load, insert_rows
from crm.contacts.search import search_index_loading
from crm.db import utcnow
from crm.models import Contact, Role

COLUMNS = "first_name, email, role, do_not_contact, created_at, updated_at, sort_name"


def raw_row(session, contact_id: int) -> tuple:
    """The row as stored, below every type conversion."""
    query = text(f"SELECT {COLUMNS} FROM contacts WHERE id = :id")
    return tuple(session.execute(query, {"id": contact_id}).one())


def test_bulk_insert_stores_what_the_orm_stores(session, user):
    by_orm = Contact(
        account_id=user.account_id,
        first_name="Ana",
        email="ana@example.com",
        role=Role.AR,
        do_not_contact=True,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(by_orm)
    session.flush()
    values = {c.name: getattr(by_orm, c.key) for c in Contact.__table__.columns}
    values.update(id=by_orm.id + 1, email_key="other key")
    insert_rows(session.connection(), Contact.__table__, list(values), [tuple(values.values())])
    assert raw_row(session, by_orm.id + 1) == raw_row(session, by_orm.id)
    bulk = session.get(Contact, by_orm.id + 1)
    assert (bulk.role, bulk.do_not_contact, bulk.created_at) == (
        Role.AR, True, by_orm.created_at,
    )  # fmt: skip


def indexes(session, table: str) -> set[str]:
    if session.bind.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    else:
        query = "SELECT indexdef FROM pg_indexes WHERE tablename = :t"
    return set(session.scalars(text(query), {"t": table}))


def test_indexes_dropped_for_a_large_load_come_back_the_same(session, user):
    before = indexes(session, "contacts")
    connection = session.connection()
    cache_size = "PRAGMA cache_size"
    if session.bind.dialect.name == "sqlite":
        cache_before = connection.exec_driver_sql(cache_size).scalar_one()
    with bulk_load(connection, ["contacts"], REBUILD_FROM_ROWS):
        during = indexes(session, "contacts")
    assert indexes(session, "contacts") == before
    if session.bind.dialect.name == "sqlite":
        # Only the unique constraint's index stays during the load.
        assert during == {None}
        assert connection.exec_driver_sql(cache_size).scalar_one() == cache_before
    else:
        assert during == before  # PostgreSQL keeps its indexes: readers need them


def test_small_loads_and_big_tables_keep_their_indexes(session, user, make_contact, monkeypatch):
    before = indexes(session, "contacts")
    with bulk_load(session.connection(), ["contacts"], REBUILD_FROM_ROWS - 1):
        assert indexes(session, "contacts") == before
    # A load smaller than the table it goes into: updating the indexes costs less.
    monkeypatch.setattr("crm.bulk.REBUILD_FROM_ROWS", 1)
    make_contact(user.account, first_name="Already")
    make_contact(user.account, first_name="Here")
    with bulk_load(session.connection(), ["contacts"], 1):
        assert indexes(session, "contacts") == before


def test_a_failed_load_gives_the_indexes_back(session, user):
    before = indexes(session, "contacts")
    with pytest.raises(RuntimeError):
        with bulk_load(session.connection(), ["contacts"], REBUILD_FROM_ROWS):
            raise RuntimeError("disk full")
    session.rollback()
    assert indexes(session, "contacts") == before
    assert session.scalars(select(Contact.id)).all() == []


def test_the_search_index_merges_again_after_a_large_load(session, user):
    def automerge():
        return session.scalar(text("SELECT v FROM contacts_fts_config WHERE k = 'automerge'"))

    if session.bind.dialect.name != "sqlite":
        pytest.skip("FTS5 is SQLite's; PostgreSQL's trigram index has nothing to tune")
    with search_index_loading(session.connection(), REBUILD_FROM_ROWS):
        assert automerge() == 0
    assert automerge() == 4


def test_after_a_large_import_the_planner_knows_how_many_contacts_there_are(session, user):
    """Plans are made on fresh statistics, not on those of the empty table it was."""
    from crm.imports.services import import_now

    rows = "".join(f"Person {n},person{n}@example.com\n" for n in range(1_500))
    import_now(session, user.account, user, "big.csv", f"name,email\n{rows}".encode())
    session.commit()
    if session.bind.dialect.name == "sqlite":
        stats = session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'contacts'"))
        assert stats is not None and int(stats.split()[0]) >= 1_000
    else:
        estimate = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'contacts'"))
        assert estimate == 1_500


def test_after_a_large_import_postgresql_knows_which_pages_are_all_visible(session, user):
    """Once the import is committed its tables are vacuumed: an index-only scan of the new
    contacts then answers from the index, not from each row's page too."""
    if session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite has no visibility map")
    from crm.imports.services import import_now

    rows = "".join(f"Person {n},person{n}@example.com\n" for n in range(1_500))
    import_now(session, user.account, user, "big.csv", f"name,email\n{rows}".encode())
    session.commit()
    visible, pages = session.execute(
        text("SELECT relallvisible, relpages FROM pg_class WHERE relname = 'contacts'")
    ).one()
    assert pages > 0 and visible == pages


def test_a_failed_import_leaves_nothing_to_vacuum(session, user):
    if session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite has no visibility map")
    from crm.bulk import VACUUM_AFTER_COMMIT, vacuum_after_commit

    session.execute(text("SELECT 1"))  # a load under way
    vacuum_after_commit(session, ["contacts"], 5_000)
    assert VACUUM_AFTER_COMMIT in session.info
    session.rollback()
    assert VACUUM_AFTER_COMMIT not in session.info


def test_a_long_import_keeps_the_planner_up_to_date_while_it_writes(session, user, monkeypatch):
    """Each chunk asks who has its addresses: asked of a table planned as empty, PostgreSQL
    walks every row written so far for each of them. The load refreshes statistics as it
    grows, not only at its end (left out here, to see the refreshes made during it)."""
    assert planned_size_during_an_import(session, user, monkeypatch, "contacts") >= 1_000


def planned_size_during_an_import(session, user, monkeypatch, table: str) -> float:
    """How many rows PostgreSQL's planner thinks `table` holds after an import of 1,500
    people at different companies, in chunks of 500, without the refresh at its end (to
    see the refreshes made during it)."""
    if session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite plans those look-ups by the unique index without statistics")
    from crm.imports.services import import_now

    monkeypatch.setattr("crm.imports.engine.refresh_statistics", lambda *args: None)
    monkeypatch.setattr("crm.imports.engine.CHUNK", 500)
    rows = "".join(f"Person {n},person{n}@example.com,Label {n}\n" for n in range(1_500))
    import_now(session, user.account, user, "big.csv", f"name,email,company\n{rows}".encode())
    query = text("SELECT reltuples FROM pg_class WHERE relname = :table")
    return session.scalar(query, {"table": table})


def test_a_chunk_of_thousands_of_addresses_is_asked_about_at_once(session, user, make_user):
    """An import asks who has a chunk's addresses in one go: past SQLite's IN lists of 500
    and in PostgreSQL's one array, the answer is every owner, and only this account's."""
    from crm.contacts.services import email_owners
    from crm.imports.services import import_now

    rows = "".join(f"Person {n},person{n}@example.com\n" for n in range(1_200))
    import_now(session, user.account, user, "big.csv", f"name,email\n{rows}".encode())
    other = make_user("other@example.com")
    import_now(session, other.account, other, "theirs.csv", b"name,email\nP,person7@example.com\n")
    session.commit()
    asked = [f"person{n}@example.com" for n in range(1_500)]
    owners = email_owners(session, user.account, asked)
    assert len(owners) == 1_200
    mine = set(session.scalars(select(Contact.id).where(Contact.account_id == user.account_id)))
    assert set(owners.values()) == mine


def test_companies_created_in_bulk_are_whole_objects_of_the_session(session, user):
    """A chunk's new companies are inserted in one statement and come back as the objects
    the contacts link to: ids, defaults and all."""
    from crm.contacts.services import Resolver
    from crm.models import Company

    resolver = Resolver(session, user.account)
    names = [f"Label Nº {n}" for n in range(600)] + ["  Label   Nº 3 ", "LABEL Nº 4"]
    resolver.companies(names)
    made = session.scalars(select(Company).where(Company.account_id == user.account_id)).all()
    assert len(made) == 600
    company = resolver.company("label nº 3")
    assert company in session and company.name == "Label Nº 3"
    assert (company.website, company.notes) == ("", "")
    assert resolver.company("Label Nº 599").id == max(c.id for c in made)


def test_a_long_import_keeps_the_planner_up_to_date_on_its_companies(session, user, monkeypatch):
    """Each chunk looks its companies up by name: planned on the statistics of an empty
    table, PostgreSQL tested every company of the account against each name."""
    assert planned_size_during_an_import(session, user, monkeypatch, "companies") >= 1_000
