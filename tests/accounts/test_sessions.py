"""Logging out really logs out: the login lives on the server, so a copied session cookie
or remember-me cookie stops working the moment its login ends."""

from sqlalchemy import select

from crm.models import LoginSession
from tests.conftest import PASSWORD


def log_in_remembered(app, user):
    browser = app.test_client()
    response = browser.submit(
        "/account/login", {"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    browser._csrf = None
    return browser


def cookies(browser) -> dict[str, str]:
    return {
        name: browser.get_cookie(name).value
        for name in ("session", "remember_token")
        if browser.get_cookie(name) is not None
    }


def replayed(app, stolen: dict[str, str], only: str):
    """Another browser holding a copy of one of the cookies."""
    thief = app.test_client()
    thief.set_cookie(only, stolen[only])
    return thief


def test_an_old_session_cookie_replayed_after_logout_gets_the_login_page(app, user):
    browser = log_in_remembered(app, user)
    stolen = cookies(browser)
    assert replayed(app, stolen, "session").get("/contacts/").status_code == 200
    browser.submit("/account/logout")
    response = replayed(app, stolen, "session").get("/contacts/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_a_remember_me_cookie_dies_with_its_login(app, user):
    browser = log_in_remembered(app, user)
    stolen = cookies(browser)
    assert "remember_token" in stolen
    assert replayed(app, stolen, "remember_token").get("/contacts/").status_code == 200
    browser.submit("/account/logout")
    assert replayed(app, stolen, "remember_token").get("/contacts/").status_code == 302


def test_a_password_change_ends_every_login_but_keeps_this_browser_in(app, user):
    laptop, phone = log_in_remembered(app, user), log_in_remembered(app, user)
    response = laptop.submit(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a much newer passphrase",
         "confirm": "a much newer passphrase"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    assert laptop.get("/contacts/").status_code == 200
    assert phone.get("/contacts/").status_code == 302


def test_the_settings_page_lists_each_login_and_ends_one(app, user, session):
    laptop, phone = log_in_remembered(app, user), log_in_remembered(app, user)
    page = laptop.get("/account/settings").get_data(as_text=True)
    assert "Where you are logged in" in page and "this browser" in page
    others = session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
    assert len(others) == 2
    phone_login = others[1]
    assert laptop.submit(f"/account/sessions/{phone_login.id}/end").status_code == 302
    assert phone.get("/contacts/").status_code == 302
    assert laptop.get("/contacts/").status_code == 200


def test_log_out_everywhere_else(app, user):
    laptop, phone, tablet = (log_in_remembered(app, user) for _ in range(3))
    laptop.submit("/account/sessions/end-others")
    assert laptop.get("/contacts/").status_code == 200
    assert phone.get("/contacts/").status_code == 302
    assert tablet.get("/contacts/").status_code == 302


def test_only_a_hash_of_the_login_is_stored(app, user, session):
    browser = log_in_remembered(app, user)
    stored = session.scalars(select(LoginSession.token_hash)).all()
    for value in cookies(browser).values():
        assert not any(h in value for h in stored)
    assert all(len(h) == 64 for h in stored)


def test_api_tokens_outlive_a_logout(app, api, user):
    browser = log_in_remembered(app, user)
    browser.submit("/account/sessions/end-others")
    browser.submit("/account/logout")
    assert api.get("/api/v1/contacts").status_code == 200


def test_expired_logins_are_forgotten_and_let_nobody_in(app, user, session):
    import datetime as dt

    from crm.accounts.sessions import IDLE, prune_expired
    from crm.db import utcnow

    browser = app.test_client()
    browser.submit("/account/login", {"email": user.email, "password": PASSWORD})
    assert browser.get("/contacts/").status_code == 200
    login = session.scalars(select(LoginSession)).one()
    assert login.expires_at > utcnow() + IDLE - dt.timedelta(minutes=1)
    login.expires_at = utcnow() - dt.timedelta(minutes=1)  # a day idle has passed
    session.commit()
    assert browser.get("/contacts/").status_code == 302
    assert prune_expired(session) == 1
    session.commit()
    assert session.scalars(select(LoginSession)).all() == []


def test_every_page_finds_its_login_user_and_account_in_one_query(app, logged_in):
    """A page's login costs one question of the database (the login with its user and the
    account joined), not three: it is asked on every page view."""
    from sqlalchemy import event

    engine = app.extensions["crm.db"].kw["bind"]
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert logged_in.get("/pitches/board").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    login = [s for s in statements if "login_sessions" in s]
    assert len(login) == 1 and "JOIN accounts" in login[0] and "JOIN users" in login[0]
    assert not [s for s in statements if s.lstrip().startswith("SELECT users.")]
