"""Signed receipts of attestations, their inclusion proofs, and the stand-alone
verify_receipt.py run as a separate process: a genuine receipt verifies after a checkpoint;
a tampered receipt, proof, checkpoint or key each fail, naming why."""

import base64
import copy
import datetime
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from integrity import receipts, signing
from integrity import services as ledger
from integrity import verify_receipt as tlog
from integrity.attestations import (
    attestation_receipt,
    attestation_token_create,
    attestations_register,
)
from integrity.models import Attestation
from integrity.verify_bundle import canonical_json
from registry import services

from . import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/registry/attestations/"
VERIFIER = Path(tlog.__file__)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def version(lead):
    system = factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    deployed = timezone.now() - datetime.timedelta(days=30)
    return services.model_version_create(
        actor=lead, data={"system": system, "label": "v1.4", "deployed_at": deployed}
    )


def gateway_for(admin_user, system):
    key = attestation_token_create(actor=admin_user, system=system, name="Gateway")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def gateway(admin_user, version):
    return gateway_for(admin_user, version.system)


def item(version, n=0):
    return {
        "system": version.system.slug,
        "model_version": version.pk,
        "input_sha256": sha(f"question {n}"),
        "output_sha256": sha(f"answer {n}"),
        "decision": "allowed",
        "metadata": {"request_id": f"r-{n}", "score": 0.25},
    }


def register_batch(gateway, version, count):
    items = [item(version, n) for n in range(count)]
    response = gateway.post(URL + "batch/", {"attestations": items}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["attestations"]


def run_verifier(tmp_path, receipt, proof, note, key_pem):
    paths = {}
    for name, content in (
        ("receipt.json", receipt if isinstance(receipt, str) else json.dumps(receipt)),
        ("proof.json", proof if isinstance(proof, str) else json.dumps(proof)),
        ("checkpoint.txt", note),
        ("key.pem", key_pem),
    ):
        paths[name] = tmp_path / name
        if content is not None:
            paths[name].write_text(content)
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            str(VERIFIER),
            str(paths["receipt.json"]),
            "--proof",
            str(paths["proof.json"]),
            "--checkpoint",
            str(paths["checkpoint.txt"]),
            "--public-key",
            str(paths["key.pem"]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def verified(gateway, version, lead):
    """A batch registered, a checkpoint made, and (receipt, proof, note, key) of item 2."""
    registered = register_batch(gateway, version, 5)
    ledger.checkpoint_create()
    client = APIClient()
    client.force_authenticate(lead)
    response = client.get(f"{URL}{registered[2]['id']}/proof/")
    assert response.status_code == 200, response.json()
    proof = response.json()
    return registered[2]["receipt"], proof, proof["checkpoint"]["note"], signing.public_key_pem()


def test_each_answer_carries_a_receipt_that_binds_row_entry_and_leaf(gateway, version):
    registered = register_batch(gateway, version, 3)
    for position in registered:
        receipt = position["receipt"]
        attestation = Attestation.objects.get(pk=position["id"])
        assert receipt["leaf_index"] == position["sequence"] - 1
        assert receipt["entry_hash"] == position["entry_hash"]
        assert receipt["row"]["output_sha256"] == attestation.output_sha256
        assert receipt["content_hash"] == hashlib.sha256(canonical_json(receipt["row"])).hexdigest()
        assert receipt["system"] == "support-assistant" and receipt["model_version"] == "v1.4"
        assert receipt["origin"] == settings.LEDGER_ORIGIN
    # consecutive entries chain: each receipt's previous hash is the entry before it
    assert registered[1]["receipt"]["prev_hash"] == registered[0]["entry_hash"]
    text = tlog.entry_text(
        *(registered[0]["receipt"][f] for f in ("prev_hash", "kind", "covered_model")),
        registered[0]["id"],
        registered[0]["receipt"]["content_hash"],
    )
    assert hashlib.sha256(text).hexdigest() == registered[0]["entry_hash"]


def test_receipt_signature_is_by_the_ledger_key_over_the_other_fields(gateway, version):
    response = gateway.post(URL, item(version), format="json")
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    fields = {k: v for k, v in receipt.items() if k != "signature"}
    signing.public_key().verify(base64.b64decode(receipt["signature"]), canonical_json(fields))


def test_a_receipt_rebuilt_later_is_byte_for_byte_the_one_answered(gateway, version):
    answered = register_batch(gateway, version, 2)[1]
    rebuilt = attestation_receipt(Attestation.objects.get(pk=answered["id"]))
    assert rebuilt == answered["receipt"]


def test_the_verifier_module_hashes_json_as_the_portal_does():
    value = {"b": [1, 2.5, "é"], "a": {"z": None, "y": True}}
    assert tlog.canonical_json(value) == canonical_json(value)


def test_proof_before_any_checkpoint_says_when_the_next_is_due(gateway, version, lead):
    registered = register_batch(gateway, version, 1)
    client = APIClient()
    client.force_authenticate(lead)
    response = client.get(f"{URL}{registered[0]['id']}/proof/")
    assert response.status_code == 409
    data = response.json()
    assert "not covered by a signed checkpoint yet" in data["detail"]
    assert f"every {settings.LEDGER_CHECKPOINT_INTERVAL} seconds" in data["detail"]
    assert data["leaf_index"] == registered[0]["sequence"] - 1
    assert 1 <= int(response["Retry-After"]) <= settings.LEDGER_CHECKPOINT_INTERVAL
    assert data["next_checkpoint_due"].endswith("Z")


def test_proof_is_against_the_first_checkpoint_covering_the_entry(gateway, version, lead):
    first = register_batch(gateway, version, 3)
    covering = ledger.checkpoint_create()
    later = register_batch(gateway, version, 4)
    with override_settings(LEDGER_CHECKPOINT_INTERVAL=5):
        ledger.checkpoint_create()
    client = APIClient()
    client.force_authenticate(lead)
    proof = client.get(f"{URL}{first[1]['id']}/proof/").json()
    assert proof["tree_size"] == covering.sequence
    assert proof["checkpoint"]["id"] == covering.pk
    assert proof["checkpoint"]["note"] == covering.note
    assert base64.b64decode(proof["checkpoint"]["tsa_token"]) == bytes(covering.tsa_token)
    leaf = first[1]["sequence"] - 1
    assert proof["leaf_index"] == leaf
    before_second = client.get(f"{URL}{later[0]['id']}/proof/")
    assert before_second.status_code == 200  # the second checkpoint covers it
    assert before_second.json()["tree_size"] > covering.sequence


def test_a_gateway_token_reads_proofs_of_its_own_system_only(gateway, version, admin_user, lead):
    mine = register_batch(gateway, version, 1)[0]
    other = factories.ai_system(lead, slug="other-system", name="Other system")
    other_version = services.model_version_create(
        actor=lead,
        data={
            "system": other,
            "label": "v9",
            "deployed_at": timezone.now() - datetime.timedelta(days=3),
        },
    )
    theirs = register_batch(gateway_for(admin_user, other), other_version, 1)[0]
    ledger.checkpoint_create()
    assert gateway.get(f"{URL}{mine['id']}/proof/").status_code == 200
    assert gateway.get(f"{URL}{theirs['id']}/proof/").status_code == 404
    assert gateway.get(f"{URL}{mine['id']}/").status_code in (401, 403)  # proofs only


def test_proof_needs_the_right_to_read_attestations(gateway, version, make_user):
    registered = register_batch(gateway, version, 1)[0]
    ledger.checkpoint_create()
    url = f"{URL}{registered['id']}/proof/"
    assert APIClient().get(url).status_code in (401, 403)
    nobody = APIClient()
    nobody.force_authenticate(make_user())
    assert nobody.get(url).status_code == 403


def test_verify_receipt_accepts_a_genuine_receipt(tmp_path, verified):
    status, output = run_verifier(tmp_path, *verified)
    assert status == 0, output
    assert output.startswith("OK: registry.attestation")


def test_verify_receipt_fails_a_tampered_receipt(tmp_path, verified):
    receipt, proof, note, key = verified
    changed = copy.deepcopy(receipt)
    changed["row"]["decision"] = "blocked"
    status, output = run_verifier(tmp_path, changed, proof, note, key)
    assert status == 1
    assert "FAILED: receipt signature invalid" in output
    assert "FAILED: content hash mismatch" in output


def test_verify_receipt_fails_a_receipt_resigned_with_another_key(tmp_path, verified):
    receipt, proof, note, key = verified
    forged = {k: v for k, v in receipt.items() if k != "signature"}
    forged["row"] = {**forged["row"], "output_sha256": sha("something else")}
    forged["content_hash"] = hashlib.sha256(canonical_json(forged["row"])).hexdigest()
    signature = Ed25519PrivateKey.generate().sign(canonical_json(forged))
    forged["signature"] = base64.b64encode(signature).decode()
    status, output = run_verifier(tmp_path, forged, proof, note, key)
    assert status == 1
    assert "FAILED: receipt signature invalid" in output
    assert "FAILED: entry hash mismatch" in output


def test_verify_receipt_fails_a_tampered_proof(tmp_path, verified):
    receipt, proof, note, key = verified
    changed = copy.deepcopy(proof)
    changed["proof"][0] = "00" * 32
    status, output = run_verifier(tmp_path, receipt, changed, note, key)
    assert status == 1
    assert "FAILED: inclusion proof invalid" in output


def test_verify_receipt_fails_a_tampered_checkpoint(tmp_path, verified):
    receipt, proof, note, key = verified
    lines = note.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    status, output = run_verifier(tmp_path, receipt, proof, "\n".join(lines), key)
    assert status == 1
    assert "FAILED: checkpoint signature invalid" in output


def test_verify_receipt_fails_another_key(tmp_path, verified):
    receipt, proof, note, _ = verified
    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    status, output = run_verifier(tmp_path, receipt, proof, note, other)
    assert status == 1
    assert "FAILED: receipt signature invalid" in output
    assert "FAILED: checkpoint signature invalid" in output


def test_verify_receipt_fails_a_checkpoint_that_does_not_cover_the_leaf(tmp_path, gateway, version):
    register_batch(gateway, version, 2)
    old = ledger.checkpoint_create()
    late = register_batch(gateway, version, 1)[0]
    with override_settings(LEDGER_CHECKPOINT_INTERVAL=5):
        ledger.checkpoint_create()
    proof = receipts.receipt_proof("registry.attestation", late["id"])
    status, output = run_verifier(
        tmp_path, late["receipt"], proof, old.note, signing.public_key_pem()
    )
    assert status == 1
    assert "FAILED: checkpoint does not cover the entry" in output


@pytest.mark.parametrize("which", ["receipt.json", "proof.json", "checkpoint.txt", "key.pem"])
@pytest.mark.parametrize("how", ["empty", "missing"])
def test_verify_receipt_refuses_an_empty_or_missing_file(tmp_path, verified, which, how):
    names = ["receipt.json", "proof.json", "checkpoint.txt", "key.pem"]
    files = dict(zip(names, verified, strict=True))
    files[which] = "" if how == "empty" else None
    status, output = run_verifier(tmp_path, *files.values())
    assert status == 2, output
    assert "ERROR:" in output and which.split(".")[0] in output
    assert "OK" not in output


def test_verify_receipt_refuses_a_receipt_that_is_not_one(tmp_path, verified):
    _, proof, note, key = verified
    status, output = run_verifier(tmp_path, {"hello": "world"}, proof, note, key)
    assert status == 2
    assert "ERROR: the receipt has no valid 'format' field" in output


def test_the_signed_bytes_splice_the_row_exactly_where_canonical_json_puts_it():
    row = {"id": 7, "metadata": {"z": "é\u2028", "a": [1.5, None]}, "decision": "allow"}
    fields = {
        "format": "f",
        "content_hash": "c",
        "covered_id": 7,
        "covered_model": "registry.attestation",
        "entry_hash": "e",
        "kind": "attestation",
        "leaf_index": 0,
        "row": row,
        "system": 'sys "q"\u2029',
        "time": "t",
        "prev_hash": "p",
        "origin": "o",
        "model_version": "v1 é",
    }
    assert sorted(fields) == list(receipts.SIGNED_FIELDS)
    spliced = receipts._signed_bytes(fields, canonical_json(row))
    assert spliced == canonical_json(fields)


def test_a_batch_receipt_carries_its_json_text_with_the_same_content(admin_user, version):
    token = attestation_token_create(actor=admin_user, system=version.system, name="G")[0]
    done = attestations_register(token=token, items=[item(version, 0), item(version, 1)])
    for registered in done:
        receipt = registered.receipt
        assert json.loads(receipt.json) == receipt
        assert list(json.loads(receipt.json)) == [*receipts.SIGNED_FIELDS, "signature"]
