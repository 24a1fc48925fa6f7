"""Signed checkpoints: made on demand (admins, command) and by the scheduled task, with the
key from settings; auditors see them and the public key but cannot sign."""

import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.utils import timezone

from integrity import services, signing, tasks
from integrity import verify_receipt as tlog
from integrity.models import Checkpoint, LedgerEntry
from integrity.verify_bundle import load_public_key

pytestmark = pytest.mark.django_db


def pem_key():
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def test_checkpoint_is_a_signed_note_over_the_tree_head(admin_user, settings):
    checkpoint = services.checkpoint_create(actor=admin_user)
    assert checkpoint.sequence == services.selectors.head()["sequence"]
    public = load_public_key(signing.public_key_pem())
    origin, size, root, extensions = tlog.open_checkpoint(
        checkpoint.note, settings.LEDGER_ORIGIN, public
    )
    assert (origin, size) == (settings.LEDGER_ORIGIN, checkpoint.sequence)
    assert root.hex() == checkpoint.root_hash == services.tree_head()[1].hex()
    assert extensions[0].startswith("time 20")
    # the root is the RFC 9162 root of the entries' leaves, recomputed here from scratch
    tree = tlog.CompactRange()
    for e in LedgerEntry.objects.order_by("sequence"):
        tree.append(
            tlog.leaf_hash(
                tlog.entry_text(e.prev_hash, e.kind, e.covered_model, e.covered_id, e.content_hash)
            )
        )
    assert tree.root() == root


def test_key_comes_from_settings(settings, lead):
    settings.LEDGER_SIGNING_KEY = pem_key()
    expected = load_public_key(
        serialization.load_pem_private_key(settings.LEDGER_SIGNING_KEY.encode(), None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    checkpoint = services.checkpoint_create()
    assert tlog.open_checkpoint(checkpoint.note, settings.LEDGER_ORIGIN, expected)


def test_key_file_setting(settings, tmp_path, lead):
    key_file = tmp_path / "ledger.pem"
    key_file.write_text(pem_key())
    settings.LEDGER_SIGNING_KEY_FILE = str(key_file)
    assert signing.public_key_pem() != ""
    checkpoint = services.checkpoint_create()
    assert checkpoint.key_fingerprint == signing.fingerprint()


def test_scheduled_task_signs_only_when_the_log_grew_and_the_interval_passed(
    lead, make_user, settings
):
    first = tasks.checkpoint()
    assert tasks.checkpoint() == first  # nothing new
    make_user(username="newcomer")
    assert tasks.checkpoint() == first  # grew, but the last checkpoint is too recent
    Checkpoint.objects.update(signed_at=timezone.now() - timedelta(seconds=61))
    second = tasks.checkpoint()
    assert second != first
    assert Checkpoint.objects.count() == 2
    assert Checkpoint.objects.get(pk=second).sequence > Checkpoint.objects.get(pk=first).sequence


def test_command_signs_the_head(lead):
    out = io.StringIO()
    call_command("ledger_checkpoint", stdout=out)
    assert "Signed checkpoint of" in out.getvalue()
    assert Checkpoint.objects.get().note in out.getvalue()
    assert Checkpoint.objects.count() == 1


def test_admin_signs_from_the_page(client_for, admin_user):
    response = client_for(admin_user).post("/integrity/checkpoints/new/", follow=True)
    assert "Signed the chain head at entry" in response.content.decode()
    assert Checkpoint.objects.get().made_by == admin_user


def test_auditor_cannot_sign(client_for, auditor):
    response = client_for(auditor).post("/integrity/checkpoints/new/")
    assert response.status_code == 403
    assert not Checkpoint.objects.exists()


def test_public_key_is_published(client_for, auditor):
    response = client_for(auditor).get("/integrity/public-key.pem")
    assert response.status_code == 200
    assert response.content.decode() == signing.public_key_pem()
    page = client_for(auditor).get("/integrity/").content.decode()
    assert signing.fingerprint() in page


def test_missing_key_in_production_is_explained_not_a_crash(settings, client_for, auditor):
    settings.PRODUCTION = True
    settings.LEDGER_SIGNING_KEY = None
    settings.LEDGER_SIGNING_KEY_FILE = None
    response = client_for(auditor).get("/integrity/")
    assert response.status_code == 200
    assert "Set LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE" in response.content.decode()
