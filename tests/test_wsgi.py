"""The production entry point serves the app under gunicorn, as the README tells teams to."""

import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, serve


@pytest.mark.slow
def test_gunicorn_serves_the_app_from_crm_wsgi(sqlite_template, tmp_path):
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    login = f"http://127.0.0.1:{port}/account/login"
    with serve(
        [gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "crm.wsgi:app"],
        login,
        env={"DATABASE_URL": f"sqlite:///{sqlite_template}", "SECRET_KEY": "wsgi"},
        log=tmp_path / "gunicorn.log",
    ):
        page = urllib.request.urlopen(login, timeout=10)
        assert page.status == 200 and b"Log in" in page.read()
