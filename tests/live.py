"""The production shape for fault tests: gunicorn (threaded workers, persistent database
connections with health checks) serving this test's PostgreSQL database, and HTTP sessions
logged in as portal users."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import Client

from .conftest import require_service
from .faults import closed_port

ROOT = Path(__file__).resolve().parent.parent


def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """Base URL of gunicorn (2 workers x 10 threads) on this test's PostgreSQL database.
    Its error log (tracebacks of 5xx answers included) is printed after the test, so a
    failing test shows what the server saw."""
    require_service("DATABASE_URL", "PostgreSQL shared between the test and gunicorn")
    port = closed_port()
    log = server_log(tmp_path)
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_ENV": "test"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "aims_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "10",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--preload",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe: a pipe nobody reads would fill up and block gunicorn.
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(proc, url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        _print_errors(log)


def server_log(tmp_path):
    """Where the ``gunicorn`` fixture of the test owning ``tmp_path`` writes its log."""
    return tmp_path / "gunicorn.log"


def _print_errors(log):
    """The end of the server's log, tracebacks included (pytest shows it when the test
    failed)."""
    text = log.read_text(errors="replace")
    if text.strip():
        print("--- gunicorn error log ---")
        print(text[-20_000:])


def _wait_until_up(proc, url):
    end = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{url}/health/", timeout=30).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        if proc.poll() is not None or time.monotonic() > end:
            pytest.fail("gunicorn did not start")
        time.sleep(0.3)


def session_for(base_url, user):
    """A requests session logged in as ``user`` (session cookie and CSRF token)."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.cookies.set("csrftoken", token)
    session.headers.update({"X-CSRFToken": token, "Referer": base_url + "/"})
    return session
