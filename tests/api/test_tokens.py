"""A script gets a token with email and password, uses it, and loses it when revoked."""

from sqlalchemy import select

from crm.models import ApiToken
from tests.conftest import PASSWORD


def test_email_and_password_give_a_token_that_works(client, user):
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    listing = client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200
    assert listing.get_json() == {"items": [], "total": 0, "page": 1, "per_page": 50}


def test_only_a_hash_of_the_token_is_stored(client, user, session):
    token = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD}
    ).get_json()["token"]
    row = session.scalar(select(ApiToken))
    assert token not in (row.token_hash, row.prefix) and row.token_hash != token
    assert token.startswith(row.prefix)


def test_wrong_password_gets_401_and_no_token(client, user, session):
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": "guess!!"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Wrong email or password."}
    assert session.scalar(select(ApiToken)) is None


def test_missing_fields_get_422_with_field_messages(client):
    response = client.post("/api/v1/tokens", json={"email": "x@example.com"})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"password": ["Missing data for required field."]}


def test_calls_without_a_valid_token_get_401(client, api):
    for headers in (
        {},
        {"Authorization": "Bearer sd_nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": f"Token {api.token}"},
    ):
        response = client.get("/api/v1/contacts", headers=headers)
        assert response.status_code == 401
        assert response.get_json() == {"error": "Missing, unknown or revoked API token."}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(logged_in, api, session):
    assert api.get("/api/v1/contacts").status_code == 200
    page = logged_in.get("/account/tokens").get_data(as_text=True)
    assert "tests" in page and api.token[:10] in page and api.token not in page
    token_id = session.scalar(select(ApiToken.id))
    assert logged_in.submit(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/contacts").status_code == 401


def test_a_token_made_in_settings_is_shown_once(logged_in):
    page = logged_in.submit("/account/tokens", {"name": "Sheets sync"}).get_data(as_text=True)
    assert "Copy it now" in page
    token = page.split('id="new-token" readonly value="')[1].split('"')[0]
    assert token.startswith("sd_")
    again = logged_in.get("/account/tokens").get_data(as_text=True)
    assert "Sheets sync" in again and token not in again
    response = logged_in.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_last_use_is_recorded(api, session):
    api.get("/api/v1/contacts")
    session.expire_all()
    assert session.scalar(select(ApiToken.last_used_at)) is not None


def test_the_session_cookie_does_not_open_the_api(logged_in):
    assert logged_in.get("/api/v1/contacts").status_code == 401


def test_token_requests_are_rate_limited(database_url, user):
    from config import TestConfig
    from crm import create_app
    from crm.extensions import limiter

    app = create_app(TestConfig(database_url, RATELIMIT_ENABLED=True))
    limiter.reset()
    client = app.test_client()
    codes = [
        client.post("/api/v1/tokens", json={"email": user.email, "password": "nope!"}).status_code
        for _ in range(11)
    ]
    limiter.reset()
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
