"""Personal API tokens: each user creates, replaces and revokes their own, in the UI and
through the API; a revoked or replaced token is refused at once; the key is shown once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from aims_portal import roles

pytestmark = pytest.mark.django_db


def api_get(client, key, url="/api/v1/registry/systems/"):
    return client.get(url, HTTP_AUTHORIZATION=f"Token {key}")


def test_user_creates_a_token_on_the_page_and_sees_the_key_once(client_for, make_user, client):
    user = make_user(roles.AUDITOR, username="reader")
    page = client_for(user)
    assert b"You have no API token" in page.get("/accounts/api-token/").content

    created = page.post("/accounts/api-token/", {"action": "create"})

    key = Token.objects.get(user=user).key
    assert created.status_code == 201
    assert key in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    again = page.get("/accounts/api-token/").content.decode()
    assert key not in again and key[:6] in again
    assert api_get(client, key).status_code == 200


def test_replacing_a_token_revokes_the_old_one(client_for, make_user, client):
    user = make_user(roles.AUDITOR, username="reader")
    page = client_for(user)
    page.post("/accounts/api-token/", {"action": "create"})
    old = Token.objects.get(user=user).key
    page.post("/accounts/api-token/", {"action": "create"})
    new = Token.objects.get(user=user).key
    assert old != new
    page.logout()
    assert api_get(client, old).status_code == 401
    assert api_get(client, new).status_code == 200


def test_user_revokes_their_token_on_the_page(client_for, make_user, client):
    user = make_user(roles.AUDITOR, username="reader")
    key = Token.objects.create(user=user).key
    response = client_for(user).post("/accounts/api-token/", {"action": "revoke"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()
    client.logout()
    assert api_get(client, key).status_code == 401


def test_api_creates_shows_and_revokes_the_callers_own_token(client, make_user):
    user = make_user(roles.GOVERNANCE_LEAD, username="scripted")
    client.force_login(user)
    assert client.get("/api/v1/auth/token/").json()["exists"] is False

    created = client.post("/api/v1/auth/token/")
    assert created.status_code == 201
    key = created.json()["key"]
    client.logout()
    summary = api_get(client, key, "/api/v1/auth/token/").json()
    assert summary["exists"] and summary["key_prefix"] == key[:6] and "key" not in summary

    revoked = client.delete("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Token {key}")
    assert revoked.status_code == 204
    assert api_get(client, key).status_code == 401


def test_tokens_are_personal(client_for, make_user):
    mine = make_user(roles.AUDITOR, username="me")
    theirs = make_user(roles.AUDITOR, username="them")
    their_key = Token.objects.create(user=theirs).key
    client_for(mine).post("/accounts/api-token/", {"action": "revoke"})
    client_for(mine).post("/api/v1/auth/token/")
    assert Token.objects.get(user=theirs).key == their_key


def test_anonymous_cannot_make_a_token(client):
    assert client.post("/api/v1/auth/token/").status_code in (401, 403)
    response = client.post("/accounts/api-token/", {"action": "create"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Token.objects.exists()


def test_token_stops_working_when_the_access_window_ends(client, make_user):
    user = make_user(roles.AUDITOR, username="external")
    key = Token.objects.create(user=user).key
    assert api_get(client, key).status_code == 200
    user.access_until = timezone.now() - timedelta(minutes=1)
    user.save()
    assert api_get(client, key).status_code == 401


def test_user_menu_links_to_the_token_page(client_for, make_user):
    html = client_for(make_user(roles.AUDITOR, username="reader")).get("/").content.decode()
    assert 'href="/accounts/api-token/"' in html
