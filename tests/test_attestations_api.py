"""Registering AI outputs through the attestation API: one call, a batch, what each answers,
and every refusal (validation by index and field, batch atomicity and size)."""

import datetime
import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrity.attestations import MAX_BATCH, attestation_token_create
from integrity.models import Attestation, LedgerEntry
from registry import services

from . import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/registry/attestations/"
BATCH_URL = URL + "batch/"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def system(lead):
    return factories.ai_system(lead, slug="support-assistant", name="Support assistant")


@pytest.fixture
def version(lead, system):
    deployed = timezone.now() - datetime.timedelta(days=30)
    return services.model_version_create(
        actor=lead, data={"system": system, "label": "v1", "deployed_at": deployed}
    )


@pytest.fixture
def token_key(admin_user, system):
    return attestation_token_create(actor=admin_user, system=system, name="Gateway EU")[1]


@pytest.fixture
def gateway(token_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_key}")
    return client


def item(version, n=0, **overrides):
    return {
        "system": version.system.slug,
        "model_version": version.pk,
        "input_sha256": sha(f"question {n}"),
        "output_sha256": sha(f"answer {n}"),
        "decision": "allowed",
        **overrides,
    }


def test_one_call_registers_an_output_and_returns_its_ledger_position(gateway, version):
    body = item(version, metadata={"request_id": "r-1", "latency_ms": 412})
    response = gateway.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    attestation = Attestation.objects.get(pk=data["id"])
    entry = LedgerEntry.objects.get(covered_model="registry.attestation", covered_id=data["id"])
    assert data["sequence"] == entry.sequence
    assert data["entry_hash"] == entry.entry_hash
    assert entry.kind == "attestation"
    assert attestation.input_sha256 == body["input_sha256"]
    assert attestation.metadata == {"request_id": "r-1", "latency_ms": 412}
    assert attestation.model_version == version and attestation.decision == "allowed"


def test_hashes_are_stored_lower_case_and_label_can_name_the_version(gateway, version):
    body = item(version, input_sha256=sha("x").upper())
    del body["model_version"]
    body["model_version_label"] = "v1"
    response = gateway.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    attestation = Attestation.objects.get()
    assert attestation.input_sha256 == sha("x")
    assert attestation.model_version == version


def test_batch_registers_all_with_consecutive_ledger_positions(gateway, version):
    items = [item(version, n) for n in range(25)]
    response = gateway.post(BATCH_URL, {"attestations": items}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["count"] == 25
    sequences = [a["sequence"] for a in data["attestations"]]
    assert sequences == list(range(sequences[0], sequences[0] + 25))
    ids = [a["id"] for a in data["attestations"]]
    stored = dict(Attestation.objects.values_list("pk", "output_sha256"))
    assert [stored[i] for i in ids] == [sha(f"answer {n}") for n in range(25)]
    last = LedgerEntry.objects.order_by("-sequence").first()
    assert data["attestations"][-1]["entry_hash"] == last.entry_hash


def test_one_bad_item_refuses_the_whole_batch_naming_index_and_field(gateway, version):
    items = [item(version, n) for n in range(5)]
    items[3]["output_sha256"] = "not-a-hash"
    before = LedgerEntry.objects.count()
    response = gateway.post(BATCH_URL, {"attestations": items}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["errors"] == [
        {
            "index": 3,
            "field": "output_sha256",
            "message": "Must be a SHA-256 digest: 64 hexadecimal characters.",
        }
    ]
    assert "Nothing was registered" in data["detail"]
    assert not Attestation.objects.exists()
    assert LedgerEntry.objects.count() == before


def test_every_problem_of_a_batch_is_listed(gateway, version):
    items = [item(version, n) for n in range(3)]
    items[0]["decision"] = "maybe"
    items[2]["metadata"] = ["not", "an", "object"]
    items[2]["colour"] = "blue"
    response = gateway.post(BATCH_URL, {"attestations": items}, format="json")
    assert response.status_code == 400
    found = {(p["index"], p["field"]) for p in response.json()["errors"]}
    assert found == {(0, "decision"), (2, "metadata"), (2, "colour")}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"input_sha256": "ab" * 31}, "input_sha256"),
        ({"input_sha256": "ab" * 32 + "\n"}, "input_sha256"),
        ({"output_sha256": "zz" * 32}, "output_sha256"),
        ({"decision": ""}, "decision"),
        ({"metadata": {"note": "x" * 5000}}, "metadata"),
        ({"metadata": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}, "metadata"),
        ({"metadata": {"big": 1e300}}, "metadata"),
        ({"metadata": {"zero": -0.0}}, "metadata"),
        ({"metadata": {"huge": 2**60}}, "metadata"),
        ({"model_version": "v1"}, "model_version"),
        ({"model_version": None}, "model_version"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-01T10:00:00"}, "occurred_at"),
        ({"system": ""}, "system"),
    ],
)
def test_single_call_validation_names_the_field(gateway, version, overrides, field):
    response = gateway.post(URL, item(version, **overrides), format="json")
    assert response.status_code == 400, response.json()
    assert [p["field"] for p in response.json()["errors"]] == [field]
    assert not Attestation.objects.exists()


def test_model_version_of_another_system_is_refused(gateway, version, lead):
    other = factories.ai_system(lead, slug="credit-scoring")
    foreign = services.model_version_create(
        actor=lead,
        data={"system": other, "label": "v9", "deployed_at": timezone.now()},
    )
    response = gateway.post(URL, item(version, model_version=foreign.pk), format="json")
    assert response.status_code == 400
    problem = response.json()["errors"][0]
    assert problem["field"] == "model_version"
    assert "support-assistant has no model version" in problem["message"]


def test_output_produced_when_the_version_was_not_in_use_is_refused(gateway, version):
    before = (version.deployed_at - datetime.timedelta(days=2)).isoformat()
    response = gateway.post(URL, item(version, occurred_at=before), format="json")
    assert response.status_code == 400
    assert "was not in use at" in response.json()["errors"][0]["message"]


def test_future_production_time_is_refused(gateway, version):
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    response = gateway.post(URL, item(version, occurred_at=later), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "This time is in the future."


def test_occurred_at_is_kept_when_given(gateway, version):
    when = timezone.now().replace(microsecond=123456) - datetime.timedelta(minutes=3)
    response = gateway.post(URL, item(version, occurred_at=when.isoformat()), format="json")
    assert response.status_code == 201
    assert Attestation.objects.get().occurred_at == when


def test_batch_size_is_bounded(gateway, version):
    too_many = [item(version, n) for n in range(MAX_BATCH + 1)]
    response = gateway.post(BATCH_URL, {"attestations": too_many}, format="json")
    assert response.status_code == 400
    assert "at most 1000" in response.json()["errors"][0]["message"]
    empty = gateway.post(BATCH_URL, {"attestations": []}, format="json")
    assert empty.status_code == 400
    missing = gateway.post(BATCH_URL, {"items": []}, format="json")
    assert missing.status_code == 400
    assert not Attestation.objects.exists()


def test_attestations_cannot_be_changed_or_deleted(gateway, version, client_for, lead):
    gateway.post(URL, item(version), format="json")
    attestation = Attestation.objects.get()
    with pytest.raises(ValueError):
        attestation.save()
    with pytest.raises(ValueError):
        attestation.delete()
    client = APIClient()
    client.force_authenticate(lead)
    detail = f"{URL}{attestation.pk}/"
    assert client.get(detail).status_code == 200
    assert client.put(detail, {}, format="json").status_code == 405
    assert client.patch(detail, {}, format="json").status_code == 405
    assert client.delete(detail).status_code == 405


def test_list_filters_by_system_and_model_version(gateway, version, lead):
    newer = services.model_version_create(
        actor=lead,
        data={"system": version.system, "label": "v2", "deployed_at": timezone.now()},
    )
    gateway.post(BATCH_URL, {"attestations": [item(version, 1), item(newer, 2)]}, format="json")
    client = APIClient()
    client.force_authenticate(lead)
    everything = client.get(URL, {"system": "support-assistant"}).json()
    assert len(everything["results"]) == 2
    only_v2 = client.get(URL, {"model_version": newer.pk}).json()
    assert [a["model_version_label"] for a in only_v2["results"]] == ["v2"]
    assert only_v2["results"][0]["sequence"] is not None
    assert client.get(URL, {"system": "nothing-here"}).json()["results"] == []
