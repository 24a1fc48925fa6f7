"""Log in, log out and change password."""

import pytest
from django.contrib.auth import SESSION_KEY

from .factories import PASSWORD


@pytest.mark.django_db
def test_login_with_the_right_password_opens_the_dashboard(client, lead):
    response = client.post(
        "/accounts/login/", {"username": "lead", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert int(client.session[SESSION_KEY]) == lead.pk


@pytest.mark.django_db
def test_login_returns_to_the_page_asked_for(client, lead):
    response = client.post(
        "/accounts/login/?next=/inventory/suppliers/",
        {"username": "lead", "password": PASSWORD, "next": "/inventory/suppliers/"},
    )
    assert response.url == "/inventory/suppliers/"


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, lead):
    response = client.post("/accounts/login/", {"username": "lead", "password": "nope"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_inactive_user_cannot_log_in(client, make_user):
    make_user("governance_lead", username="gone", is_active=False)
    client.post("/accounts/login/", {"username": "gone", "password": PASSWORD})
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_logout_ends_the_session(client_for, lead):
    client = client_for(lead)
    response = client.post("/accounts/logout/")
    assert response.url == "/accounts/login/"
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_password_change_needs_the_old_password_and_a_strong_new_one(client_for, lead):
    client = client_for(lead)
    weak = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert weak.status_code == 200
    assert "too short" in weak.content.decode()
    wrong_old = client.post(
        "/accounts/password/",
        {
            "old_password": "x",
            "new_password1": "a-much-longer-pass-2026",
            "new_password2": "a-much-longer-pass-2026",
        },
    )
    assert "old password was entered incorrectly" in wrong_old.content.decode()
    done = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-pass-2026",
            "new_password2": "a-much-longer-pass-2026",
        },
    )
    assert done.url == "/accounts/password/done/"
    lead.refresh_from_db()
    assert lead.check_password("a-much-longer-pass-2026")


@pytest.mark.django_db
def test_health_reports_the_database(client):
    assert client.get("/health/").json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_login(client, lead, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "lead", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, lead, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "lead", "password": "wrong"})
    client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "lead", "password": "wrong"})
    client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
    assert int(client.session[SESSION_KEY]) == lead.pk


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_scripts(client_for, lead):
    response = client_for(lead).get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in response.content.decode()
