"""Security settings: passwords, sessions, production cookies, and uploads kept outside the
web root and handed out only by permission-checked views."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.static import serve

from aims_portal import roles

from .test_settings import settings_of

pytestmark = pytest.mark.django_db


# --- passwords -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["Sh0rt!pass", "password1234", "123456789012345", "lead-portal-user"],
    ids=["too short", "common", "numeric", "like the username"],
)
def test_weak_passwords_are_refused(make_user, password):
    user = make_user(username="lead-portal-user", email="lead@example.test")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted(make_user):
    validate_password("correct-horse-battery-staple-42", make_user(username="someone"))


def test_password_change_page_applies_the_validators(client_for, make_user):
    user = make_user(roles.AUDITOR, username="pw-user")
    response = client_for(user).post(
        "/accounts/password/",
        {
            "old_password": "correct-horse-battery-staple",
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200  # the form again, with errors
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-staple")


# --- sessions -------------------------------------------------------------------------------


def test_sessions_expire_after_eight_hours_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_session_cookie_is_not_persistent(client, make_user):
    user = make_user(roles.AUDITOR, username="cookie-user")
    response = client.post(
        "/accounts/login/",
        {"username": "cookie-user", "password": "correct-horse-battery-staple"},
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302, response.content[:300]
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # ends with the browser
    assert cookie["httponly"]
    del user


def test_an_expired_session_is_sent_to_the_login_page(client, make_user):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(make_user(roles.AUDITOR, username="stale-session"))
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get("/inventory/systems/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_production_cookies_and_transport_are_secure(tmp_path):
    values = settings_of(
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "DEBUG",
        "AIMS_REQUIRE_ADMIN_2FA",
        DJANGO_ENV="production",
        SECRET_KEY="x7!" * 20 + "production-grade-secret",
        ALLOWED_HOSTS="aims.example",
        AIMS_DATA_DIR=str(tmp_path),
    )
    assert values["SESSION_COOKIE_SECURE"] == "True"
    assert values["CSRF_COOKIE_SECURE"] == "True"
    assert values["SECURE_SSL_REDIRECT"] == "True"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31536000
    assert values["DEBUG"] == "False"
    assert values["AIMS_REQUIRE_ADMIN_2FA"] == "True"


# --- uploads --------------------------------------------------------------------------------


def _inside(path, folder):
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def test_uploads_live_outside_the_static_files():
    media = Path(settings.MEDIA_ROOT)
    web_roots = [
        settings.STATIC_ROOT,
        *(d[1] if isinstance(d, tuple) else d for d in settings.STATICFILES_DIRS),
    ]
    for root in web_roots:
        assert not _inside(media, root), f"MEDIA_ROOT {media} is under {root}"
        assert not _inside(root, media), f"{root} is under MEDIA_ROOT {media}"


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_url_serves_the_media_folder():
    for route, callback in _patterns():
        assert callback is not serve, f"{route} serves files straight from disk"
    media_url = (settings.MEDIA_URL or "").strip("/")
    if media_url:
        assert not any(r.lstrip("^").startswith(media_url) for r, _ in _patterns())


def test_stored_files_have_no_public_address(client_for, admin_user):
    from audits.models import EvidenceItem
    from controls.models import ControlledDocument, DocumentExport

    client = client_for(admin_user)
    for model in (ControlledDocument, DocumentExport, EvidenceItem):
        storage = model._meta.get_field("file").storage
        assert _inside(storage.location, settings.MEDIA_ROOT), model
        try:
            address = storage.url("some/file.pdf")
        except ValueError:
            continue  # no address at all
        # An address may be computed, but nothing answers at it.
        assert client.get(address).status_code == 404, (model, address)


@pytest.fixture
def demo_documents(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def document_with_file(demo_documents):
    from django.core.files.base import ContentFile

    from controls.models import ControlledDocument

    document = ControlledDocument.objects.order_by("pk").first()
    if document is None:
        pytest.skip("no controlled document in this database")  # pragma: no cover
    storage = ControlledDocument._meta.get_field("file").storage
    name = storage.save("documents/security-test.txt", ContentFile(b"confidential policy\n"))
    ControlledDocument.objects.filter(pk=document.pk).update(file=name)
    document.refresh_from_db()
    yield document
    storage.delete(name)


def test_uploaded_files_only_through_the_permission_checked_view(
    document_with_file, client, make_user
):
    url = f"/controls/documents/{document_with_file.pk}/file/download/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(make_user(username="no-role"))
    assert client.get(url).status_code == 403
    client.force_login(make_user(roles.AUDITOR, username="reader"))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"confidential policy\n"
    assert response["Content-Disposition"].startswith("attachment")
    # The file is not reachable at any other address.
    assert client.get(f"/media/{document_with_file.file.name}").status_code == 404
    assert os.path.exists(document_with_file.file.path)
