"""Attestations and their tokens moved from the registry to the integrity app without a
change of table and without a change of ledger label: entries written before the move and
after it name the rows `registry.attestation` and `registry.historicalattestationtoken`,
so old entries, old bundles and new ones verify alike. The moving migrations run no SQL,
and a ledger built before them verifies after them."""

import datetime
import io
import json
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from integrity import bundles, job_start, labels, services
from integrity.attestations import (
    attestation_token_create,
    attestation_token_revoke,
    attestations_register,
)
from integrity.models import Attestation, AttestationToken, LedgerEntry
from integrity.verify_bundle import main as verify_main
from registry import services as registry

from . import factories
from .test_attestations_api import item

MOVING_MIGRATIONS = [
    ("integrity", "0001_ledger_from_core"),
    ("aims_portal", "0014_ledger_to_integrity"),
    ("integrity", "0002_attestations_from_registry"),
    ("registry", "0012_attestations_to_integrity"),
]
# The last migrations before the integrity app took its models over.
BEFORE_THE_MOVE = [
    ("aims_portal", "0013_history_version_indexes"),
    ("registry", "0011_history_version_indexes"),
]


def _attest(lead, admin_user, slug="support-assistant"):
    """A system with a model version, a token given then revoked (two token versions) and
    three attestations registered with it before the revocation."""
    system = factories.ai_system(lead, slug=slug)
    version = registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v1",
            "deployed_at": timezone.now() - datetime.timedelta(days=1),
        },
    )
    token, _ = attestation_token_create(actor=admin_user, system=system, name="Gateway")
    attestations_register(token=token, items=[item(version, n) for n in range(3)])
    attestation_token_revoke(token, actor=admin_user, reason="Gateway replaced")
    return token


def _labels_of(model, pks):
    return set(
        LedgerEntry.objects.filter(covered_id__in=list(pks))
        .filter(covered_model__in=[labels.ledger_label(model), model._meta.label_lower])
        .values_list("covered_model", flat=True)
    )


def test_a_moved_model_keeps_its_registry_label_and_is_found_by_it():
    history = AttestationToken.history.model
    assert Attestation._meta.label_lower == "integrity.attestation"
    assert labels.ledger_label(Attestation) == "registry.attestation"
    assert labels.ledger_label(history) == "registry.historicalattestationtoken"
    assert labels.ledger_label("integrity.historicalattestationtoken") == (
        "registry.historicalattestationtoken"
    )
    assert labels.model_for("registry.attestation") is Attestation
    assert labels.model_for("registry.historicalattestationtoken") is history
    # Models that never moved keep their own label; unknown labels name no model.
    assert labels.ledger_label(LedgerEntry) == "integrity.ledgerentry"
    assert labels.model_for("registry.aisystem")._meta.label_lower == "registry.aisystem"
    assert labels.model_for("registry.nothing") is None
    # The tables are the registry's, the history table's included.
    assert Attestation._meta.db_table == "registry_attestation"
    assert history._meta.db_table == "registry_historicalattestationtoken"


@pytest.mark.django_db
def test_attestations_and_token_versions_are_ledgered_under_their_registry_labels(
    lead, admin_user, auditor, capsys
):
    token = _attest(lead, admin_user)
    attestation_ids = Attestation.objects.filter(token=token).values_list("pk", flat=True)
    version_ids = token.history.values_list("history_id", flat=True)
    assert len(version_ids) == 2

    assert _labels_of(Attestation, attestation_ids) == {"registry.attestation"}
    history = AttestationToken.history.model
    assert _labels_of(history, version_ids) == {"registry.historicalattestationtoken"}
    assert not LedgerEntry.objects.filter(covered_model__startswith="integrity.").exists()
    assert factories.checked_ledger().problems == []

    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "OK: the ledger is intact." in out.getvalue()

    # An evidence bundle names them by the same labels, and the offline verifier agrees.
    bundle = job_start.bundle_request(actor=auditor)
    path = bundles.bundle_path(bundle)
    assert verify_main([str(path)]) == 0
    assert "OK:" in capsys.readouterr().out
    with zipfile.ZipFile(path) as archive:
        entries = [json.loads(line) for line in archive.read("ledger.jsonl").splitlines()]
    named = {entry["covered_model"] for entry in entries}
    assert {"registry.attestation", "registry.historicalattestationtoken"} <= named
    assert not {label for label in named if label.startswith("integrity.")}


def _sql_of(app_label, name):
    """The statements ``sqlmigrate`` prints for a migration, comments left out."""
    out = io.StringIO()
    call_command("sqlmigrate", app_label, name, stdout=out)
    return [
        line
        for line in out.getvalue().splitlines()
        if line.strip() and not line.startswith("--") and line not in ("BEGIN;", "COMMIT;")
    ]


def _content_type_apps():
    found = ContentType.objects.filter(
        model__in=["ledgerentry", "checkpoint", "attestation", "historicalattestationtoken"]
    )
    return dict(found.values_list("model", "app_label"))


# One test: each migration round trip costs tens of seconds.
@pytest.mark.django_db(transaction=True)
def test_the_move_runs_no_sql_and_a_ledger_built_before_it_verifies_after_it(lead, admin_user):
    from controls.catalogue import load_catalogue

    load_catalogue()  # a transactional test may follow one that emptied the tables
    for app_label, name in MOVING_MIGRATIONS:
        assert _sql_of(app_label, name) == [], (app_label, name)
    tables = set(connection.introspection.table_names())
    executor = MigrationExecutor(connection)
    executor.migrate([*BEFORE_THE_MOVE, ("integrity", None)])
    try:
        loader = MigrationLoader(connection)
        old = loader.project_state(list(loader.applied_migrations)).apps
        assert _content_type_apps() == {
            "ledgerentry": "aims_portal",
            "checkpoint": "aims_portal",
            "attestation": "registry",
            "historicalattestationtoken": "registry",
        }
        # Written through the portal, then checked on the old schema: the same tables,
        # the same labels the entries name.
        token = _attest(lead, admin_user)
        old_entries = old.get_model("aims_portal", "LedgerEntry").objects
        old_attestation = old.get_model("registry", "Attestation")
        assert old_attestation.objects.filter(token_id=token.pk).count() == 3
        assert old_entries.filter(covered_model="registry.attestation").count() == 3
        assert old_entries.filter(covered_model="registry.historicalattestationtoken").count()
        services.checkpoint_create()
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(connection.introspection.table_names()) == tables
    assert _content_type_apps() == {
        "ledgerentry": "integrity",
        "checkpoint": "integrity",
        "attestation": "integrity",
        "historicalattestationtoken": "integrity",
    }
    # Written after the move: the same labels, and the whole log verifies.
    _attest(lead, admin_user, slug="claims-triage")
    assert not LedgerEntry.objects.filter(covered_model__startswith="integrity.").exists()
    assert factories.checked_ledger().problems == []
