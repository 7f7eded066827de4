"""A new artist signs up, logs in and out, and changes their password."""

import pytest
from sqlalchemy import select

from crm.models import Account, User
from tests.conftest import PASSWORD, log_in

SIGNUP = {
    "name": "Robin Vale",
    "artist_name": "Robin Vale & the Tides",
    "email": "Robin@Example.com",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "timezone": "America/Chicago",
}


@pytest.mark.real_password_hashes
def test_signup_creates_an_account_and_logs_in(client, session):
    response = client.submit("/account/signup", SIGNUP)
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "robin@example.com"))
    assert user.name == "Robin Vale"
    assert user.account.artist_name == "Robin Vale & the Tides"
    assert user.account.timezone == "America/Chicago"
    assert user.password_hash.startswith("scrypt:")
    page = client.get("/contacts/", follow_redirects=True).get_data(as_text=True)
    assert "Your contact book is empty" in page


def test_signup_with_a_taken_email_keeps_what_was_typed(client, user):
    response = client.submit("/account/signup", {**SIGNUP, "email": "ARTIST@example.com"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already exists" in page
    assert 'value="Robin Vale &amp; the Tides"' in page


def test_signup_refuses_a_weak_password(client, session):
    response = client.submit("/account/signup", {**SIGNUP, "password": "123", "confirm": "123"})
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert session.scalar(select(Account)) is None


def test_signup_refuses_mismatched_passwords(client):
    response = client.submit("/account/signup", {**SIGNUP, "confirm": "something else"})
    assert "The passwords do not match." in response.get_data(as_text=True)


def test_login_with_a_wrong_password_says_so(client, user):
    response = client.submit("/account/login", {"email": user.email, "password": "nope nope nope"})
    assert response.status_code == 422
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/contacts/").status_code == 302


def test_logging_in_as_nobody_costs_what_a_wrong_password_costs(client, user, monkeypatch):
    """A login's time must not tell which addresses have an account: one for an address
    nobody has checks a password hash all the same (and says what a wrong password says)."""
    import crm.accounts.services as services

    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(
        services, "check_password_hash", lambda *args: checked.append(1) or real(*args)
    )
    response = client.submit("/account/login", {"email": "nobody@example.com", "password": "x"})
    wrong = client.submit("/account/login", {"email": user.email, "password": "wrong"})
    assert checked == [1]  # the stand-in; the user's own check goes through the model
    assert response.status_code == wrong.status_code
    assert response.get_data(as_text=True).count("Wrong email or password") == 1


def test_login_email_is_case_insensitive(client, user):
    response = client.submit(
        "/account/login", {"email": "Artist@EXAMPLE.com", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_login_follows_a_local_next(client, user):
    response = client.submit(
        "/account/login?next=/companies/", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/companies/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_login_never_redirects_to_another_site(app, user, target):
    client = app.test_client()
    response = client.post(
        "/account/login",
        query_string={"next": target},
        data={"csrf_token": client.csrf_token(), "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_pages_need_a_login(client):
    response = client.get("/contacts/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_logout_is_a_post_and_ends_the_session(logged_in):
    assert logged_in.get("/account/logout").status_code == 405
    assert logged_in.submit("/account/logout").status_code == 302
    assert logged_in.get("/contacts/").status_code == 302


def test_logout_without_csrf_token_is_refused(logged_in):
    assert logged_in.post("/account/logout").status_code == 400
    assert logged_in.get("/contacts/").status_code == 200


def test_changing_password_logs_out_other_devices(app, user, logged_in):
    laptop = log_in(app, user)
    assert laptop.get("/contacts/").status_code == 200
    new = "a much longer secret"
    response = logged_in.submit(
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert logged_in.get("/contacts/").status_code == 200
    assert laptop.get("/contacts/").status_code == 302


def test_changing_password_needs_the_current_one(logged_in):
    response = logged_in.submit(
        "/account/password",
        {"current_password": "wrong one!!", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)


def test_settings_change_artist_name_and_time_zone(logged_in, session, user):
    response = logged_in.submit(
        "/account/settings",
        {"name": "Sam", "artist_name": "Sam & the Owls", "timezone": "Asia/Tokyo"},
    )
    assert response.status_code == 302
    session.expire_all()
    account = session.get(Account, user.account_id)
    assert (account.artist_name, account.timezone) == ("Sam & the Owls", "Asia/Tokyo")


def test_settings_refuse_an_unknown_time_zone(logged_in):
    response = logged_in.submit(
        "/account/settings", {"name": "Sam", "artist_name": "", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 422
