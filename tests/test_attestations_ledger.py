"""Attestations are links of the integrity ledger: raw-SQL tampering with them (update,
delete, insert, reordered entries) is named by the verify command, the integrity page and
the offline verifier; evidence bundles carry them with a per-system summary. DB-agnostic:
runs on SQLite and on PostgreSQL when DATABASE_URL points there."""

import datetime
import io
import json
import subprocess
import sys
import threading
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from integrity import bundles, job_start, services
from integrity.attestations import attestation_token_create, attestations_register
from integrity.models import Attestation, LedgerEntry
from integrity.verify_bundle import main as verify_main
from registry import services as registry

from . import factories
from .conftest import require_service
from .test_attestations_api import item

pytestmark = pytest.mark.django_db

LABELS = {
    "changed": "Content changed",
    "missing": "Entry missing",
    "inserted": "Entry inserted",
    "reordered": "Entries reordered",
}
TABLE = connection.ops.quote_name(Attestation._meta.db_table)
LEDGER = connection.ops.quote_name(LedgerEntry._meta.db_table)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def attested(lead, admin_user):
    """Four attestations of one system (after its history rows) and a checkpoint."""
    system = factories.ai_system(lead, slug="support-assistant")
    version = registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v1",
            "deployed_at": timezone.now() - datetime.timedelta(days=1),
        },
    )
    token, _ = attestation_token_create(actor=admin_user, system=system, name="Gateway")
    done = attestations_register(
        token=token,
        items=[item(version, n, metadata={"n": n, "ratio": 0.25 * n}) for n in range(4)],
    )
    services.checkpoint_create()
    return done


def second(attested):
    return attested[1].attestation.pk


def update_attestation(attested):
    sql(f"UPDATE {TABLE} SET decision = %s WHERE id = %s", ["blocked", second(attested)])


def delete_attestation(attested):
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [second(attested)])


def insert_attestation(attested):
    fields = Attestation._meta.concrete_fields
    names = [f.attname for f in fields]
    values = list(Attestation.objects.filter(pk=second(attested)).values_list(*names).get())
    values[names.index("id")] = 10_000
    values[names.index("metadata")] = json.dumps(values[names.index("metadata")])
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql(f"INSERT INTO {TABLE} ({columns}) VALUES ({marks})", values)


def reorder_attestation_entries(attested):
    one, two = attested[1].sequence, attested[2].sequence
    sql(f"UPDATE {LEDGER} SET sequence = -1 WHERE sequence = %s", [one])
    sql(f"UPDATE {LEDGER} SET sequence = %s WHERE sequence = %s", [one, two])
    sql(f"UPDATE {LEDGER} SET sequence = %s WHERE sequence = -1", [two])


TAMPERING = {
    "attestation updated": (update_attestation, "changed"),
    "attestation deleted": (delete_attestation, "missing"),
    "attestation inserted": (insert_attestation, "inserted"),
    "attestation entries reordered": (reorder_attestation_entries, "reordered"),
}


def command_output():
    out = io.StringIO()
    try:
        call_command("verify_ledger", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def verifier_output(auditor, tmp_path, area=""):
    path = bundles.bundle_path(job_start.bundle_request(actor=auditor, area=area))
    with zipfile.ZipFile(path) as archive:
        for name in bundles.VERIFIER_FILES:
            (tmp_path / name).write_bytes(archive.read(name))
    result = subprocess.run(
        [sys.executable, "-I", "verify_bundle.py", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_intact_attestations_pass_command_page_and_verifier(attested, client, auditor, tmp_path):
    ok, out = command_output()
    assert ok, out
    client.force_login(auditor)
    assert "Intact." in client.post("/integrity/verify/", follow=True).content.decode()
    code, out = verifier_output(auditor, tmp_path)
    assert code == 0, out
    assert "4 attestation" in out


@pytest.mark.parametrize("name", TAMPERING)
def test_command_names_attestation_tampering(attested, name):
    tamper, kind = TAMPERING[name]
    tamper(attested)
    ok, out = command_output()
    assert not ok
    assert LABELS[kind] in out.split("FAILED")[1].splitlines()[1], out


@pytest.mark.parametrize("name", TAMPERING)
def test_page_names_attestation_tampering(attested, client, auditor, name):
    tamper, kind = TAMPERING[name]
    tamper(attested)
    client.force_login(auditor)
    html = client.post("/integrity/verify/", follow=True).content.decode()
    assert "Tampering detected." in html
    assert LABELS[kind] in html


@pytest.mark.parametrize("name", TAMPERING)
def test_offline_verifier_names_attestation_tampering(attested, auditor, tmp_path, name):
    tamper, kind = TAMPERING[name]
    tamper(attested)
    code, out = verifier_output(auditor, tmp_path, area="inventory")
    assert code == 1, out
    first = out.split("first broken entry first:")[1].splitlines()[1]
    assert first.startswith(f"- {LABELS[kind]}"), out


def test_changed_attestation_names_its_entry(attested):
    update_attestation(attested)
    checker = factories.checked_ledger()
    assert checker.first["sequence"] == attested[1].sequence
    assert f"registry.attestation #{second(attested)}" in checker.first["message"]


def test_bundle_carries_attestations_and_a_per_system_summary(attested, auditor, capsys):
    bundle = job_start.bundle_request(actor=auditor, area="inventory")
    with zipfile.ZipFile(bundles.bundle_path(bundle)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        records = [json.loads(line) for line in archive.read("records.jsonl").splitlines()]
    rows = [r for r in records if r["model"] == "registry.attestation"]
    assert [r["sequence"] for r in rows] == [a.sequence for a in attested]
    assert rows[0]["row"]["output_sha256"] == attested[0].attestation.output_sha256
    assert "registry.attestation" in manifest["record_models"]
    summary = manifest["summaries"]["registry.attestation"]["per_system"]
    assert summary["support-assistant"]["attestations"] == 4
    assert summary["support-assistant"]["model_versions"] == {"v1": 4}
    assert verify_main([str(bundles.bundle_path(bundle))]) == 0
    assert "4 attestation" in capsys.readouterr().out


def test_bundle_of_another_area_has_the_chain_but_not_the_attestations(attested, auditor):
    bundle = job_start.bundle_request(actor=auditor, area="administration")
    with zipfile.ZipFile(bundles.bundle_path(bundle)) as archive:
        records = archive.read("records.jsonl").decode()
        entries = archive.read("ledger.jsonl").decode().splitlines()
    assert "registry.attestation" not in records
    assert len(entries) == LedgerEntry.objects.count()
    assert verify_main([str(bundles.bundle_path(bundle))]) == 0


def _attest(token_pk, version_pk, batches, errors):
    from integrity.models import AttestationToken
    from registry.models import ModelVersion

    try:
        token = AttestationToken.objects.select_related("system").get(pk=token_pk)
        version = ModelVersion.objects.get(pk=version_pk)
        for b in range(batches):
            attestations_register(token=token, items=[item(version, b * 10 + n) for n in range(10)])
    except Exception as error:  # reported by the test
        errors.append(error)
    finally:
        connections.close_all()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_and_record_saves_keep_one_chain(lead, admin_user):
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not point to PostgreSQL")
    system = factories.ai_system(lead, slug="busy-gateway")
    version = registry.model_version_create(
        actor=lead,
        data={"system": system, "label": "v1", "deployed_at": timezone.now()},
    )
    token, _ = attestation_token_create(actor=admin_user, system=system, name="Gateway")
    errors = []
    threads = [
        threading.Thread(target=_attest, args=(token.pk, version.pk, 20, errors)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = list(LedgerEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert Attestation.objects.count() == 6 * 20 * 10
    assert factories.checked_ledger().problems == []
