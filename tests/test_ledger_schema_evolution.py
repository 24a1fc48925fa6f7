"""A ledger built before schema migrations still verifies after them, and stays tamper-evident.

The canonical form of a history row is every field it has: a migration that adds or removes
a field changes it for every older row. integrity.evolution keeps older rows
verifiable (declared added fields with the value older rows hold, kept values of removed
fields); these tests build a ledger on the schema before registry 0006 (fields added) and
before the removal of the link text copies, migrate forward and verify with every verifier.
"""

import json
import zipfile

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from aims_portal import roles
from assessments.models import Risk
from audits.models import Audit, ManagementReview
from integrity import bundles, evolution, job_start, selectors, services
from integrity.canonical import canonical_row, row_spec
from integrity.labels import ledger_label
from integrity.models import LedgerEntry, RetiredValue
from integrity.verify_bundle import main as verify_main
from registry.models import AISystem, ChangeRequest

from . import factories

# The migration that installed the ledger: every history row since then is hashed.
LEDGER_MIGRATION = ("aims_portal", "0004_ledger")
# Before registry 0006 added fields and before the link text copies were removed.
OLD_STATE = [
    ("registry", "0005_dashboard_indexes"),
    ("assessments", "0005_link_history_start"),
    ("audits", "0003_link_history_start"),
]


def _attnames(model_state):
    return {
        f"{name}_id" if field.many_to_one or field.one_to_one else name
        for name, field in model_state.fields.items()
        if not field.many_to_many
    }


def _baselines():
    """{(app, model): attnames} of each table as the ledger first hashed it: its fields when
    the ledger migration ran (in the order ``migrate`` applies them), or when it was created
    later."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph = loader.graph
    plan, seen = [], set()
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                plan.append(node)
    state = ProjectState(real_apps=loader.unmigrated_apps)
    baselines, ledger_seen = {}, False
    for node in plan:
        state = graph.nodes[node].mutate_state(state, preserve=False)
        ledger_seen = ledger_seen or node == LEDGER_MIGRATION
        if ledger_seen:
            for key, model_state in state.models.items():
                baselines.setdefault(key, _attnames(model_state))
    return baselines


def test_every_field_of_a_covered_table_was_there_when_it_was_first_hashed_or_is_declared():
    baselines = _baselines()
    problems = []
    for model in selectors.covered_models():
        label = model._meta.label_lower
        key = (model._meta.app_label, model._meta.model_name)
        current = {f.attname for f in model._meta.concrete_fields}
        added = {name for epoch in evolution.added_epochs(label) for name in epoch}
        removed = set(evolution.removed_fields(label))
        undeclared_new = current - baselines[key] - added
        undeclared_gone = baselines[key] - current - removed
        if undeclared_new:
            problems.append(f"{label}: added {sorted(undeclared_new)} without declaring them")
        if undeclared_gone:
            problems.append(f"{label}: removed {sorted(undeclared_gone)} without keeping them")
        if added & baselines[key]:
            problems.append(f"{label}: declares {sorted(added & baselines[key])} added")
    assert problems == [], (
        "Declare fields added to a tracked model in _history_added_fields and removed ones "
        "in _history_removed_fields (integrity.evolution): " + "; ".join(problems)
    )


def test_declarations_of_the_models_that_changed():
    # Registry 0006 is the latest addition: its fields are dropped first.
    assert evolution.added_epochs("registry.historicalaisystem")[-1] == {
        "owner_team_id": None,
        "source_commit": "",
        "training_statement": "",
    }
    assert set(evolution.added_epochs("registry.historicalchangerequest")[0]) == {
        "override_at",
        "override_by_id",
        "override_justification",
        "source_commit",
    }
    assert evolution.removed_fields("assessments.historicalrisk") == ("linked_systems",)
    assert evolution.removed_fields("audits.historicalaudit") == ("team",)
    assert evolution.removed_fields("audits.historicalmanagementreview") == ("attendee_names",)


def test_an_older_form_is_accepted_only_while_the_added_field_holds_its_declared_value():
    epochs = ({"a": ""}, {"b": None})
    row = {"id": 1, "a": "", "b": None}
    assert list(evolution.older_forms(row, epochs)) == [{"id": 1, "a": ""}, {"id": 1}]
    assert list(evolution.older_forms({**row, "b": "x"}, epochs)) == []
    assert list(evolution.older_forms({**row, "a": "x"}, epochs)) == [{"id": 1, "a": "x"}]


def _applied_state():
    """The models as the applied migrations leave them (every app, not only the targets'
    ancestors)."""
    loader = MigrationLoader(connection)
    return loader.project_state(list(loader.applied_migrations)).apps


def _rebuild_ledger(old_apps):
    """On the old schema: hash every covered table as the portal did then."""
    LedgerEntry.objects.all().delete()
    labels = {ledger_label(m) for m in selectors.covered_models()}
    for model in old_apps.get_models():
        label = ledger_label(model)
        if label not in labels:
            continue
        names, _ = row_spec(model)
        pk = names.index(model._meta.pk.attname)
        rows = [
            (values[pk], canonical_row(model, values))
            for values in model.objects.order_by("pk").values_list(*names)
        ]
        services.append_rows("history", label, rows)


@pytest.fixture
def old_ledger(lead, make_user):
    """Records written through the portal, then a ledger built on the schema before the
    migrations, which are then applied."""
    from controls.catalogue import load_catalogue

    load_catalogue()  # a transactional test may follow one that emptied the tables
    system = factories.ai_system(lead, name="Support assistant")
    change = factories.change_request(lead, system)
    risk = factories.risk(lead, systems=[system])
    audit = factories.audit(lead, make_user(roles.GOVERNANCE_LEAD, username="ia"))
    review = factories.management_review(lead, lead)
    executor = MigrationExecutor(connection)
    executor.migrate(OLD_STATE)
    try:
        old_apps = _applied_state()
        copies = [
            ("assessments", "Risk", risk.pk, "linked_systems", "support-assistant"),
            ("audits", "Audit", audit.pk, "team", f"Lead: {audit.lead_auditor}"),
            ("audits", "ManagementReview", review.pk, "attendee_names", "Grace Lead, Ian Owner"),
        ]
        for app, name, pk, field, text in copies:
            old_apps.get_model(app, name).objects.filter(pk=pk).update(**{field: text})
            old_apps.get_model(app, f"Historical{name}").objects.filter(id=pk).update(
                **{field: text}
            )
        _rebuild_ledger(old_apps)
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    return {"system": system, "change": change, "risk": risk, "lead": lead}


def _problems():
    return [p["message"] for p in services.chain_check().problems]


def _verifies_offline(auditor, capsys):
    """Build an evidence bundle, check it with the offline verifier; returns its records."""
    bundle = job_start.bundle_request(actor=auditor)
    assert verify_main([str(bundles.bundle_path(bundle))]) == 0
    assert "OK:" in capsys.readouterr().out
    with zipfile.ZipFile(bundles.bundle_path(bundle)) as archive:
        return [json.loads(line) for line in archive.read("records.jsonl").splitlines()]


# One test: each migration round trip costs tens of seconds.
@pytest.mark.django_db(transaction=True)
def test_a_ledger_built_before_the_migrations_verifies_after_them(old_ledger, auditor, capsys):
    assert factories.checked_ledger().problems == []
    kept = dict(RetiredValue.objects.values_list("covered_model", "values"))
    assert kept["assessments.historicalrisk"] == {"linked_systems": "support-assistant"}
    assert kept["audits.historicalmanagementreview"] == {"attendee_names": "Grace Lead, Ian Owner"}

    # The offline verifier gets every row in the form it was hashed in.
    records = _verifies_offline(auditor, capsys)
    systems = [r for r in records if r["model"] == "registry.historicalaisystem"]
    assert systems and all("source_commit" not in r["row"] for r in systems)
    assert all(r["added_since"]["source_commit"] == "" for r in systems)
    risks = [r for r in records if r["model"] == "assessments.historicalrisk"]
    assert risks and all(r["row"]["linked_systems"] == "support-assistant" for r in risks)

    # An added field given another value than older rows hold.
    system, change = old_ledger["system"], old_ledger["change"]
    AISystem.history.filter(id=system.pk).update(source_commit="f" * 40)
    AISystem.objects.filter(pk=system.pk).update(source_commit="f" * 40)
    assert any("historicalaisystem" in message for message in _problems())
    AISystem.history.filter(id=system.pk).update(source_commit="")
    AISystem.objects.filter(pk=system.pk).update(source_commit="")
    assert _problems() == []
    ChangeRequest.history.filter(id=change.pk).update(override_justification="Waved through")
    ChangeRequest.objects.filter(pk=change.pk).update(override_justification="Waved through")
    assert any("historicalchangerequest" in message for message in _problems())
    ChangeRequest.history.filter(id=change.pk).update(override_justification="")
    ChangeRequest.objects.filter(pk=change.pk).update(override_justification="")

    # A kept value of a removed field changed, dropped, or given to a row hashed without it.
    kept = RetiredValue.objects.get(covered_model="assessments.historicalrisk")
    RetiredValue.objects.filter(pk=kept.pk).update(values={"linked_systems": "other-system"})
    assert any("historicalrisk" in message for message in _problems())
    RetiredValue.objects.filter(pk=kept.pk).delete()
    assert any("historicalrisk" in message for message in _problems())
    RetiredValue.objects.create(
        covered_model=kept.covered_model, covered_id=kept.covered_id, values=kept.values
    )
    assert _problems() == []
    newer = factories.risk(old_ledger["lead"], systems=[system])
    newest = Risk.history.filter(id=newer.pk).latest("history_id")
    forged = RetiredValue.objects.create(
        covered_model="assessments.historicalrisk",
        covered_id=newest.history_id,
        values={"linked_systems": "support-assistant"},
    )
    assert any("historicalrisk" in message for message in _problems())
    forged.delete()

    # Reversing the removals puts the kept values back into the history rows.
    executor = MigrationExecutor(connection)
    targets = [("assessments", "0006_list_sort_indexes"), ("audits", "0004_list_sort_indexes")]
    executor.migrate(targets)
    try:
        old_apps = _applied_state()
        history = old_apps.get_model("audits", "HistoricalManagementReview")
        texts = set(history.objects.values_list("attendee_names", flat=True))
        assert texts == {"Grace Lead, Ian Owner"}
        assert not RetiredValue.objects.exists()
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert _problems() == []
    assert Audit.objects.count() == ManagementReview.objects.count() == 1
