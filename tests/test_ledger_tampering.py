"""Tampering made with raw SQL, on the history tables or on the ledger itself, is caught by
the verify_ledger command, by the integrity page and by the standalone bundle verifier,
each naming what is wrong. Runs on SQLite, and on PostgreSQL when DATABASE_URL points there.
"""

import io
import subprocess
import sys
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from aims_portal.services import record_update
from integrity import bundles, job_start, services
from integrity.models import Checkpoint, LedgerEntry
from registry.models import Supplier

from . import factories

pytestmark = pytest.mark.django_db

HISTORY = Supplier.history.model
LABELS = {
    "changed": "Content changed",
    "missing": "Entry missing",
    "inserted": "Entry inserted",
    "reordered": "Entries reordered",
    "signature": "Signature invalid",
}


def q(name):
    return connection.ops.quote_name(name)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def second_history_row():
    return HISTORY.objects.order_by("history_id")[1]


def update_history_row():
    sql(
        f"UPDATE {q(HISTORY._meta.db_table)} SET name = %s WHERE history_id = %s",
        ["Forged supplier", second_history_row().history_id],
    )


def delete_history_row():
    sql(
        f"DELETE FROM {q(HISTORY._meta.db_table)} WHERE history_id = %s",
        [second_history_row().history_id],
    )


def insert_history_row():
    fields = HISTORY._meta.concrete_fields
    values = list(HISTORY.objects.values_list(*[f.attname for f in fields]).first())
    values[[f.attname for f in fields].index("history_id")] = 10_000
    columns = ", ".join(q(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql(f"INSERT INTO {q(HISTORY._meta.db_table)} ({columns}) VALUES ({marks})", values)


LEDGER = q(LedgerEntry._meta.db_table)


def update_ledger_entry():
    sql(f"UPDATE {LEDGER} SET content_hash = %s WHERE sequence = 3", ["f" * 64])


def delete_ledger_entry():
    sql(f"DELETE FROM {LEDGER} WHERE sequence = 3")


def insert_ledger_entry():
    """Make room at position 3 and slip in a well-formed entry linked to entry 2."""
    from integrity.verify_bundle import entry_hash

    for seq in (
        LedgerEntry.objects.filter(sequence__gte=3)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
    ):
        sql(f"UPDATE {LEDGER} SET sequence = sequence + 1 WHERE sequence = %s", [seq])
    two = LedgerEntry.objects.get(sequence=2)
    forged = entry_hash(
        two.entry_hash, two.kind, two.covered_model, two.covered_id, two.content_hash
    )
    sql(
        f"INSERT INTO {LEDGER} (sequence, kind, covered_model, covered_id, content_hash, "
        "prev_hash, entry_hash, tree_nodes) VALUES (3, %s, %s, %s, %s, %s, %s, %s)",
        [
            two.kind,
            two.covered_model,
            two.covered_id,
            two.content_hash,
            two.entry_hash,
            forged,
            b"",
        ],
    )


def reorder_ledger_entries():
    sql(f"UPDATE {LEDGER} SET sequence = -1 WHERE sequence = 3")
    sql(f"UPDATE {LEDGER} SET sequence = 3 WHERE sequence = 4")
    sql(f"UPDATE {LEDGER} SET sequence = 4 WHERE sequence = -1")


def forge_checkpoint_signature():
    """Re-sign every checkpoint note with a key that is not the ledger's."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from integrity import verify_receipt as tlog

    forger = Ed25519PrivateKey.generate()
    for pk, note in Checkpoint.objects.values_list("pk", "note"):
        body = note.split("\n\n")[0] + "\n"
        name = body.split("\n")[0]
        sql(
            f"UPDATE {q(Checkpoint._meta.db_table)} SET note = %s WHERE id = %s",
            [tlog.sign_note(body, name, forger), pk],
        )


TAMPERING = {
    "history row updated": (update_history_row, "changed"),
    "history row deleted": (delete_history_row, "missing"),
    "history row inserted": (insert_history_row, "inserted"),
    "ledger entry updated": (update_ledger_entry, "changed"),
    "ledger entry deleted": (delete_ledger_entry, "missing"),
    "ledger entry inserted": (insert_ledger_entry, "inserted"),
    "ledger entries reordered": (reorder_ledger_entries, "reordered"),
    "checkpoint signature forged": (forge_checkpoint_signature, "signature"),
}


@pytest.fixture
def history(lead):
    """Six record versions in the ledger and a signed checkpoint over them."""
    for name in ("Northwind Models", "Contoso Vision", "Fabrikam Speech"):
        supplier = factories.supplier(lead, name=name)
        record_update(
            supplier,
            actor=lead,
            data={"services": "API and support"},
            expected_version=1,
            reason="Contract renewed",
        )
    services.checkpoint_create()
    return LedgerEntry.objects.count()


def command_output():
    out = io.StringIO()
    try:
        call_command("verify_ledger", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def page_output(client, auditor):
    client.force_login(auditor)
    response = client.post("/integrity/verify/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def verifier_output(auditor, tmp_path):
    bundle = job_start.bundle_request(actor=auditor)
    path = bundles.bundle_path(bundle)
    with zipfile.ZipFile(path) as archive:
        for name in bundles.VERIFIER_FILES:
            (tmp_path / name).write_bytes(archive.read(name))
    # -I: isolated from the project (no PYTHONPATH, no current directory on the path).
    result = subprocess.run(
        [sys.executable, "-I", "verify_bundle.py", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_untampered_ledger_passes_all_three(history, client, auditor, tmp_path):
    ok, out = command_output()
    assert ok and "OK: the ledger is intact." in out
    assert "Intact." in page_output(client, auditor)
    code, out = verifier_output(auditor, tmp_path)
    assert code == 0, out
    assert "OK:" in out


@pytest.mark.parametrize("name", TAMPERING)
def test_command_names_the_tampering(history, name):
    tamper, kind = TAMPERING[name]
    tamper()
    ok, out = command_output()
    assert not ok
    assert LABELS[kind] in out.split("FAILED")[1].splitlines()[1], out


@pytest.mark.parametrize("name", TAMPERING)
def test_page_names_the_tampering(history, client, auditor, name):
    tamper, kind = TAMPERING[name]
    tamper()
    html = page_output(client, auditor)
    assert "Tampering detected." in html
    assert LABELS[kind] in html


@pytest.mark.parametrize("name", TAMPERING)
def test_offline_verifier_names_the_tampering(history, auditor, tmp_path, name):
    tamper, kind = TAMPERING[name]
    tamper()
    code, out = verifier_output(auditor, tmp_path)
    assert code == 1, out
    first = out.split("first broken entry first:")[1].splitlines()[1]
    assert first.startswith(f"- {LABELS[kind]}"), out
