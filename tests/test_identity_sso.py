"""Single sign-on against a real OpenID provider (tests/oidc_provider.py): the authorization
code flow with PKCE, users created at first login, roles from group claims (and taken away
when the group goes), the provider's MFA assertion, and logout at the provider."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aims_portal import roles
from identity import services
from identity.models import ExternalIdentity

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


@pytest.fixture
def mappings(admin_user):
    services.group_mapping_create(
        actor=admin_user, data={"group": "aims-auditors", "role": roles.AUDITOR}
    )
    services.group_mapping_create(
        actor=admin_user, data={"group": "aims-governance", "role": roles.GOVERNANCE_LEAD}
    )
    services.group_mapping_create(actor=admin_user, data={"group": "aims-dpo", "role": "dpo"})


def provider_sign_in(browser, location, login, mfa=False):
    """Walk the provider's pages from the authorization request at ``location`` until it
    sends the browser back to the portal; returns that address."""
    for _ in range(10):
        if location.startswith("http://testserver"):
            return location
        answer = browser.get(location, allow_redirects=False)
        if answer.status_code == 200 and 'name="login"' in answer.text:
            action = answer.text.split('action="', 1)[1].split('"', 1)[0]
            form = {"login": login, **({"mfa": "yes"} if mfa else {})}
            answer = browser.post(
                requests.compat.urljoin(location, action), data=form, allow_redirects=False
            )
        assert answer.status_code in (302, 303), answer.text[:500]
        location = requests.compat.urljoin(location, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def sso_login(client, browser, login, mfa=False):
    start = client.get(reverse("sso-start"))
    assert start.status_code == 302
    back = provider_sign_in(browser, start["Location"], login, mfa)
    parts = urlsplit(back)
    return client.get(
        parts.path,
        parse_qs(parts.query) and dict((k, v[0]) for k, v in parse_qs(parts.query).items()),
    )


def test_authorization_request_uses_pkce_s256(sso, client):
    start = client.get(reverse("sso-start"))
    query = parse_qs(urlsplit(start["Location"]).query)
    assert start["Location"].startswith(sso.issuer + "/auth")
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [sso.client_id]


def test_first_login_creates_the_user_with_the_mapped_roles(sso, client, mappings):
    sso.set_account("alice", given_name="Alice", family_name="Ng", groups=["aims-auditors"])
    response = sso_login(client, requests.Session(), "alice")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = User.objects.get(email="alice@example.test")
    assert (user.first_name, user.last_name) == ("Alice", "Ng")
    assert roles.user_roles(user) == {roles.AUDITOR}
    assert ExternalIdentity.objects.get(user=user).issuer == sso.issuer
    assert not user.has_usable_password()
    reasons = list(user.history.values_list("history_change_reason", flat=True))
    assert any("first single sign-on" in r for r in reasons)
    assert any("given Auditor" in r for r in reasons)
    assert client.get(reverse("home")).status_code == 200


def test_a_removed_group_removes_the_role_at_next_login(sso, client, mappings):
    sso.set_account("bob", groups=["aims-governance", "aims-dpo"])
    sso_login(client, requests.Session(), "bob")
    bob = User.objects.get(email="bob@example.test")
    assert {g.name for g in bob.groups.all()} == {roles.GOVERNANCE_LEAD, "dpo"}
    client.post(reverse("logout"))

    sso.set_account("bob", groups=["aims-dpo"])
    sso_login(client, requests.Session(), "bob")
    bob = User.objects.get(pk=bob.pk)
    assert {g.name for g in bob.groups.all()} == {"dpo"}
    assert bob.history.filter(history_change_reason__contains="taken away Governance lead")


def test_a_deactivated_user_is_refused(sso, client, mappings, admin_user):
    sso.set_account("carol", groups=["aims-auditors"])
    sso_login(client, requests.Session(), "carol")
    carol = User.objects.get(email="carol@example.test")
    client.post(reverse("logout"))
    services.user_deactivate(carol, actor=admin_user, reason="Left the company")

    response = sso_login(client, requests.Session(), "carol")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("login"))
    assert "Your account is deactivated." in page.content.decode()


def test_provider_mfa_counts_and_its_absence_asks_for_the_code(sso, client, mappings):
    sso.set_account("dan", groups=["aims-auditors"])
    sso_login(client, requests.Session(), "dan")
    dan = User.objects.get(email="dan@example.test")
    TOTPDevice.objects.create(user=dan, name="phone", confirmed=True)
    client.post(reverse("logout"))

    sso_login(client, requests.Session(), "dan", mfa=False)
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("two-factor-verify"))
    client.post(reverse("logout"))

    sso_login(client, requests.Session(), "dan", mfa=True)
    assert client.get(reverse("home")).status_code == 200


def test_logout_ends_the_provider_session(sso, client, mappings):
    sso.set_account("erin", groups=["aims-auditors"])
    browser = requests.Session()
    sso_login(client, browser, "erin")
    # While the provider's session lives, a new sign-in goes straight back (no login form).
    again = browser.get(client.get(reverse("sso-start"))["Location"], allow_redirects=False)
    assert again.headers["Location"].startswith("http://testserver/accounts/sso/callback/")

    out = client.post(reverse("logout"))
    assert out["Location"].startswith(sso.issuer + "/session/end?")
    assert "id_token_hint=" in out["Location"]
    confirm = browser.get(out["Location"])
    form = confirm.text.split('action="', 1)[1].split('"', 1)[0]
    fields = dict(
        (
            part.split('value="')[0].split('name="')[1].split('"')[0],
            part.split('value="')[1].split('"')[0],
        )
        for part in confirm.text.split("<input")[1:]
        if 'name="' in part and 'value="' in part
    )
    done = browser.post(
        requests.compat.urljoin(out["Location"], form), data=fields, allow_redirects=False
    )
    assert done.headers["Location"] == "http://testserver/accounts/login/"
    assert "_auth_user_id" not in client.session

    # The provider's session is gone: signing in again shows its login form.
    again = browser.get(client.get(reverse("sso-start"))["Location"], allow_redirects=True)
    assert 'name="login"' in again.text


def test_without_a_provider_the_password_login_is_the_only_one(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    response = client.get(reverse("sso-start"))
    assert response["Location"] == reverse("login")
