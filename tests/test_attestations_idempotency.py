"""``Idempotency-Key`` on the attestation POSTs: a retry gets the first answer and registers
nothing again; the same key with another body is refused; keys belong to one token; on
PostgreSQL, eight simultaneous retries register once."""

import datetime
import hashlib
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from integrity.attestations import attestation_token_create
from integrity.models import Attestation, AttestationIdempotencyKey, LedgerEntry
from registry import services

from . import factories
from .conftest import require_service

URL = "/api/v1/registry/attestations/"
BATCH_URL = URL + "batch/"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def version(lead):
    system = factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    deployed = timezone.now() - datetime.timedelta(days=30)
    return services.model_version_create(
        actor=lead, data={"system": system, "label": "v1", "deployed_at": deployed}
    )


def new_key(admin_user, system, name="Gateway"):
    return attestation_token_create(actor=admin_user, system=system, name=name)[1]


def client_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def gateway(admin_user, version):
    return client_with(new_key(admin_user, version.system))


def item(version, n=0):
    return {
        "system": version.system.slug,
        "model_version": version.pk,
        "input_sha256": sha(f"question {n}"),
        "output_sha256": sha(f"answer {n}"),
        "decision": "allowed",
    }


@pytest.mark.django_db
def test_a_retried_post_returns_the_first_answer_and_registers_once(gateway, version):
    first = gateway.post(URL, item(version), format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    assert first.status_code == 201
    entries = LedgerEntry.objects.count()
    again = gateway.post(URL, item(version), format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Attestation.objects.count() == 1
    assert LedgerEntry.objects.count() == entries


@pytest.mark.django_db
def test_a_retried_batch_returns_the_first_answer_and_registers_once(gateway, version):
    body = {"attestations": [item(version, n) for n in range(20)]}
    first = gateway.post(BATCH_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")
    assert first.status_code == 201
    # the same data with keys in another order is the same request
    reordered = {"attestations": [dict(reversed(list(i.items()))) for i in body["attestations"]]}
    again = gateway.post(BATCH_URL, reordered, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Attestation.objects.count() == 20


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_and_registers_nothing(gateway, version):
    gateway.post(URL, item(version, 1), format="json", HTTP_IDEMPOTENCY_KEY="k")
    entries = LedgerEntry.objects.count()
    other = gateway.post(URL, item(version, 2), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422
    assert "was already used" in other.json()["detail"]
    assert "different request" in other.json()["detail"]
    assert Attestation.objects.count() == 1
    assert LedgerEntry.objects.count() == entries


@pytest.mark.django_db
def test_a_key_used_on_one_endpoint_is_refused_on_the_other(gateway, version):
    gateway.post(URL, item(version), format="json", HTTP_IDEMPOTENCY_KEY="k")
    batch = {"attestations": [item(version)]}
    response = gateway.post(BATCH_URL, batch, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert Attestation.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_token(gateway, admin_user, version):
    other = client_with(new_key(admin_user, version.system, name="Second gateway"))
    gateway.post(URL, item(version), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = other.post(URL, item(version), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Attestation.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_request_keeps_no_key_so_the_fixed_one_can_use_it(gateway, version):
    bad = {**item(version), "decision": "maybe"}
    assert gateway.post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 400
    assert not AttestationIdempotencyKey.objects.exists()
    fixed = gateway.post(URL, item(version), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert fixed.status_code == 201
    assert Attestation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "a" * 256, "with space", "é"])
def test_an_unusable_key_is_refused_with_a_clear_message(gateway, version, key):
    response = gateway.post(URL, item(version), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert (
        "Idempotency-Key header holds 1 to 255 visible ASCII characters"
        in (response.json()["detail"])
    )
    assert not Attestation.objects.exists()


@pytest.mark.django_db
def test_without_a_key_each_post_registers(gateway, version):
    gateway.post(URL, item(version), format="json")
    gateway.post(URL, item(version), format="json")
    assert Attestation.objects.count() == 2
    assert not AttestationIdempotencyKey.objects.exists()


THREADS = 8


def post_at_once(key, body, barrier, results):
    try:
        client = client_with(key)
        barrier.wait(timeout=30)
        response = client.post(BATCH_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
        replayed = response.has_header("Idempotent-Replayed")
        results.append((response.status_code, response.json(), replayed))
    except Exception as error:  # reported by the test, not swallowed
        results.append(error)
    finally:
        connections.close_all()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_register_once_on_postgresql(admin_user, version):
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not point to PostgreSQL")
    key = new_key(admin_user, version.system)
    body = {"attestations": [item(version, n) for n in range(50)]}
    barrier, results = threading.Barrier(THREADS), []
    threads = [
        threading.Thread(target=post_at_once, args=(key, body, barrier, results))
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not isinstance(r, Exception) for r in results), results
    assert [status for status, _, _ in results] == [201] * THREADS
    answers = {str(answer) for _, answer, _ in results}
    assert len(answers) == 1
    assert sum(1 for _, _, replayed in results if not replayed) == 1
    assert Attestation.objects.count() == 50
    assert LedgerEntry.objects.filter(covered_model="registry.attestation").count() == 50
    assert AttestationIdempotencyKey.objects.count() == 1
    assert factories.checked_ledger().problems == []
