"""Per-system attestation tokens: only administrators create and revoke them, the key is
shown once and stored hashed, and a token works only for its own system."""

import hashlib

import pytest
from rest_framework.test import APIClient

from integrity.attestations import attestation_token_create, attestation_token_revoke
from integrity.models import Attestation, AttestationToken

from . import factories
from .test_attestations_api import BATCH_URL, URL, gateway, item, system, token_key, version

pytestmark = pytest.mark.django_db

__all__ = ["gateway", "system", "token_key", "version"]  # fixtures shared with the API tests

TOKENS = "/api/v1/registry/attestation-tokens/"


def api(user=None, key=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_admin_creates_a_token_whose_key_is_stored_only_as_a_hash(admin_user, system):
    response = api(admin_user).post(
        TOKENS, {"system": "support-assistant", "name": "Gateway US"}, format="json"
    )
    assert response.status_code == 201, response.json()
    key = response.json()["key"]
    token = AttestationToken.objects.get(pk=response.json()["id"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(AttestationToken.objects.values_list().get(pk=token.pk))
    assert key.startswith(token.key_prefix)
    listed = api(admin_user).get(TOKENS, {"system": "support-assistant"}).json()
    assert "key" not in listed["results"][0]
    assert token.history.first().history_user == admin_user


@pytest.mark.parametrize("role", ["lead", "owner", "executive", "auditor"])
def test_only_administrators_manage_tokens(request, role, system):
    user = request.getfixturevalue(role)
    client = api(user)
    assert client.get(TOKENS).status_code == 403
    refused = client.post(TOKENS, {"system": "support-assistant", "name": "x"}, format="json")
    assert refused.status_code == 403
    assert not AttestationToken.objects.exists()


def test_unknown_system_is_a_400(admin_user):
    response = api(admin_user).post(TOKENS, {"system": "nope", "name": "x"}, format="json")
    assert response.status_code == 400
    assert "system" in response.json()


def test_revoked_token_is_refused_at_once(admin_user, gateway, version):
    assert gateway.post(URL, item(version), format="json").status_code == 201
    token = AttestationToken.objects.get()
    response = api(admin_user).post(
        f"{TOKENS}{token.pk}/revoke/", {"reason": "Gateway retired"}, format="json"
    )
    assert response.status_code == 200 and response.json()["active"] is False
    refused = gateway.post(URL, item(version, 2), format="json")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert Attestation.objects.count() == 1
    token.refresh_from_db()
    assert token.revoke_reason == "Gateway retired"
    assert token.history.first().history_change_reason.startswith("Revoked")


def test_revoking_twice_or_without_reason_is_refused(admin_user, system):
    token, _ = attestation_token_create(actor=admin_user, system=system, name="g")
    client = api(admin_user)
    assert client.post(f"{TOKENS}{token.pk}/revoke/", {}, format="json").status_code == 400
    attestation_token_revoke(token, actor=admin_user, reason="Leaked")
    again = client.post(f"{TOKENS}{token.pk}/revoke/", {"reason": "x"}, format="json")
    assert again.status_code == 400


def test_no_credentials_is_a_401(version):
    response = APIClient().post(URL, item(version), format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_or_malformed_token_is_a_401(version):
    assert api(key="aims_att_not-a-real-key").post(URL, item(version)).status_code == 401
    assert api(key="something-else").post(URL, item(version)).status_code == 401


def test_a_users_login_cannot_register_attestations(admin_user, version):
    response = api(admin_user).post(URL, item(version), format="json")
    assert response.status_code == 403
    assert "attestation token" in response.json()["detail"]


def test_token_of_another_system_is_refused_with_403(gateway, version, lead):
    other = factories.ai_system(lead, slug="credit-scoring")
    response = gateway.post(URL, item(version, system=other.slug), format="json")
    assert response.status_code == 403
    assert "support-assistant only, not for credit-scoring" in response.json()["detail"]
    assert not Attestation.objects.exists()


def test_batch_mixing_in_another_system_is_refused_whole(gateway, version, lead):
    factories.ai_system(lead, slug="credit-scoring")
    items = [item(version, 0), item(version, 1, system="credit-scoring"), item(version, 2)]
    response = gateway.post(BATCH_URL, {"attestations": items}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Item 1:")
    assert not Attestation.objects.exists()


def test_a_token_cannot_read_or_manage(gateway, version):
    assert gateway.get(URL).status_code == 403
    assert gateway.get(TOKENS).status_code == 401  # not a credential the endpoint takes


def test_last_use_is_recorded_without_a_history_row(gateway, version):
    token = AttestationToken.objects.get()
    versions_before = token.history.count()
    gateway.post(URL, item(version), format="json")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.history.count() == versions_before


def test_a_retired_system_gets_no_new_token(admin_user, system):
    type(system).objects.filter(pk=system.pk).update(stage="retired")  # as a change would
    response = api(admin_user).post(
        TOKENS, {"system": "support-assistant", "name": "Late gateway"}, format="json"
    )
    assert response.status_code == 400
    assert "is retired" in str(response.json())
    assert not AttestationToken.objects.exists()
