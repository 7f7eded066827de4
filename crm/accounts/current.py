"""The logged-in user's account, for views (services receive it as an argument)."""

from flask_login import current_user

from crm.models import Account


def current_account() -> Account:
    return current_user.account
