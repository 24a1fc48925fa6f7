"""Auditor access windows and the append-only log of what auditors read."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from aims_portal.api_tokens import api_token_create
from aims_portal.models import AccessLog

from . import factories
from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_login_inside_the_window_works(client, make_user):
    now = timezone.now()
    make_user(
        "auditor",
        username="ext",
        access_from=now - timedelta(days=1),
        access_until=now + timedelta(days=1),
    )
    _login(client, "ext")
    assert SESSION_KEY in client.session


def test_login_after_the_window_is_refused_with_the_reason(client, make_user):
    make_user("auditor", username="ext", access_until=timezone.now() - timedelta(minutes=1))
    response = _login(client, "ext")
    assert SESSION_KEY not in client.session
    assert "Your access to the portal ended on" in response.content.decode()


def test_login_before_the_window_is_refused(client, make_user):
    make_user("auditor", username="ext", access_from=timezone.now() + timedelta(days=2))
    response = _login(client, "ext")
    assert SESSION_KEY not in client.session
    assert "starts on" in response.content.decode()


def test_wrong_password_outside_the_window_reveals_nothing(client, make_user):
    make_user("auditor", username="ext", access_until=timezone.now() - timedelta(days=1))
    response = client.post("/accounts/login/", {"username": "ext", "password": "wrong"})
    assert "correct username and password" in response.content.decode()
    assert "ended on" not in response.content.decode()


def test_a_session_ends_when_the_window_closes(client, make_user):
    auditor = make_user("auditor", username="ext")
    client.force_login(auditor)
    assert client.get("/").status_code == 200
    auditor.access_until = timezone.now() - timedelta(seconds=1)
    auditor.save()
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session
    assert "ended on" in response.content.decode()


def test_api_token_is_refused_outside_the_window(client, make_user):
    auditor = make_user("auditor", username="ext", access_until=timezone.now() - timedelta(1))
    token = api_token_create(auditor)
    response = client.get("/api/v1/registry/suppliers/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert "ended on" in response.json()["detail"]


def test_every_auditor_page_view_and_download_is_logged(client_for, auditor, lead):
    supplier = factories.supplier(lead)
    client = client_for(auditor)
    client.get(supplier.get_absolute_url())
    client.get("/inventory/suppliers/?_export=csv")
    client.get("/api/v1/registry/suppliers/")
    entries = list(AccessLog.objects.order_by("id"))
    assert [(e.path, e.is_download, e.status) for e in entries] == [
        (supplier.get_absolute_url(), False, 200),
        ("/inventory/suppliers/", True, 200),
        ("/api/v1/registry/suppliers/", False, 200),
    ]
    assert entries[1].query == "_export=csv"
    assert all(e.user == auditor for e in entries)


def test_other_roles_are_not_logged(client_for, lead):
    client_for(lead).get("/inventory/suppliers/")
    assert not AccessLog.objects.exists()


def test_access_log_entries_cannot_be_changed_or_deleted(client_for, auditor):
    client_for(auditor).get("/")
    entry = AccessLog.objects.get()
    entry.path = "/elsewhere/"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_admins_read_the_log_but_cannot_edit_it(client_for, auditor, admin_user):
    client_for(auditor).get("/")
    entry = AccessLog.objects.get()
    client = client_for(admin_user)
    listing = client.get("/admin/aims_portal/accesslog/")
    assert listing.status_code == 200
    assert str(auditor) in listing.content.decode()
    assert client.post(f"/admin/aims_portal/accesslog/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/aims_portal/accesslog/add/").status_code == 403
    assert AccessLog.objects.count() >= 1


def test_auditors_cannot_read_the_log(client_for, auditor):
    response = client_for(auditor).get("/admin/aims_portal/accesslog/", follow=True)
    assert response.status_code == 403
