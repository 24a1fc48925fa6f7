"""Personal API tokens: each user creates, replaces and revokes their own, in the UI and
through the API; a revoked or replaced token is refused at once; the key is shown once and
stored only as its SHA-256, so nobody (administrators included) can read it afterwards or
make one for someone else."""

import hashlib
import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from aims_portal import roles
from aims_portal.api_tokens import api_token_create
from aims_portal.models import APIToken

pytestmark = pytest.mark.django_db


def api_get(client, key, url="/api/v1/registry/systems/"):
    return client.get(url, HTTP_AUTHORIZATION=f"Token {key}")


def key_from_page(response):
    html = response.content.decode()
    start = html.index('id="api-token-key">') + len('id="api-token-key">')
    return html[start : html.index("<", start)]


def every_stored_value():
    """Every value of every column of every table, as text: where a leaked key would be."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values.extend(str(v) for row in cursor.fetchall() for v in row)
    return values


def test_user_creates_a_token_on_the_page_and_sees_the_key_once(client_for, make_user, client):
    user = make_user(roles.AUDITOR, username="reader")
    page = client_for(user)
    assert b"You have no API token" in page.get("/accounts/api-token/").content

    created = page.post("/accounts/api-token/", {"action": "create"})

    key = key_from_page(created)
    assert created.status_code == 201 and len(key) == 40
    assert created["Cache-Control"] == "no-store"
    again = page.get("/accounts/api-token/").content.decode()
    assert key not in again and key[:6] in again
    assert api_get(client, key).status_code == 200


def test_only_the_hash_and_a_prefix_are_stored(make_user):
    user = make_user(roles.GOVERNANCE_LEAD, username="scripted")
    key = api_token_create(user).key
    stored = APIToken.objects.get(user=user)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert stored.key_prefix == key[:6]
    assert not any(key in value for value in every_stored_value())


def test_replacing_a_token_revokes_the_old_one(client_for, make_user, client):
    user = make_user(roles.AUDITOR, username="reader")
    page = client_for(user)
    old = key_from_page(page.post("/accounts/api-token/", {"action": "create"}))
    new = key_from_page(page.post("/accounts/api-token/", {"action": "create"}))
    assert old != new and APIToken.objects.filter(user=user).count() == 1
    page.logout()
    assert api_get(client, old).status_code == 401
    assert api_get(client, new).status_code == 200


def test_user_revokes_their_token_on_the_page(client_for, make_user, client):
    user = make_user(roles.AUDITOR, username="reader")
    key = api_token_create(user).key
    response = client_for(user).post("/accounts/api-token/", {"action": "revoke"})
    assert response.status_code == 302
    assert not APIToken.objects.filter(user=user).exists()
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


def test_tokens_are_personal(client_for, make_user, client):
    mine = make_user(roles.AUDITOR, username="me")
    theirs = make_user(roles.AUDITOR, username="them")
    their_key = api_token_create(theirs).key
    client_for(mine).post("/accounts/api-token/", {"action": "revoke"})
    client_for(mine).post("/api/v1/auth/token/")
    client.logout()
    assert api_get(client, their_key).status_code == 200


def test_anonymous_cannot_make_a_token(client):
    assert client.post("/api/v1/auth/token/").status_code in (401, 403)
    response = client.post("/accounts/api-token/", {"action": "create"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not APIToken.objects.exists()


def test_token_stops_working_when_the_access_window_ends(client, make_user):
    user = make_user(roles.AUDITOR, username="external")
    key = api_token_create(user).key
    assert api_get(client, key).status_code == 200
    user.access_until = timezone.now() - timedelta(minutes=1)
    user.save()
    assert api_get(client, key).status_code == 401


def test_a_deactivated_users_token_is_refused(client, make_user):
    user = make_user(roles.AUDITOR, username="leaver")
    key = api_token_create(user).key
    user.is_active = False
    user.save()
    assert api_get(client, key).status_code == 401


def test_user_menu_links_to_the_token_page(client_for, make_user):
    html = client_for(make_user(roles.AUDITOR, username="reader")).get("/").content.decode()
    assert 'href="/accounts/api-token/"' in html


# --- the admin ---------------------------------------------------------------------------


def test_admins_see_who_has_a_token_but_never_the_key(admin_user, make_user, client_for):
    user = make_user(roles.AUDITOR, username="reader")
    key = api_token_create(user).key
    token = APIToken.objects.get(user=user)
    client = client_for(admin_user)
    listing = client.get("/admin/aims_portal/apitoken/").content.decode()
    detail = client.get(f"/admin/aims_portal/apitoken/{token.pk}/change/").content.decode()
    assert str(user) in listing and key[:6] in listing
    for html in (listing, detail):
        assert key not in html and token.key_hash not in html


def test_admins_cannot_make_or_change_a_token(admin_user, make_user, client_for):
    user = make_user(roles.AUDITOR, username="reader")
    api_token_create(user)
    token = APIToken.objects.get(user=user)
    client = client_for(admin_user)
    assert client.get("/admin/aims_portal/apitoken/add/").status_code == 403
    assert client.post("/admin/aims_portal/apitoken/add/", {"user": user.pk}).status_code == 403
    client.post(f"/admin/aims_portal/apitoken/{token.pk}/change/", {"key_prefix": "abcdef"})
    assert APIToken.objects.get(pk=token.pk).key_prefix == token.key_prefix
    assert client.get("/admin/authtoken/").status_code == 404  # DRF's plain-text tokens: gone


def test_admins_may_revoke_a_token(admin_user, make_user, client_for, client):
    user = make_user(roles.AUDITOR, username="reader")
    key = api_token_create(user).key
    token = APIToken.objects.get(user=user)
    admin = client_for(admin_user)
    admin.post(f"/admin/aims_portal/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert not APIToken.objects.exists()
    admin.logout()
    assert api_get(client, key).status_code == 401


# --- the migration that hashed the keys made before ---------------------------------------


def test_migration_hashes_plain_keys_which_keep_working(make_user, client):
    user = make_user(roles.AUDITOR, username="old-hand")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token "
            "(key varchar(40) PRIMARY KEY, user_id integer NOT NULL, created timestamp NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)",
            [key, user.pk, timezone.now()],
        )
    migration = importlib.import_module("aims_portal.migrations.0009_api_tokens_hashed")
    from django.apps import apps

    migration.hash_existing_tokens(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # no plain-text key left behind
    assert APIToken.objects.get(user=user).key_prefix == key[:6]
    assert api_get(client, key).status_code == 200
