"""Tampering by a database writer who knows the portal's code but not its signing key, each
class caught by all three verifiers given a checkpoint held from before the tampering:
``verify_ledger --trusted-checkpoint``, the integrity page (which keeps the checkpoints
auditors downloaded) and the offline bundle verifier (``--trusted-checkpoint``,
``--tsa-cert``). Checkpoints here are time-stamped by the local TSA the test session runs.
"""

import io
import subprocess
import sys
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from aims_portal.services import record_update
from integrity import bundles, job_start, selectors, services
from integrity import verify_receipt as tlog
from integrity.models import Checkpoint, HeldCheckpoint, LedgerEntry
from registry.models import Supplier

from . import factories

pytestmark = pytest.mark.django_db

HISTORY = Supplier.history.model


def q(name):
    return connection.ops.quote_name(name)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


class Scene:
    """Suppliers with history, checkpoint one (held by the auditor), one more edit, and
    checkpoint two (held as well)."""

    def __init__(self, lead, auditor, client, tmp_path):
        self.suppliers = []
        for name in ("Northwind Models", "Contoso Vision"):
            supplier = factories.supplier(lead, name=name)
            record_update(
                supplier, actor=lead, data={"services": "API"}, expected_version=1, reason="Renewal"
            )
            self.suppliers.append(supplier)
        client.force_login(auditor)
        self.first = services.checkpoint_create()
        self.first_file = self.hold(client, self.first, tmp_path / "first.txt")
        self.edited = Supplier.objects.get(pk=self.suppliers[0].pk)
        record_update(
            self.edited,
            actor=lead,
            data={"services": "API, fine-tuning and support"},
            expected_version=2,
            reason="Scope widened",
        )
        self.second = services.checkpoint_create()
        self.second_file = self.hold(client, self.second, tmp_path / "second.txt")
        self.client, self.auditor, self.tmp_path = client, auditor, tmp_path

    @staticmethod
    def hold(client, checkpoint, path):
        response = client.get(f"/integrity/checkpoints/{checkpoint.pk}/download/")
        assert response.status_code == 200
        path.write_bytes(response.content)
        return path


@pytest.fixture
def scene(lead, auditor, client, tmp_path):
    return Scene(lead, auditor, client, tmp_path)


# --- the tampering classes ----------------------------------------------------------------


def edit_live_row(scene):
    sql(
        f"UPDATE {q(Supplier._meta.db_table)} SET name = %s WHERE id = %s",
        ["Forged Supplier Ltd", scene.suppliers[1].pk],
    )


def reorder_history_rows(scene):
    rows = list(HISTORY.objects.order_by("history_id"))
    first = rows[0]
    second = next(row for row in rows if row.name != first.name)
    table = q(HISTORY._meta.db_table)
    sql(f"UPDATE {table} SET name = %s WHERE history_id = %s", [second.name, first.history_id])
    sql(f"UPDATE {table} SET name = %s WHERE history_id = %s", [first.name, second.history_id])


def rebuild_without_checkpoints(scene):
    """Change a version, then rebuild the whole log with the portal's own code so that the
    chain and the tree are consistent again, and delete every checkpoint."""
    edit = HISTORY.objects.order_by("history_id").first()
    sql(
        f"UPDATE {q(HISTORY._meta.db_table)} SET name = %s WHERE history_id = %s",
        ["Rewritten Supplier", edit.history_id],
    )
    covered = list(
        LedgerEntry.objects.order_by("sequence").values_list("kind", "covered_model", "covered_id")
    )
    sql(f"DELETE FROM {q(LedgerEntry._meta.db_table)}")
    sql(f"DELETE FROM {q(Checkpoint._meta.db_table)}")
    for kind, label, pk in covered:
        services.append_rows(kind, label, [(pk, selectors.canonical_rows(label, [pk])[pk])])


def drop_newest_and_revert(scene):
    """Erase the last edit: its entries, its version, the checkpoint over it, and the live
    row's new value."""
    newest = LedgerEntry.objects.filter(sequence__gt=scene.first.sequence)
    versions = list(newest.values_list("covered_id", flat=True))
    sql(f"DELETE FROM {q(LedgerEntry._meta.db_table)} WHERE sequence > %s", [scene.first.sequence])
    marks = ", ".join(["%s"] * len(versions))
    sql(f"DELETE FROM {q(HISTORY._meta.db_table)} WHERE history_id IN ({marks})", versions)
    sql(f"DELETE FROM {q(Checkpoint._meta.db_table)} WHERE id = %s", [scene.second.pk])
    sql(
        f"UPDATE {q(Supplier._meta.db_table)} SET services = %s, version = 2 WHERE id = %s",
        ["API", scene.edited.pk],
    )


def forge_checkpoint_signature(scene):
    forger = Ed25519PrivateKey.generate()
    body = scene.second.note.split("\n\n")[0] + "\n"
    sql(
        f"UPDATE {q(Checkpoint._meta.db_table)} SET note = %s WHERE id = %s",
        [tlog.sign_note(body, settings.LEDGER_ORIGIN, forger), scene.second.pk],
    )


def swap_time_stamp_tokens(scene):
    table = q(Checkpoint._meta.db_table)
    first, second = bytes(scene.first.tsa_token), bytes(scene.second.tsa_token)
    sql(f"UPDATE {table} SET tsa_token = %s WHERE id = %s", [second, scene.first.pk])
    sql(f"UPDATE {table} SET tsa_token = %s WHERE id = %s", [first, scene.second.pk])


def remove_time_stamp_token(scene):
    sql(
        f"UPDATE {q(Checkpoint._meta.db_table)} SET tsa_token = NULL WHERE id = %s",
        [scene.second.pk],
    )


# name: (tampering, the label every verifier must list, the checkpoint held from before)
TAMPERING = {
    "live row edited": (edit_live_row, "Live record differs", "second"),
    "history rows reordered": (reorder_history_rows, "Content changed", "second"),
    "checkpoints deleted, log rebuilt": (rebuild_without_checkpoints, "Content changed", "first"),
    "newest entries dropped, live row reverted": (
        drop_newest_and_revert,
        "Entry missing",
        "second",
    ),
    "checkpoint signature forged": (forge_checkpoint_signature, "Signature invalid", "first"),
    "time-stamp tokens swapped": (swap_time_stamp_tokens, "Time-stamp invalid", "first"),
    "time-stamp token removed": (remove_time_stamp_token, "Time-stamp invalid", "first"),
}


# --- the three verifiers ------------------------------------------------------------------


def command(trusted):
    out = io.StringIO()
    try:
        call_command("verify_ledger", "--trusted-checkpoint", str(trusted), stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def page(scene):
    response = scene.client.post("/integrity/verify/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def offline(scene, trusted):
    path = bundles.bundle_path(job_start.bundle_request(actor=scene.auditor))
    work = scene.tmp_path / "unpacked"
    work.mkdir(exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        for name in bundles.VERIFIER_FILES:
            (work / name).write_bytes(archive.read(name))
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "verify_bundle.py",
            str(path),
            "--trusted-checkpoint",
            str(trusted),
            "--tsa-cert",
            settings.LEDGER_TSA_CERT_FILE,
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_untampered_log_passes_all_three_with_held_checkpoints(scene):
    assert scene.second.tsa_token and scene.second.tsa_time
    assert HeldCheckpoint.objects.filter(user=scene.auditor).count() == 2
    ok, out = command(scene.first_file)
    assert ok, out
    assert "3 checkpoint(s) held outside" in out  # the file and the auditor's two downloads
    assert "0 entries lie after the last anchored checkpoint" in out
    assert "Intact." in page(scene)
    code, out = offline(scene, scene.second_file)
    assert code == 0, out
    assert "2 checkpoint(s) with a valid time-stamp" in out


@pytest.mark.parametrize("name", TAMPERING)
def test_verify_ledger_catches(scene, name):
    tamper, label, held = TAMPERING[name]
    tamper(scene)
    ok, out = command(getattr(scene, f"{held}_file"))
    assert not ok
    assert label in out.split("FAILED")[1], out


@pytest.mark.parametrize("name", TAMPERING)
def test_integrity_page_catches(scene, name):
    tamper, label, _ = TAMPERING[name]
    tamper(scene)
    html = page(scene)
    assert "Tampering detected." in html
    assert label in html


@pytest.mark.parametrize("name", TAMPERING)
def test_offline_verifier_catches(scene, name):
    tamper, label, held = TAMPERING[name]
    tamper(scene)
    code, out = offline(scene, getattr(scene, f"{held}_file"))
    assert code == 1, out
    assert label in out.split("FAILED")[1], out


def test_deleting_the_held_copies_too_still_fails_the_page(scene):
    rebuild_without_checkpoints(scene)
    sql(f"DELETE FROM {q(HeldCheckpoint._meta.db_table)}")
    html = page(scene)
    assert "Tampering detected." in html
    assert "no checkpoint" in html


def test_a_checkpoint_file_that_proves_nothing_is_an_error_never_a_fallback(scene, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", "--trusted-checkpoint", str(empty))
    assert raised.value.returncode == 2 and "empty" in str(raised.value)
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", "--trusted-checkpoint", str(tmp_path / "missing.txt"))
    assert raised.value.returncode == 2
    forged = tmp_path / "forged.txt"
    body = scene.first.note.split("\n\n")[0] + "\n"
    forged.write_text(tlog.sign_note(body, settings.LEDGER_ORIGIN, Ed25519PrivateKey.generate()))
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", "--trusted-checkpoint", str(forged))
    assert "not a checkpoint of this log" in str(raised.value)


@pytest.mark.parametrize("bad", ["empty", "missing", "not a key"])
def test_offline_key_file_problems_exit_2(scene, bad):
    path = bundles.bundle_path(job_start.bundle_request(actor=scene.auditor))
    key = scene.tmp_path / "key.pem"
    if bad == "empty":
        key.write_text("")
    elif bad == "not a key":
        key.write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    from integrity.verify_bundle import main

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        assert main([str(path), "--public-key", str(key)]) == 2
    assert out.getvalue().startswith("ERROR:")
    assert "OK" not in out.getvalue()


def test_the_page_checks_a_pasted_checkpoint_by_consistency_proof(scene):
    response = scene.client.post(
        "/integrity/checkpoints/check/", {"text": scene.first.note}, follow=True
    )
    assert "Consistent: today" in response.content.decode()
    drop_newest_and_revert(scene)
    response = scene.client.post(
        "/integrity/checkpoints/check/", {"text": scene.second.note}, follow=True
    )
    assert "Not consistent" in response.content.decode()
