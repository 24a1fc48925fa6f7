"""Registry pages run a fixed number of SQL queries at a small and a large data size: the
new list pages, their detail pages, and the AI system page with many linked records."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import services

from . import factories

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 26


@pytest.fixture
def measure(client, lead):
    client.force_login(lead)

    def run(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(captured), response

    return run


def when(n):
    return timezone.make_aware(datetime.datetime(2026, 1, 1)) + datetime.timedelta(days=n)


def add_linked(lead, owner, system, start, stop):
    """Data sources, versions, incidents and change requests on ``system``, and a policy."""
    for i in range(start, stop):
        services.data_source_create(
            actor=lead, data={"system": system, "kind": "rag", "name": f"Source {i}", "pii": i % 2}
        )
        services.model_version_create(
            actor=lead, data={"system": system, "label": f"v{i}", "deployed_at": when(i)}
        )
        services.incident_create(
            actor=owner,
            data={
                "system": system,
                "title": f"Incident {i}",
                "severity": "low",
                "detected_at": when(i),
                "detection": "staff",
                "description": "Something odd",
            },
        )
        factories.change_request(lead, system, target_stage="development", reason=f"Change {i}")
        services.policy_create(
            actor=lead,
            data={
                "name": f"rule-{i}",
                "title": f"Rule {i}",
                "rego": f"package rule{i}\nimport rego.v1\n"
                'deny contains "no endpoint" if { not input.deployment.endpoint }\n',
            },
        )


LISTS = [
    "/inventory/data-sources/",
    "/inventory/model-versions/",
    "/inventory/incidents/",
    "/inventory/changes/",
    "/inventory/policies/",
    "/inventory/changes/?_export=csv",
    "/api/v1/registry/changes/",
    "/api/v1/registry/incidents/",
    "/api/v1/registry/data-sources/",
]


@pytest.mark.parametrize("url", LISTS)
def test_list_query_count_is_constant(measure, lead, owner, url):
    system = factories.production_ready(lead, owner=owner)
    add_linked(lead, owner, system, 0, SMALL)
    small, _ = measure(url)
    add_linked(lead, owner, system, SMALL, LARGE)
    large, _ = measure(url)
    assert large == small


def test_system_page_with_many_linked_records_query_count_is_constant(measure, lead, owner):
    system = factories.production_ready(lead, owner=owner)
    add_linked(lead, owner, system, 0, SMALL)
    small, response = measure(system.get_absolute_url())
    assert f"{SMALL} denials" in response.content.decode()
    add_linked(lead, owner, system, SMALL, LARGE)
    large, response = measure(system.get_absolute_url())
    assert f"{LARGE} denials" in response.content.decode()
    assert large == small


@pytest.mark.parametrize("prefix", ["changes", "incidents", "data-sources", "model-versions"])
def test_detail_query_count_is_constant(measure, lead, owner, prefix):
    system = factories.production_ready(lead, owner=owner)
    add_linked(lead, owner, system, 0, SMALL)
    model = {
        "changes": system.changes,
        "incidents": system.incidents,
        "data-sources": system.data_sources,
        "model-versions": system.model_versions,
    }[prefix]
    record = model.order_by("pk").first()
    small, _ = measure(record.get_absolute_url())
    add_linked(lead, owner, system, SMALL, LARGE)
    large, _ = measure(record.get_absolute_url())
    assert large == small


def test_system_yaml_export_query_count_is_constant(measure, lead, owner):
    system = factories.production_ready(lead, owner=owner)
    add_linked(lead, owner, system, 0, SMALL)
    small, _ = measure(f"/inventory/systems/{system.pk}/yaml/")
    add_linked(lead, owner, system, SMALL, LARGE)
    large, response = measure(f"/inventory/systems/{system.pk}/yaml/")
    assert f"Source {LARGE - 1}" in response.content.decode()
    assert large == small
