"""Controls pages run a fixed number of SQL queries whatever the amount of data: each page is
measured at two data sizes (evidence references, linked systems, revisions, documents)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from controls import services
from controls.models import Control, ControlledDocument, SoAEntry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(client, lead):
    client.force_login(lead)

    def run(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(captured)

    return run


def enrich(lead, evidence, systems, risks=()):
    """Give every SoA entry ``evidence`` references, the given systems and an owner."""
    for entry in SoAEntry.objects.select_related("control"):
        services.soa_entry_update(
            entry,
            actor=lead,
            data={
                "applicability": "applicable",
                "justification": f"Needed {entry.control.ref}",
                "evidence": [f"EV-{i}" for i in range(evidence)],
                "systems": systems,
                "risks": list(risks),
                "owner": lead,
            },
            expected_version=entry.version,
            reason="Bench",
        )


def systems(lead, n, start=0):
    return [
        factories.ai_system(lead, slug=f"s-{start + i}", name=f"S {start + i}") for i in range(n)
    ]


def test_soa_page_query_count_is_independent_of_evidence_systems_and_risks(measure, lead):
    enrich(lead, 1, systems(lead, 1), [factories.risk(lead)])
    small = measure("/controls/soa/")
    enrich(lead, 8, systems(lead, 4, start=10), [factories.risk(lead) for _ in range(4)])
    assert measure("/controls/soa/") == small


def test_soa_as_of_view_query_count_is_constant(measure, lead):
    enrich(lead, 1, [])
    small = measure("/controls/soa/?as_of=2099-01-01")
    enrich(lead, 6, [])
    assert measure("/controls/soa/?as_of=2099-01-01") == small


def test_soa_as_of_view_with_linked_systems_and_risks_query_count_is_constant(
    measure, client, lead
):
    enrich(lead, 1, systems(lead, 1), [factories.risk(lead)])
    small = measure("/controls/soa/?as_of=2099-01-01")
    enrich(lead, 6, systems(lead, 5, start=10), [factories.risk(lead) for _ in range(4)])
    assert measure("/controls/soa/?as_of=2099-01-01") == small
    html = client.get("/controls/soa/?as_of=2099-01-01").content.decode()
    assert html.count("Systems: S 10, S 11, S 12, S 13, S 14") == 38


def test_revision_pages_query_count_is_constant(measure, lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    small_list, small_detail = (
        measure("/controls/soa/revisions/"),
        measure("/controls/soa/revisions/1/"),
    )
    for n in range(2, 6):
        factories.soa_decide_all(lead, justification=f"Round {n} {{ref}}")
        factories.soa_approve(lead, executive)
    assert measure("/controls/soa/revisions/") == small_list
    assert measure("/controls/soa/revisions/1/") == small_detail
    assert measure("/controls/soa/revisions/compare/?from=1&to=5") == measure(
        "/controls/soa/revisions/compare/?from=1&to=2"
    )


def test_control_list_and_detail_query_counts_are_constant(measure, lead):
    control = Control.objects.get(ref="A.6.2.4")
    small_list, small_detail = measure("/controls/catalogue/"), measure(control.get_absolute_url())
    enrich(lead, 5, systems(lead, 5))
    for i in range(6):
        factories_document(lead, i, [control])
    assert measure("/controls/catalogue/") == small_list
    assert measure(control.get_absolute_url()) == small_detail


def test_soa_entry_detail_query_count_is_constant(measure, lead):
    entry = SoAEntry.objects.get(control__ref="A.2.2")
    enrich(lead, 1, systems(lead, 1))
    small = measure(entry.get_absolute_url())
    enrich(lead, 9, systems(lead, 6, start=10))
    assert measure(entry.get_absolute_url()) == small


def factories_document(lead, i, controls):
    return services.document_create(
        actor=lead,
        data={"ref": f"DOC-{i:03}", "title": f"Document {i}", "owner": lead, "controls": controls},
    )


def test_document_list_and_detail_query_counts_are_constant(measure, lead):
    controls = list(Control.objects.all()[:2])
    first = factories_document(lead, 0, controls)
    small_list, small_detail = measure("/controls/documents/"), measure(first.get_absolute_url())
    for i in range(1, 30):
        factories_document(lead, i, controls)
    ControlledDocument.objects.get(pk=first.pk).controls.set(Control.objects.all())
    assert measure("/controls/documents/") == small_list
    assert measure(first.get_absolute_url()) == small_detail


def test_api_soa_entries_query_count_is_constant(measure, lead):
    enrich(lead, 1, systems(lead, 1))
    small = measure("/api/v1/controls/soa-entries/")
    enrich(lead, 7, systems(lead, 5, start=10))
    assert measure("/api/v1/controls/soa-entries/") == small
