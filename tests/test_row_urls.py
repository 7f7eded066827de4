"""A page that lists many rows builds each row's address from a pattern made once: the
address is the one the URL map gives, for any id, and a pattern that cannot hold an id is
refused at once rather than linking every row to the wrong place."""

import pytest
from flask import url_for

from crm.filters import RowUrl


def test_a_row_address_is_the_one_the_url_map_gives(app):
    with app.test_request_context("/"):
        show = RowUrl("contacts.show", "contact_id")
        inline = RowUrl("contacts.inline_edit", "contact_id")
        for contact_id in (1, 42, 10**9):
            assert show(contact_id) == url_for("contacts.show", contact_id=contact_id)
            assert inline(contact_id) == url_for("contacts.inline_edit", contact_id=contact_id)


def test_an_endpoint_whose_address_has_no_room_for_the_id_is_refused(app):
    with app.test_request_context("/"), pytest.raises(ValueError, match="not in its address"):
        RowUrl("contacts.index", "contact_id")
