"""Backup then restore gives back exactly the rows of every table (history with its exact
timestamps, links, the ledger, checkpoints, attestations, users), the uploaded files, and a
ledger that verifies; encrypted, checked before anything loads, refused when wrong."""

import datetime
import decimal
import hashlib
import io
import json
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone

from aims_portal import api_tokens, backup
from assessments.models import Risk
from audits import services as audits
from audits.models import EvidenceItem
from integrity import services as ledger
from integrity.attestations import attestation_token_create, attestations_register
from integrity.models import Checkpoint, LedgerEntry, VerificationRun
from registry import services
from registry.models import AISystem, Supplier

from . import factories
from .test_attestations_api import item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keys():
    secret, public = backup.generate_identity()
    return {"recipients": [public]}, {"identities": [secret]}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def table_digests():
    """SHA-256 of every table's rows, every column, in id order."""
    digests = {}
    for model in backup._models():
        names = [f.attname for f in backup._fields(model)]
        rows = model._base_manager.order_by("pk").values_list(*names)
        digests[model._meta.label_lower] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


@pytest.fixture
def estate(lead, owner, executive, admin_user, media):
    """Records with history and links, attestations, an upload, a token and a checkpoint."""
    supplier = factories.supplier(lead, name="Northwind")
    system = factories.ai_system(lead, owner=owner, supplier=supplier, slug="support-bot")
    services.supplier_update(
        supplier, actor=lead, data={"services": "LLM"}, expected_version=1, reason="Scope"
    )
    factories.risk(lead, systems=[system])
    version = services.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v1",
            "deployed_at": timezone.now() - datetime.timedelta(days=1),
        },
    )
    token, _ = attestation_token_create(actor=admin_user, system=system, name="Gateway")
    attestations_register(token=token, items=[item(version, n) for n in range(3)])
    review = factories.management_review(lead, executive)
    action = factories.corrective_action(lead, owner, review=review)
    audits.evidence_add(
        actor=lead,
        data={
            "kind": "file",
            "title": "Agenda",
            "corrective_action": action,
            "upload": SimpleUploadedFile("agenda.pdf", b"%PDF-1.4 agenda", "application/pdf"),
        },
    )
    api_tokens.api_token_create(executive)
    ledger.checkpoint_create()
    return table_digests()


def restore_into_empty_database(path, **keys):
    # As good as a newly migrated database for restore: it holds no users.
    call_command("flush", interactive=False, verbosity=0)
    backup.restore(path, **keys)


def test_restore_writes_back_exactly_the_rows_of_every_table(estate, keys, tmp_path, media):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])
    uploads = {p.relative_to(media): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    for upload in media.rglob("*"):
        if upload.is_file():
            upload.unlink()
    restore_into_empty_database(path, **keys[1])
    assert table_digests() == estate
    assert {p.relative_to(media): p.read_bytes() for p in media.rglob("*") if p.is_file()} == (
        uploads
    )
    assert list(uploads.values()) == [b"%PDF-1.4 agenda"]


def test_restored_ledger_verifies_and_history_keeps_microseconds(estate, keys, tmp_path):
    dates = list(Supplier.history.order_by("history_id").values_list("history_date", flat=True))
    assert any(d.microsecond % 1000 for d in dates)  # the case a millisecond format breaks
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])
    restore_into_empty_database(path, **keys[1])
    assert (
        list(Supplier.history.order_by("history_id").values_list("history_date", flat=True))
        == dates
    )
    run = ledger.verification_run()
    assert run.status == VerificationRun.Status.OK, run.problems
    assert run.checkpoints_checked == Checkpoint.objects.count() == 1
    assert run.entries_checked == LedgerEntry.objects.count() > 0


def test_restore_writes_no_history_and_no_ledger_entry_of_its_own(estate, keys, tmp_path):
    path = tmp_path / "backup.age"
    manifest = backup.backup(path, **keys[0])
    restore_into_empty_database(path, **keys[1])
    assert Risk.history.count() == manifest["counts"]["assessments.historicalrisk"]
    assert LedgerEntry.objects.count() == manifest["counts"]["integrity.ledgerentry"]
    risk = Risk.objects.get()
    assert list(risk.systems.values_list("slug", flat=True)) == ["support-bot"]


def test_records_created_after_a_restore_take_new_ids(estate, keys, tmp_path, lead):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])
    restore_into_empty_database(path, **keys[1])
    lead = type(lead).objects.get(username="lead")
    risk = factories.risk(lead, systems=[AISystem.objects.get()])
    assert risk.pk > Risk.objects.exclude(pk=risk.pk).get().pk
    assert ledger.verification_run().status == VerificationRun.Status.OK


def test_commands_use_the_passphrase_from_the_environment(estate, tmp_path, monkeypatch):
    monkeypatch.setenv("AIMS_BACKUP_PASSPHRASE", "correct horse battery staple")
    path = tmp_path / "backup.age"
    call_command("backup", str(path), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    monkeypatch.setenv("AIMS_BACKUP_PASSPHRASE", "wrong horse")
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("restore", str(path))
    assert not Supplier.objects.exists()
    monkeypatch.setenv("AIMS_BACKUP_PASSPHRASE", "correct horse battery staple")
    out = io.StringIO()
    call_command("restore", str(path), stdout=out)
    assert "every count matches" in out.getvalue()
    assert table_digests() == estate


def test_commands_use_an_age_key_pair(estate, tmp_path, monkeypatch):
    monkeypatch.delenv("AIMS_BACKUP_PASSPHRASE", raising=False)
    identity = tmp_path / "backup-key.txt"
    out = io.StringIO()
    call_command("backup", keygen=str(identity), stdout=out)
    recipients = tmp_path / "recipients.txt"
    recipients.write_text(out.getvalue().splitlines()[-1] + "\n")
    path = tmp_path / "backup.age"
    call_command("backup", str(path), recipients=str(recipients), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(path), identity=str(identity), stdout=io.StringIO())
    assert table_digests() == estate


def test_backup_without_a_key_is_refused(db, tmp_path, monkeypatch):
    monkeypatch.delenv("AIMS_BACKUP_PASSPHRASE", raising=False)
    path = tmp_path / "backup.age"
    with pytest.raises(CommandError, match="passphrase"):
        call_command("backup", str(path))
    assert not path.exists()


def test_the_file_holds_no_secret_in_clear(estate, keys, tmp_path, executive):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])
    sealed = path.read_bytes()
    assert sealed.startswith(backup.AGE_MAGIC)
    assert executive.password.encode() not in sealed
    assert b"Northwind" not in sealed and not zipfile.is_zipfile(path)


def test_a_tampered_file_is_refused_and_changes_nothing(estate, keys, tmp_path):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])
    sealed = bytearray(path.read_bytes())
    sealed[len(sealed) // 2] ^= 0x01
    path.write_bytes(bytes(sealed))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(backup.RestoreError, match="cannot be decrypted"):
        backup.restore(path, **keys[1])
    assert backup.counts()["registry.supplier"] == 0


def _reseal(path, keys, change):
    """Decrypt, let ``change`` alter the archive's files, and encrypt again with the key."""
    plain = backup.decrypt(path.read_bytes(), **keys[1])
    with zipfile.ZipFile(io.BytesIO(plain)) as original:
        files = {name: original.read(name) for name in original.namelist()}
    change(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as copy:
        for name, content in files.items():
            copy.writestr(name, content)
    path.write_bytes(backup.encrypt(buffer.getvalue(), **keys[0]))


def test_a_table_that_does_not_match_its_hash_is_refused_before_loading(estate, keys, tmp_path):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])

    def rename(files):
        name = "tables/registry.supplier.jsonl"
        files[name] = files[name].replace(b"Northwind", b"Southwind")

    _reseal(path, keys, rename)
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(backup.RestoreError, match="does not match the manifest"):
        backup.restore(path, **keys[1])
    assert backup.counts()["registry.supplier"] == 0


def test_a_backup_of_another_schema_is_refused(estate, keys, tmp_path):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])

    def drop_column(files):
        manifest = json.loads(files["manifest.json"])
        manifest["tables"]["registry.supplier"]["columns"].pop()
        files["manifest.json"] = json.dumps(manifest).encode()

    _reseal(path, keys, drop_column)
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(backup.RestoreError, match="other columns"):
        backup.restore(path, **keys[1])
    assert backup.counts()["registry.supplier"] == 0


def test_restore_refuses_a_database_that_holds_records(estate, keys, tmp_path):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])
    with pytest.raises(backup.RestoreError, match="already holds records"):
        backup.restore(path, **keys[1])
    assert table_digests() == estate


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path, keys):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.json", "[]")
    with pytest.raises(CommandError, match="not a portal backup"):
        call_command("restore", str(path))


def test_a_failed_restore_leaves_no_uploaded_file(estate, keys, tmp_path, media, monkeypatch):
    path = tmp_path / "backup.age"
    backup.backup(path, **keys[0])
    for upload in [p for p in media.rglob("*") if p.is_file()]:
        upload.unlink()
    call_command("flush", interactive=False, verbosity=0)

    def fail(*args, **kwargs):
        raise backup.RestoreError("Counts differ")

    monkeypatch.setattr(backup, "counts", fail)
    with pytest.raises(backup.RestoreError):
        backup.restore(path, **keys[1])
    assert [p for p in media.rglob("*") if p.is_file()] == []
    assert not EvidenceItem.objects.exists()


def test_manifest_lists_rows_and_hashes_per_table(estate, keys, tmp_path):
    path = tmp_path / "backup.age"
    manifest = backup.backup(path, **keys[0])
    assert manifest["counts"]["registry.supplier"] == 1
    assert manifest["counts"]["registry.historicalsupplier"] == 2
    assert manifest["counts"]["assessments.risk_systems"] == 1
    entry = manifest["tables"]["registry.supplier"]
    assert len(entry["sha256"]) == 64 and "name" in entry["columns"]


@pytest.mark.parametrize(
    "field, value",
    [
        (
            models.DateTimeField(),
            datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC),
        ),
        (models.DateField(), datetime.date(2026, 1, 2)),
        (models.TimeField(), datetime.time(3, 4, 5, 6)),
        (models.DurationField(), datetime.timedelta(days=2, microseconds=7)),
        (models.DecimalField(max_digits=12, decimal_places=6), decimal.Decimal("1.000001")),
        (models.BinaryField(), b"\x00\xffsigned note\n"),
        (models.UUIDField(), uuid.UUID("12345678-1234-5678-1234-567812345678")),
        (models.JSONField(), {"nested": [1, 2.5, None, "x"], "s": "2026-01-02T03:04:05"}),
        (models.JSONField(), "a JSON string"),
        (models.FloatField(), 0.1 + 0.2),
        (models.BigIntegerField(), 2**62),
        (models.BooleanField(), False),
    ],
)
def test_every_field_type_survives_the_file_format_exactly(field, value):
    field.set_attributes_from_name("value")
    encoded = json.loads(json.dumps(backup._encoder(field)(value)))
    decoded = backup._decoder(field)(encoded)
    assert (bytes(decoded) if isinstance(decoded, memoryview) else decoded) == value
