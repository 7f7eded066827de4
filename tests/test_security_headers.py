from config import TestConfig
from crm import create_app
from crm.extensions import limiter
from tests.conftest import Client

"""HTTP hardening on every response."""


def test_pages_carry_security_headers(client):
    response = client.get("/account/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(logged_in):
    cookie = logged_in.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_login_is_rate_limited(database_url, user):
    app = create_app(TestConfig(database_url, RATELIMIT_ENABLED=True))
    app.test_client_class = Client
    limiter.reset()
    client = app.test_client()
    wrong = {"email": user.email, "password": "wrong guess!"}
    responses = [client.submit("/account/login", wrong) for _ in range(11)]
    limiter.reset()
    assert [r.status_code for r in responses[:10]] == [422] * 10
    assert responses[10].status_code == 429
    assert "Too many attempts" in responses[10].get_data(as_text=True)


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing here" in response.get_data(as_text=True)
