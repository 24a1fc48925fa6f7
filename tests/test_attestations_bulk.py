"""A batch of attestations is written in bulk: the same number of queries at 10 and 500
items, rows stored exactly as their ledger entries hashed them (metadata of every JSON
kind), ids ascending in the order sent, and every entry, receipt and verification as for a
single attestation."""

import datetime
import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from integrity import selectors
from integrity import services as ledger
from integrity.attestations import attestation_token_create
from integrity.models import Attestation, LedgerEntry
from registry import services

from . import factories

pytestmark = pytest.mark.django_db

BATCH_URL = "/api/v1/registry/attestations/batch/"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def version(lead):
    system = factories.ai_system(lead, slug="bulk-gateway", name="Bulk gateway")
    deployed = timezone.now() - datetime.timedelta(days=30)
    return services.model_version_create(
        actor=lead, data={"system": system, "label": "v2", "deployed_at": deployed}
    )


@pytest.fixture
def gateway(admin_user, version):
    key = attestation_token_create(actor=admin_user, system=version.system, name="Bulk")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


METADATA = [
    {},
    {"text": 'é ß 漢字 \u2028 \u2029 "quoted" back\\slash', "emoji": "\U0001f600"},
    {"numbers": [0, -1, 2**53, 1.5, -0.25, 123456789.125], "flags": [True, False, None]},
    {"nested": {"a": {"b": ["deep"]}}, "": "empty key"},
]


def item(version, n, **extra):
    return {
        "system": version.system.slug,
        "model_version": version.pk,
        "input_sha256": sha(f"in {n}"),
        "output_sha256": sha(f"out {n}").upper(),
        "decision": "allowed",
        "metadata": METADATA[n % len(METADATA)],
        **extra,
    }


def post_batch(gateway, version, count, start=0):
    items = [item(version, start + n) for n in range(count)]
    with CaptureQueriesContext(connection) as captured:
        response = gateway.post(BATCH_URL, {"attestations": items}, format="json")
    assert response.status_code == 201, response.content[:500]
    return response.json(), len(captured)


def test_a_batch_costs_the_same_queries_whatever_its_size(gateway, version):
    post_batch(gateway, version, 3)  # the token's last-used time is written once a minute
    _, small = post_batch(gateway, version, 10, start=10)
    # SQLite takes at most 999 parameters per statement, so bulk_create splits its INSERT
    # every 99 rows there; PostgreSQL inserts any batch in one statement.
    size = 500 if connection.vendor == "postgresql" else 90
    _, large = post_batch(gateway, version, size, start=100)
    assert large == small


def test_rows_are_stored_as_their_entries_hashed_them(gateway, version):
    answer, _ = post_batch(gateway, version, 8)
    ids = [a["id"] for a in answer["attestations"]]
    assert ids == sorted(ids) and len(set(ids)) == 8
    covering = LedgerEntry.objects.filter(covered_model="registry.attestation")
    entries = {e.covered_id: e for e in covering.filter(covered_id__in=ids)}
    assert [entries[i].sequence for i in ids] == sorted(e.sequence for e in entries.values())
    expected = {i: entries[i].content_hash for i in ids}
    # Recomputed from the rows as the database holds them now.
    assert selectors.row_hashes("registry.attestation", expected) == expected
    stored = Attestation.objects.in_bulk(ids)
    for n, pk in enumerate(ids):
        assert stored[pk].metadata == METADATA[n % len(METADATA)]
        assert stored[pk].output_sha256 == sha(f"out {n}")
        receipt = answer["attestations"][n]["receipt"]
        assert receipt["covered_id"] == pk
        assert receipt["content_hash"] == entries[pk].content_hash
        assert receipt["row"]["metadata"] == METADATA[n % len(METADATA)]


def test_a_verification_after_bulk_batches_is_intact(gateway, version):
    for start in (0, 50):
        post_batch(gateway, version, 40, start=start)
    ledger.checkpoint_create()
    checker = ledger.chain_check()
    assert checker.problems == [], checker.problems[:3]
    assert Attestation.objects.count() == 80


def test_a_refused_batch_writes_no_row_and_no_entry(gateway, version):
    before = (Attestation.objects.count(), LedgerEntry.objects.count())
    items = [item(version, 0), item(version, 1, decision="maybe")]
    response = gateway.post(BATCH_URL, {"attestations": items}, format="json")
    assert response.status_code == 400
    assert json.loads(response.content)["errors"][0]["field"] == "decision"
    assert (Attestation.objects.count(), LedgerEntry.objects.count()) == before
