"""Whatever is in the contact book comes back field for field after export then import."""

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crm.contacts.fields import clean_contact
from crm.contacts.services import contact_values, create_contact
from crm.imports.export import csv_lines, export_rows
from crm.imports.services import import_now
from crm.models import Contact
from crm.scope import owned

# Text that stresses CSV and spreadsheets: delimiters, quotes, newlines, formula starts, accents.
tricky = st.text(
    alphabet=st.sampled_from(list("aZé ß,;\"'\n=+-@\t|ü漢字😀")), min_size=0, max_size=12
)
contact = st.fixed_dictionaries(
    {
        "first_name": tricky,
        "last_name": tricky,
        "company": tricky,
        "title": tricky,
        "city": tricky,
        "notes": tricky,
        "role": st.sampled_from(["", "ar", "manager", "curator", "press"]),
        "genres": st.lists(
            st.sampled_from(["Indie", "Jazz", "R&B", "Hip-Hop", "Folk"]), max_size=3
        ),
        "tags": st.lists(
            st.sampled_from(["priority", "=sum(1)", "+radio", "festival"]), max_size=2
        ),
        "phone": st.sampled_from(["", "+44 7700 900123", "+1 212-555-0123"]),
        "instagram": st.sampled_from(["", "@ana.music", "https://instagram.com/ana"]),
        "website": st.sampled_from(["", "https://label.example/a?b=c,d"]),
        "do_not_contact": st.booleans(),
    }
)
accounts = itertools.count()


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(book=st.lists(contact, min_size=1, max_size=6))
def test_any_contact_book_survives_export_then_import(session, make_user, book):
    source = make_user(f"source{next(accounts)}@example.com").account
    target = make_user(f"target{next(accounts)}@example.com").account
    for index, raw in enumerate(book):
        cleaned = clean_contact({**raw, "email": f"person{index}@round.example"})
        assume(cleaned.ok)
        create_contact(session, source, cleaned.values)
    session.commit()

    text = "".join(csv_lines(export_rows(session, source)))
    _record, summary = import_now(session, target, None, "export.csv", text.encode("utf-8"))
    session.commit()
    assert summary.rejected == 0, summary.errors

    def values(account):
        found = session.scalars(owned(Contact, account).order_by(Contact.email_key)).all()
        return [contact_values(c) for c in found]

    assert values(target) == values(source)
