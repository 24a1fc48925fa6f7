"""Readiness check 1 (machine-readable inventory) asks the database which systems might break
the registry schema and validates only those: its result must equal validating every system
in service, whatever column is broken, in as many queries with failures as without."""

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from aims_portal.models import User
from registry import readiness, yaml_io
from registry import services as registry
from registry.documents import system_document
from registry.models import AISystem, DataSource, Supplier

from . import factories

pytestmark = pytest.mark.django_db


def validated_one_by_one():
    """What the check found before it asked the database: every system's export validated."""
    failures = {}
    for system in readiness.active_systems().order_by("slug"):
        try:
            yaml_io.validate(system_document(system), system.slug)
        except yaml_io.YAMLProblem as problem:
            lines = [line.split(": ", 1)[-1] for line in str(problem).splitlines()]
            failures[system.slug] = "; ".join(lines)
    return failures


def break_column(model, pk, **values):
    """Store a value the forms would refuse; False where the database refuses it too, which
    only PostgreSQL does, and only for a value longer than its column (SQLite enforces no
    length): no system can then hold it, so the check has nothing to find."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**values)
    except DataError:
        assert connection.vendor == "postgresql"
        ((column, value),) = values.items()
        assert len(value) > model._meta.get_field(column).max_length
        assert not validated_one_by_one() and checked() == {}
        return False
    return True


def checked():
    return {
        failure.label.rsplit(" (", 1)[1].rstrip(")"): failure.problem
        for failure in readiness.inventory_machine_readable()
    }


def test_every_schema_leaf_is_read_from_a_known_column():
    leaves = readiness.schema_leaves()
    assert set(readiness.SCHEMA_COLUMNS) == {
        path for path, spec in leaves.items() if spec.kind != "sources"
    }
    assert set(readiness.SOURCE_COLUMNS) == set(readiness.schema_leaves(yaml_io.SOURCE))


def test_ordinary_systems_are_not_validated_again(lead):
    supplier = factories.supplier(lead)
    system = factories.ai_system(
        lead,
        supplier=supplier,
        regions=["eu-west-1", "us-east-1"],
        affected_parties=["customers"],
        approved_by=["dpo:Dana Ortiz"],
        base_model="gpt-4o",
    )
    registry.data_source_create(
        actor=lead,
        data={"system": system, "kind": "training", "name": "Tickets", "licence": "internal"},
    )
    assert not readiness.systems_to_validate().exists()
    assert checked() == {}


def test_unusual_but_valid_values_are_validated_and_pass(lead):
    factories.ai_system(lead, name="Émile", purpose="Übersetzung", regions=["zürich"])
    assert readiness.systems_to_validate().count() == 1
    assert checked() == {} == validated_one_by_one()


SYSTEM_BREAKS = [
    ("slug", "Has Spaces"),
    ("slug", "x" * 81),
    ("name", ""),
    ("name", " \t"),
    ("name", "n" * 201),
    ("contact", "not an address"),
    ("contact", ""),
    ("contact", "a@b"),
    ("environment", "cloud"),
    ("regions", ["r" * 61]),
    ("regions", [1]),
    ("endpoint", "e" * 301),
    ("purpose", ""),
    ("purpose", "\u00a0"),
    ("data_sensitivity", "secret"),
    ("risk_tier", "extreme"),
    ("eu_ai_act_tier", "unknown"),
    ("affected_parties", ["p" * 121]),
    ("model_type", "t" * 61),
    ("base_model", "b" * 121),
    ("provider", "p" * 121),
    ("version_pinned", "v" * 121),
    ("weights_location", "w" * 301),
    ("impact_assessment_ref", "i" * 41),
    ("approved_by", ["dpo:" + "d" * 120]),
    ("approved_by", [{"role": "dpo"}]),
    ("stage", "archived"),
]


@pytest.mark.parametrize(("column", "value"), SYSTEM_BREAKS)
def test_a_broken_column_is_named_as_the_validator_names_it(lead, column, value):
    factories.ai_system(lead)
    broken = factories.ai_system(lead)
    if not break_column(AISystem, broken.pk, **{column: value}):
        return
    expected = validated_one_by_one()
    assert list(expected) == [AISystem.objects.get(pk=broken.pk).slug]
    assert checked() == expected


@pytest.mark.parametrize(
    ("model", "column", "value"),
    [(User, "username", " "), (Supplier, "name", "s" * 201)],
)
def test_a_broken_owner_or_supplier_is_named(lead, make_user, model, column, value):
    owner = make_user("system_owner", username="owner-two")
    supplier = factories.supplier(lead)
    factories.ai_system(lead)
    broken = factories.ai_system(lead, owner=owner, supplier=supplier)
    target = owner if model is User else supplier
    if not break_column(model, target.pk, **{column: value}):
        return
    expected = validated_one_by_one()
    assert list(expected) == [broken.slug]
    assert checked() == expected


@pytest.mark.parametrize(
    ("column", "value"),
    [("name", ""), ("location", "l" * 301), ("provenance", "p" * 301), ("licence", "l" * 121)],
)
def test_a_broken_data_source_is_named(lead, column, value):
    system = factories.ai_system(lead)
    source = registry.data_source_create(
        actor=lead, data={"system": system, "kind": "rag", "name": "Help centre"}
    )
    if not break_column(DataSource, source.pk, **{column: value}):
        return
    expected = validated_one_by_one()
    assert list(expected) == [system.slug]
    assert checked() == expected


def test_retired_sources_and_systems_are_not_checked(lead):
    system = factories.ai_system(lead)
    source = registry.data_source_create(
        actor=lead, data={"system": system, "kind": "rag", "name": "Help centre"}
    )
    DataSource.objects.filter(pk=source.pk).update(name="", retired_at=system.created_at)
    retired = factories.ai_system(lead)
    AISystem.objects.filter(pk=retired.pk).update(stage="retired", contact="")
    assert checked() == {}


def queries():
    with CaptureQueriesContext(connection) as captured:
        readiness.inventory_machine_readable()
    return len(captured)


def test_the_check_runs_two_queries_whatever_it_finds(lead):
    empty = queries()
    factories.ai_system(lead)
    passing_small = queries()
    for _ in range(4):
        factories.ai_system(lead)
    passing_large = queries()
    AISystem.objects.update(contact="nobody")
    failing_large = queries()
    AISystem.objects.filter(pk__in=list(AISystem.objects.values_list("pk", flat=True)[:1])).update(
        contact="x@example.test"
    )
    assert empty == passing_small == passing_large == failing_large == queries() == 2
