"""Every dashboard figure opens the list behind it: the link's parameters are real filters of
that list and the list shows as many records as the figure says."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from aims_portal import dashboard, readiness
from assessments import services as assessments
from assessments.models import Risk
from controls import services as controls
from controls.models import ControlledDocument, SoAEntry
from registry import services as registry
from registry.models import AISystem, Incident, Supplier

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def build_portfolio(lead, executive):
    """A small organisation with something in every dashboard figure."""
    today = timezone.localdate()
    systems = [
        factories.ai_system(lead, risk_tier=tier, next_review=today + timedelta(days=days))
        for tier, days in (("low", 10), ("high", 200), ("critical", 20), ("medium", 400))
    ]
    for system, stage in zip(
        systems, ("production", "development", "validation", "retired"), strict=True
    ):
        registry.system_write(system, actor=lead, reason="Set up for the test", stage=stage)
    registry.system_write(systems[3], actor=lead, reason="Retired", next_review=today)
    for severity, status in (
        ("high", "open"),
        ("critical", "open"),
        ("low", "contained"),
        ("medium", "closed"),
    ):
        incident = registry.incident_create(
            actor=lead,
            data={
                "system": systems[0],
                "title": f"{severity} incident",
                "severity": severity,
                "detected_at": timezone.now(),
                "detection": "monitoring",
                "description": "Answers went wrong.",
            },
        )
        Incident.objects.filter(pk=incident.pk).update(status=status)
    factories.change_request(lead, systems[1], target_stage="validation")
    approved = factories.supplier(lead)
    Supplier.objects.filter(pk=approved.pk).update(due_diligence_status="approved")
    late = factories.supplier(lead)
    Supplier.objects.filter(pk=late.pk).update(next_review=today - timedelta(days=3))
    assessment = factories.impact_assessment(lead, system=systems[0])
    assessments.assessment_transition(assessment, "submit", actor=lead)
    assessments.assessment_transition(assessment, "approve", actor=executive)
    factories.impact_assessment(lead, system=systems[1])
    for likelihood, impact, review in ((5, 5, 5), (4, 4, 60), (2, 2, None), (1, 1, 3)):
        factories.risk(
            lead,
            inherent_likelihood=likelihood,
            inherent_impact=impact,
            residual_likelihood=likelihood,
            residual_impact=impact,
            review_date=today + timedelta(days=review) if review else None,
        )
    Risk.objects.filter(inherent_score=1).update(status=Risk.Status.CLOSED)
    factories.soa_decide_all(lead)
    for group, data in (
        ("A.2", {"implementation_status": "implemented"}),
        ("A.3", {"applicability": "excluded"}),
        ("A.4", {"implementation_status": "partial"}),
    ):
        for entry in SoAEntry.objects.filter(control__group=group):
            controls.soa_entry_update(
                entry, actor=lead, data=data, expected_version=entry.version, reason="Progress"
            )
    controls.document_create(
        actor=lead,
        data={
            "ref": f"POL-{ControlledDocument.objects.count() + 1:03}",
            "title": "AI policy",
            "owner": lead,
            "review_date": today + timedelta(days=12),
        },
    )
    return systems


@pytest.fixture
def portfolio(lead, executive):
    readiness.forget()
    yield build_portfolio(lead, executive)
    readiness.forget()


def open_list(client, url):
    """The list page behind ``url``: checks every parameter is one of its filters and
    returns how many records it shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    filterset = response.context["filterset"]
    assert filterset.is_valid(), (url, filterset.errors)
    for name, _ in parse_qsl(urlsplit(url).query):
        assert name in filterset.filters, f"{url}: {name} is not a filter of that list"
    return response.context["table"].paginator.count


def test_every_row_opens_a_list_with_that_many_records(portfolio, lead, client_for):
    client = client_for(lead)
    readiness_page = client.get("/readiness/").content.decode()
    checked = 0
    for card in dashboard.cards_for(lead):
        for row in card.rows:
            path, _, anchor = row.url.partition("#")
            if path == "/readiness/":
                assert f'id="{anchor}"' in readiness_page, row
                continue
            if "?" not in path:
                continue  # a page of its own (the SoA), not a filtered list
            assert open_list(client, row.url) == row.count, (card.title, row)
            checked += 1
    assert checked >= 30


def test_cross_table_cells_open_their_systems(portfolio, lead, client_for):
    client = client_for(lead)
    card = next(c for c in dashboard.cards_for(lead) if c.table)
    for _, url, total, cells in card.table["rows"]:
        assert open_list(client, url) == total
        for count, cell_url, _ in cells:
            assert open_list(client, cell_url) == count
    assert card.table["total"] == AISystem.objects.count()


def test_every_link_in_the_charts_is_a_working_filter(portfolio, lead, client_for):
    client = client_for(lead)
    html = client.get("/").content.decode()
    hrefs = {unescape(h) for h in re.findall(r'<a href="([^"]+)"', html)}
    chart_links = [h for h in hrefs if "?" in h and not h.startswith("/readiness/")]
    assert len(chart_links) > 40
    for href in chart_links:
        open_list(client, href)


def test_heat_map_cells_count_the_live_risks_rated_there(portfolio, lead, client_for):
    client = client_for(lead)
    html = client.get("/").content.decode()
    cell = re.search(
        r'<a href="([^"]+inherent_likelihood=5&amp;inherent_impact=5)" aria-label="([^"]+)"', html
    )
    assert cell and "1 item" in cell.group(2)
    assert open_list(client, unescape(cell.group(1))) == 1
    # The closed 1x1 risk is not drawn.
    closed = re.search(r'aria-label="([^"]+ at likelihood 1, impact 1)"', html)
    assert "0 items" in closed.group(1)


def test_soa_segments_open_the_controls_of_that_group_and_state(portfolio, lead, client_for):
    client = client_for(lead)
    html = client.get("/").content.decode()
    segment = re.search(
        r'<a href="([^"]+group=A.2&amp;[^"]+implemented)" aria-label="([^"]+)"', html
    )
    assert segment, "the A.2 implemented segment is a link"
    count = int(segment.group(2).rsplit(": ", 1)[1])
    assert count == SoAEntry.objects.filter(control__group="A.2").count()
    assert open_list(client, unescape(segment.group(1))) == count
