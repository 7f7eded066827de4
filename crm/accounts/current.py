"""The logged-in user's account, for views (services receive it as an argument)."""

from flask_login import current_user

from crm.models import Account


def current_account() -> Account:
    return current_user.account


def owned_or_404(model, object_id: int):
    """One of the logged-in account's objects, or a 404 page (never another account's)."""
    from flask import abort

    from crm.db import get_session
    from crm.scope import NotFound, get_owned

    try:
        return get_owned(get_session(), current_account(), model, object_id)
    except NotFound:
        abort(404)
