"""Pages and API lists run a fixed number of SQL queries, however many rows they show: each
page is measured at a small and a large data size and the two counts must be equal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services as registry
from registry.models import AISystem

from . import factories

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30
FEW, MANY = 2, 25  # linked records / history versions on detail pages


@pytest.fixture
def people(users):
    """Everyone who owns or edits records here; the same set at both sizes."""
    return list(users.values())


@pytest.fixture
def measure(client, lead):
    """Query count of a GET as the governance lead, after a warm-up request."""
    client.force_login(lead)

    def run(url, **headers):
        client.get(url, **headers)  # warm caches (content types, sessions) equally
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        assert response.status_code == 200, url
        return len(captured), response

    return run


def add_suppliers(lead, people, start, stop):
    for i in range(start, stop):
        factories.supplier(lead, name=f"Supplier {i:03}", owner=people[i % len(people)])


def add_systems(lead, people, start, stop, **extra):
    stages = list(AISystem.Stage.values)
    created = []
    for i in range(start, stop):
        system = factories.ai_system(
            lead, slug=f"sys-{i:03}", name=f"System {i:03}", owner=people[i % len(people)], **extra
        )
        AISystem.objects.filter(pk=system.pk).update(stage=stages[i % len(stages)])
        created.append(system)
    return created


def add_versions(record, update, people, count):
    """Save ``record`` until it has ``count`` versions, by varied editors and owners."""
    while record.version < count:
        n = record.version
        record = update(
            record,
            actor=people[0],
            data={"owner": people[n % len(people)], "description": f"Revision {n}"},
            expected_version=n,
            reason=f"Change {n}",
        )
    return record


def rows_linking(response, records):
    html = response.content.decode()
    return sum(record.get_absolute_url() in html for record in records)


# --- list pages -----------------------------------------------------------------------------


def test_supplier_list_query_count_is_constant(measure, lead, people):
    add_suppliers(lead, people, 0, SMALL)
    small, _ = measure("/inventory/suppliers/")
    add_suppliers(lead, people, SMALL, LARGE)
    large, response = measure("/inventory/suppliers/")
    assert len(response.context["table"].page.object_list) == 25
    assert large == small


def test_ai_system_list_query_count_is_constant(measure, lead, people):
    supplier = factories.supplier(lead, name="Vendor")
    add_systems(lead, people, 0, SMALL, supplier=supplier)
    small, _ = measure("/inventory/systems/")
    add_systems(lead, people, SMALL, LARGE, supplier=supplier)
    large, response = measure("/inventory/systems/")
    assert len(response.context["table"].page.object_list) == 25
    assert large == small


def test_supplier_csv_export_query_count_is_constant(measure, lead, people):
    add_suppliers(lead, people, 0, SMALL)
    small, _ = measure("/inventory/suppliers/?_export=csv")
    add_suppliers(lead, people, SMALL, LARGE)
    large, response = measure("/inventory/suppliers/?_export=csv")
    assert response.content.decode().count("\n") == 1 + LARGE
    assert large == small


# --- detail pages ---------------------------------------------------------------------------


def test_supplier_detail_with_linked_systems_query_count_is_constant(measure, lead, people):
    supplier = factories.supplier(lead, name="Vendor")
    systems = add_systems(lead, people, 0, FEW, supplier=supplier)
    small, response = measure(supplier.get_absolute_url())
    assert rows_linking(response, systems) == FEW
    systems += add_systems(lead, people, FEW, MANY, supplier=supplier)
    large, response = measure(supplier.get_absolute_url())
    assert rows_linking(response, systems) == 20  # the panel shows its first 20
    assert large == small


def test_ai_system_detail_query_count_is_constant(measure, lead, people):
    supplier = factories.supplier(lead, name="Vendor")
    [system] = add_systems(lead, people, 0, 1, supplier=supplier)
    system = add_versions(system, registry.ai_system_update, people, FEW)
    small, _ = measure(system.get_absolute_url())
    add_versions(system, registry.ai_system_update, people, MANY)
    large, response = measure(system.get_absolute_url())
    assert len(response.context["recent_versions"]) == 5
    assert large == small


def test_supplier_history_page_query_count_is_constant(measure, lead, people):
    supplier = factories.supplier(lead, name="Vendor")
    supplier = add_versions(supplier, registry.supplier_update, people, FEW)
    url = f"/history/registry/supplier/{supplier.pk}/"
    small, _ = measure(url)
    add_versions(supplier, registry.supplier_update, people, MANY)
    large, response = measure(url)
    assert len(response.context["rows"]) == MANY
    assert large == small


def test_ai_system_history_page_query_count_is_constant(measure, lead, people):
    [system] = add_systems(lead, people, 0, 1)
    system = add_versions(system, registry.ai_system_update, people, FEW)
    url = f"/history/registry/aisystem/{system.pk}/"
    small, _ = measure(url)
    add_versions(system, registry.ai_system_update, people, MANY)
    large, response = measure(url)
    assert len(response.context["rows"]) == MANY
    assert large == small


# --- API lists ------------------------------------------------------------------------------


def test_api_system_list_query_count_is_constant(measure, lead, people):
    supplier = factories.supplier(lead, name="Vendor")
    add_systems(lead, people, 0, SMALL, supplier=supplier)
    small, _ = measure("/api/v1/registry/systems/", HTTP_ACCEPT="application/json")
    add_systems(lead, people, SMALL, LARGE, supplier=supplier)
    large, response = measure("/api/v1/registry/systems/", HTTP_ACCEPT="application/json")
    assert len(response.json()["results"]) == LARGE
    assert large == small


def test_api_supplier_list_query_count_is_constant(measure, lead, people):
    add_suppliers(lead, people, 0, SMALL)
    small, _ = measure("/api/v1/registry/suppliers/", HTTP_ACCEPT="application/json")
    add_suppliers(lead, people, SMALL, LARGE)
    large, response = measure("/api/v1/registry/suppliers/", HTTP_ACCEPT="application/json")
    assert len(response.json()["results"]) == LARGE
    assert large == small


# --- dashboard ------------------------------------------------------------------------------


def test_dashboard_query_count_is_constant(measure, lead, people):
    add_suppliers(lead, people, 0, SMALL)
    add_systems(lead, people, 0, SMALL)
    small, _ = measure("/")
    add_suppliers(lead, people, SMALL, LARGE)
    add_systems(lead, people, SMALL, LARGE)
    large, response = measure("/")
    assert "AI systems by risk tier" in response.content.decode()
    assert large == small
