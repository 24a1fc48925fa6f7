"""Current state is verified: a live row changed, inserted or deleted with raw SQL (fields or
links) is named by model, id and field, online (check_current_state) and offline (the
bundle's live rows checked by verify_current against the bundle's history rows). Clean data
— the demo, the factories, link history started by the migrations — raises nothing.
Runs on SQLite, and on PostgreSQL when DATABASE_URL points there.
"""

import datetime
import json
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims_portal.models import User
from aims_portal.services import tracked_delete
from assessments.models import Risk
from controls.models import SoAEntry
from integrity import current_bundle, selectors, verify_current
from integrity.canonical import canonical_row, row_spec
from integrity.current_state import check_current_state, check_model
from registry.models import AISystem, Supplier

from . import factories

pytestmark = pytest.mark.django_db


def q(name):
    return connection.ops.quote_name(name)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def table(model):
    return q(model._meta.db_table)


def online():
    found = []
    stats = check_current_state(found.append, chunk_size=7)
    return found, stats


def history_rows():
    """What records.jsonl holds: every history row in ledger order, canonical."""
    for chunk in selectors.entry_chunks(500):
        wanted = {}
        for entry in chunk:
            wanted.setdefault(entry["covered_model"], []).append(entry["covered_id"])
        found = {label: selectors.canonical_rows(label, ids) for label, ids in wanted.items()}
        for entry in chunk:
            row = found[entry["covered_model"]].get(entry["covered_id"])
            if row is not None:
                label, pk = entry["covered_model"], entry["covered_id"]
                yield {"sequence": entry["sequence"], "model": label, "id": pk, "row": row}


def offline(area=""):
    """The offline checker fed from the bundle generator, through JSON as in a bundle."""
    items = (json.loads(json.dumps(item)) for item in current_bundle.current_rows(area))
    return verify_current.check_streams(history_rows(), items).problems


def both():
    found, _ = online()
    return found, offline()


def keyed(problems):
    return sorted((p["kind"], p["model"], p["id"], p["field"]) for p in problems)


@pytest.fixture
def data(lead):
    system = factories.ai_system(lead, slug="support-assistant", risk_tier=AISystem.RiskTier.HIGH)
    other = factories.ai_system(lead)
    risk = factories.risk(lead, systems=[system])
    factories.soa_decide_all(lead)
    factories.supplier(lead)
    return {"system": system, "other": other, "risk": risk, "lead": lead}


def test_clean_factory_data_has_no_problem(data):
    found, stats = online()
    assert found == []
    assert stats.rows >= AISystem.objects.count() + SoAEntry.objects.count() + 1
    assert stats.links == 2  # the risk's one system, the lead's group (role)
    assert offline() == []


def test_clean_demo_data_has_no_problem(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    found, stats = online()
    assert found == [], found[:5]
    assert stats.links > 0 and stats.rows > 100
    assert offline() == []


def test_raw_update_of_an_ai_system_field(data):
    system = data["system"]
    sql(f"UPDATE {table(AISystem)} SET risk_tier = 'low' WHERE id = %s", [system.pk])
    for found in both():
        assert keyed(found) == [("changed", "registry.aisystem", system.pk, "risk_tier")]
        assert found[0]["message"] == (
            f"AI system #{system.pk} (support-assistant): risk_tier is 'low' but its latest "
            "version says 'high' — changed outside the portal"
        )


def test_raw_updates_on_risk_soa_entry_and_user_are_each_named(data):
    risk, lead = data["risk"], data["lead"]
    entry = SoAEntry.objects.order_by("pk").first()
    sql(f"UPDATE {table(Risk)} SET inherent_impact = 1 WHERE id = %s", [risk.pk])
    sql(f"UPDATE {table(SoAEntry)} SET applicability = 'excluded' WHERE id = %s", [entry.pk])
    sql(f"UPDATE {table(User)} SET is_superuser = %s WHERE id = %s", [True, lead.pk])
    later = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    sql(f"UPDATE {table(Supplier)} SET updated_at = %s", [later])
    expected = [
        ("changed", "aims_portal.user", lead.pk, "is_superuser"),
        ("changed", "assessments.risk", risk.pk, "inherent_impact"),
        ("changed", "controls.soaentry", entry.pk, "applicability"),
        ("changed", "registry.supplier", Supplier.objects.get().pk, "updated_at"),
    ]
    for found in both():
        assert keyed(found) == expected
    assert "Risk #" in next(p for p in found if p["model"] == "assessments.risk")["message"]


def test_fields_kept_out_of_history_are_not_compared(data):
    lead = data["lead"]
    sql(f"UPDATE {table(User)} SET password = 'x', last_login = %s", [datetime.datetime.now()])
    assert both() == ([], [])
    assert lead.history.exists()


def test_raw_link_added_and_removed(data):
    risk, system, other = data["risk"], data["system"], data["other"]
    through = table(Risk.systems.through)
    sql(f"DELETE FROM {through} WHERE risk_id = %s AND aisystem_id = %s", [risk.pk, system.pk])
    sql(f"INSERT INTO {through} (risk_id, aisystem_id) VALUES (%s, %s)", [risk.pk, other.pk])
    for found in both():
        assert keyed(found) == [("changed", "assessments.risk", risk.pk, "systems")] * 2
        messages = sorted(p["message"] for p in found)
        assert f"no longer links AI system #{system.pk}" in messages[0] + messages[1]
        assert f"links AI system #{other.pk}, which its latest version does not" in (
            messages[0] + messages[1]
        )


def test_raw_insert_of_a_live_row_with_no_history(data):
    names, _ = row_spec(Supplier)
    supplier = Supplier.objects.get()
    values = dict(zip(names, Supplier.objects.values_list(*names).get(), strict=True))
    values.update(id=supplier.pk + 100, name="Slipped in")
    columns = [Supplier._meta.get_field(n).column for n in names]
    sql(
        f"INSERT INTO {table(Supplier)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})",
        [Supplier._meta.get_field(n).get_db_prep_save(values[n], connection) for n in names],
    )
    for found in both():
        assert keyed(found) == [("inserted", "registry.supplier", supplier.pk + 100, None)]
        assert "(Slipped in) has no recorded version" in found[0]["message"]


def test_raw_delete_of_a_live_row(data):
    supplier = Supplier.objects.get()
    sql(f"DELETE FROM {table(Supplier)} WHERE id = %s", [supplier.pk])
    for found in both():
        assert keyed(found) == [("missing", "registry.supplier", supplier.pk, None)]
        assert found[0]["message"].endswith("deleted outside the portal")


def test_a_row_deleted_through_the_portal_is_no_problem_but_bringing_it_back_is(data, lead):
    supplier = Supplier.objects.get()
    pk = supplier.pk
    names, _ = row_spec(Supplier)
    values = Supplier.objects.values_list(*names).get()
    tracked_delete(supplier, lead, "Deleted")
    assert both() == ([], [])
    columns = [Supplier._meta.get_field(n).column for n in names]
    sql(
        f"INSERT INTO {table(Supplier)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})",
        [
            f.get_db_prep_save(v, connection)
            for f, v in zip(Supplier._meta.concrete_fields, values, strict=True)
        ],
    )
    for found in both():
        assert keyed(found) == [("inserted", "registry.supplier", pk, None)]
        assert "restored outside the portal" in found[0]["message"]


def test_queries_per_chunk_stay_constant(lead):
    risk_history = Risk.history.model
    for n in range(12):
        factories.risk(lead, title=f"Risk {n}", systems=[factories.ai_system(lead)])

    def queries(chunk_size):
        with CaptureQueriesContext(connection) as captured:
            stats = check_model(risk_history, lambda p: None, chunk_size=chunk_size)
        return len(captured), stats

    whole, stats = queries(100)
    assert (whole, stats.chunks) == (4, 1)  # live rows, latest versions, live and kept links
    chunked, stats = queries(5)
    assert stats.chunks == 3 and chunked == 4 * stats.chunks
    assert stats.rows == 12 and stats.links == 12


def test_chunk_boundaries_do_not_hide_or_invent_problems(data, lead):
    for n in range(9):
        factories.supplier(lead, name=f"More {n}")
    gone = list(Supplier.objects.order_by("pk").values_list("pk", flat=True)[2:8:2])
    sql(f"DELETE FROM {table(Supplier)} WHERE id IN ({', '.join(['%s'] * len(gone))})", gone)
    for chunk_size in (1, 2, 3, 50):
        found = []
        check_current_state(found.append, chunk_size=chunk_size)
        assert keyed(found) == [("missing", "registry.supplier", pk, None) for pk in gone]


def test_link_history_started_by_the_migration_step_raises_nothing(data, lead):
    """A database from before link history: the versions hold no link rows until
    start_link_history gives every record one that does."""
    from django.apps import apps

    from aims_portal.history_links import start_link_history

    links = Risk.history.model.systems.model
    links.objects.all().delete()  # as if the links had never been versioned
    found, _ = online()
    assert keyed(found) == [("changed", "assessments.risk", data["risk"].pk, "systems")]

    class SchemaEditor:
        connection = connection

    start_link_history(apps, SchemaEditor(), "assessments", "Risk", ["systems"])
    assert both() == ([], [])


def test_offline_checker_reports_a_version_missing_from_the_bundle(data):
    items = list(current_bundle.current_rows(""))
    rows = [r for r in history_rows() if r["sequence"] != items[0]["sequence"]]
    problems = verify_current.check_streams(rows, items).problems
    assert keyed(problems) == [("missing", items[0]["model"], items[0]["id"], items[0]["field"])]
    assert "not among the bundle's record versions" in problems[0]["message"]


def test_offline_checker_reads_a_bundle_archive(data, tmp_path):
    system = data["system"]
    sql(f"UPDATE {table(AISystem)} SET name = 'Renamed' WHERE id = %s", [system.pk])
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("records.jsonl", "".join(json.dumps(r) + "\n" for r in history_rows()))
        with archive.open(verify_current.CURRENT_FILE, "w") as target:
            count = current_bundle.write_current_rows(target, "inventory")
    assert count >= AISystem.objects.count()
    with zipfile.ZipFile(path) as archive:
        checker = verify_current.check_archive(archive)
    assert keyed(checker.problems) == [("changed", "registry.aisystem", system.pk, "name")]
    assert checker.rows_checked >= 2


def test_bundle_items_are_in_ledger_order_and_canonical(data):
    items = list(current_bundle.current_rows(""))
    sequences = [i["sequence"] for i in items if i["sequence"] is not None]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    system_item = next(
        i for i in items if i["model"] == "registry.aisystem" and i["id"] == data["system"].pk
    )
    version = AISystem.history.filter(id=data["system"].pk).latest("history_id")
    recorded = canonical_row(
        AISystem.history.model, [getattr(version, n) for n in row_spec(AISystem.history.model)[0]]
    )
    assert system_item["version"] == version.history_id
    assert all(recorded[k] == v for k, v in system_item["row"].items())
    users = [i for i in items if i["model"] == "aims_portal.user" and "row" in i]
    assert users and all("password" not in i["row"] for i in users)
    roles = [i for i in items if i["model"] == "aims_portal.user" and i.get("field") == "groups"]
    assert [i["id"] for i in roles] == [data["lead"].pk]


def test_same_values_stored_differently_raise_nothing_but_a_changed_json_value_does(data, lead):
    """A time in another time zone, JSON with other spacing: the same canonical value."""
    from controls import services as controls

    entry = SoAEntry.objects.order_by("pk").first()
    controls.soa_entry_update(
        entry,
        actor=lead,
        data={"evidence": ["doc-1"]},
        expected_version=entry.version,
        reason="Evidence",
    )
    supplier = Supplier.objects.get()
    elsewhere = datetime.timezone(datetime.timedelta(hours=2))
    sql(
        f"UPDATE {table(Supplier)} SET created_at = %s WHERE id = %s",
        [supplier.created_at.astimezone(elsewhere).isoformat(), supplier.pk],
    )
    sql(f"UPDATE {table(SoAEntry)} SET evidence = %s WHERE id = %s", ['[ "doc-1" ]', entry.pk])
    assert both() == ([], [])
    sql(f"UPDATE {table(SoAEntry)} SET evidence = %s WHERE id = %s", ['["doc-2"]', entry.pk])
    for found in both():
        assert keyed(found) == [("changed", "controls.soaentry", entry.pk, "evidence")]
        assert (
            """evidence is ["doc-2"] but its latest version says ["doc-1"]"""
            in (found[0]["message"])
        )


def test_same_value_tells_json_types_apart():
    assert verify_current.same_value([1], [1])
    assert not verify_current.same_value([1], [True])
    assert not verify_current.same_value(1, 1.0)
    assert not verify_current.same_value("1", 1)
    assert not verify_current.same_value(None, "")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_each_chunk_is_read_from_one_snapshot(make_user):
    """Autocommit, as verify_ledger runs: on PostgreSQL every chunk is read in its own
    REPEATABLE READ transaction, and the check still finds a raw change."""
    from aims_portal import roles

    lead = make_user(roles.GOVERNANCE_LEAD, username="lead")
    suppliers = [factories.supplier(lead, name=f"Supplier {n}") for n in range(5)]
    assert not connection.in_atomic_block
    found = []
    check_current_state(found.append, chunk_size=2)
    assert found == []
    sql(f"UPDATE {table(Supplier)} SET name = 'Forged' WHERE id = %s", [suppliers[3].pk])
    with CaptureQueriesContext(connection) as captured:
        stats = check_current_state(found.append, chunk_size=2)
    assert keyed(found) == [("changed", "registry.supplier", suppliers[3].pk, "name")]
    if connection.vendor == "postgresql":
        isolation = [q for q in captured if "REPEATABLE READ" in q["sql"]]
        assert len(isolation) == stats.chunks
