"""The evidence bundle: what is inside, who may build it, and the offline verifier's verdict
on a clean bundle, on one area, and against a key the auditor trusts."""

import json
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from integrity import bundles, job_start, services, signing
from integrity.models import EvidenceBundle, LedgerEntry
from integrity.verify_bundle import main as verify_main

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(lead):
    factories.supplier(lead, name="Northwind <Models>")
    factories.ai_system(lead, name="Support assistant")
    services.checkpoint_create()


def test_bundle_holds_ledger_records_checkpoints_key_and_verifier(recorded, auditor):
    bundle = job_start.bundle_request(actor=auditor)
    assert bundle.status == EvidenceBundle.Status.READY and bundle.progress == 100
    with zipfile.ZipFile(bundles.bundle_path(bundle)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        ledger = archive.read("ledger.jsonl").decode().splitlines()
        records = [json.loads(line) for line in archive.read("records.jsonl").splitlines()]
        assert archive.read("public_key.pem").decode() == signing.public_key_pem()
    assert {
        "manifest.json",
        "ledger.jsonl",
        "records.jsonl",
        "checkpoints.json",
        "public_key.pem",
        "verify_bundle.py",
        "README.txt",
    } <= names
    assert len(ledger) == LedgerEntry.objects.count() == manifest["entries"]
    assert any(r["row"].get("name") == "Northwind <Models>" for r in records)


def test_verifier_says_ok_on_a_clean_bundle(recorded, auditor, capsys):
    bundle = job_start.bundle_request(actor=auditor)
    assert verify_main([str(bundles.bundle_path(bundle))]) == 0
    assert "OK:" in capsys.readouterr().out


def test_area_bundle_has_only_that_areas_records_but_the_whole_chain(recorded, auditor, capsys):
    bundle = job_start.bundle_request(actor=auditor, area="inventory")
    with zipfile.ZipFile(bundles.bundle_path(bundle)) as archive:
        records = [json.loads(line) for line in archive.read("records.jsonl").splitlines()]
        entries = archive.read("ledger.jsonl").decode().splitlines()
    assert records and all(r["model"].startswith("registry.") for r in records)
    assert len(entries) == LedgerEntry.objects.count()
    assert verify_main([str(bundles.bundle_path(bundle))]) == 0


def test_verifier_rejects_a_bundle_signed_by_another_key(recorded, auditor, tmp_path, capsys):
    bundle = job_start.bundle_request(actor=auditor)
    other = tmp_path / "trusted.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert verify_main([str(bundles.bundle_path(bundle)), "--public-key", str(other)]) == 1
    assert "Signature invalid" in capsys.readouterr().out


def test_download_and_progress_pages(recorded, client_for, auditor):
    client = client_for(auditor)
    response = client.post("/integrity/bundles/new/", {"area": ""}, follow=True)
    bundle = EvidenceBundle.objects.get()
    assert "Download the bundle" in response.content.decode()
    download = client.get(f"/integrity/bundles/{bundle.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_unknown_area_is_refused_with_a_message(client_for, auditor):
    response = client_for(auditor).post("/integrity/bundles/new/", {"area": "nope"}, follow=True)
    assert "Choose an area that has records" in response.content.decode()
    assert not EvidenceBundle.objects.exists()


def test_roles_without_export_cannot_build_or_fetch(recorded, client_for, owner, auditor):
    bundle = job_start.bundle_request(actor=auditor)
    client = client_for(owner)
    assert client.post("/integrity/bundles/new/").status_code == 403
    assert client.get(f"/integrity/bundles/{bundle.pk}/download/").status_code == 403
