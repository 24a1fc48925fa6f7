"""The dashboard's figures are right, its charts read without colour, and the navigation
offers the dashboard, the readiness page and the integrity page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from aims_portal import charts, dashboard, readiness
from aims_portal.context_processors import navigation
from controls.models import SoAEntry
from registry.models import AISystem

from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)
from .test_dashboard_links import build_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(lead, executive):
    readiness.forget()
    build_portfolio(lead, executive)
    yield {card.title: card for card in dashboard.cards_for(lead)}
    readiness.forget()


def rows(card):
    return {row.label: row.count for row in card.rows}


def test_systems_by_tier_and_stage(cards):
    card = cards["AI systems by risk tier and lifecycle stage"]
    assert card.table["total"] == 4
    cells = {
        (tier, cell[2].split(", ")[1]): cell[0]
        for tier, _, _, row_cells in card.table["rows"]
        for cell in row_cells
    }
    assert cells[("Critical", "validation")] == 1
    assert cells[("High", "development")] == 1
    assert cells[("Low", "production")] == 1
    assert cells[("Medium", "retired")] == 1
    assert sum(cells.values()) == 4


def test_assessment_coverage_counts_systems_in_service(cards):
    card = cards["Impact assessment coverage"]
    # three systems in service, one (production) with an approved assessment
    assert card.headline == "1 of 3 systems"
    assert rows(card) == {"Systems without a valid assessment": 2}


def test_risk_heat_maps_leave_closed_risks_out(cards):
    card = cards["Risks by residual level and heat maps"]
    assert card.headline == "3 live risks"
    assert rows(card) == {
        "Residual low": 1,
        "Residual medium": 0,
        "Residual high": 1,
        "Residual critical": 1,
        "Awaiting acceptance": 0,
    }
    assert card.chart.count('class="heat-map"') == 2


def test_soa_progress_by_group(cards):
    card = cards["Statement of Applicability: progress by group"]
    figures = rows(card)
    in_group = {g: SoAEntry.objects.filter(control__group=g).count() for g in ("A.2", "A.3", "A.4")}
    assert figures["Implemented"] == in_group["A.2"]
    assert figures["Excluded"] == in_group["A.3"]
    assert figures["Partially implemented"] == in_group["A.4"]
    assert figures["Not started"] == 38 - sum(in_group.values())
    assert sum(figures.values()) == 38
    assert "A.2 " in card.chart and "implemented" in card.chart


def test_incidents_by_status(cards):
    assert rows(cards["AI incidents"]) == {"Open": 2, "Contained": 1, "Resolved": 0, "Closed": 1}


def test_reviews_due_in_the_next_30_days(cards):
    figures = rows(cards["Reviews due in the next 30 days"])
    # low (10 days) and critical (20 days) systems; the retired one is left out
    assert figures["AI systems"] == 2
    assert figures["Risks"] == 1  # the 5-day one; 60 days is later, the closed one is out
    assert figures["Controlled documents"] == 1
    assert figures["Suppliers"] == 1  # overdue
    assert figures["Impact assessments"] == 0
    assert "Statement of Applicability" not in figures


def test_readiness_card_is_in_the_first_row_beside_the_inventory(cards):
    first, second = list(cards.values())[:2]
    assert (first.title, first.wide) == ("AI systems by risk tier and lifecycle stage", True)
    assert (second.title, second.wide) == ("Certification readiness", False)
    assert re.fullmatch(r"\d+ / \d+ checks pass", second.headline)


def test_the_page_shows_every_card(lead, client_for, cards):
    html = client_for(lead).get("/").content.decode()
    for title in cards:
        assert title in html


# charts read without colour


def test_bar_chart_has_title_description_labels_and_numbers():
    svg = charts.bar_chart(
        [charts.Bar("High", 7, "/x?a=1", "warning", "diagonal"), charts.Bar("Low", 0)],
        title="Systems by tier",
        key="t",
    )
    # Bars that link make the chart a group of links; without links it is one image.
    assert 'role="group"' in svg and '<title id="t-t">Systems by tier</title>' in svg
    assert 'role="img"' in charts.bar_chart([charts.Bar("Low", 0)], title="T", key="u")
    assert '<desc id="t-d">High 7; Low 0</desc>' in svg
    assert ">High</text>" in svg and ">7</text>" in svg
    assert 'fill="url(#t-warning-diagonal)"' in svg  # a pattern as well as a colour
    assert 'aria-label="High: 7"' in svg


def test_line_chart_gives_each_series_its_own_marker_and_dash():
    svg = charts.line_chart(
        [charts.Series("A", [1, 2, 3]), charts.Series("B", [3, 2, 1])],
        ["Jan", "Feb", "Mar"],
        title="Trend",
        key="l",
    )
    assert "<circle" in svg and "<rect" in svg  # different markers
    assert 'stroke-dasharray="6 3"' in svg  # the second line is dashed
    assert "A, Mar: 3" in svg and "B: Jan 3, Feb 2, Mar 1" in svg


def test_chart_text_is_escaped():
    svg = charts.bar_chart([charts.Bar("<b>x</b>", 1)], title="<script>", key="e")
    assert "<b>" not in svg and "<script>" not in svg


def test_score_blocks_say_the_score_in_words():
    svg = charts.score_blocks(9, 12, title="Readiness", key="s")
    assert ">9 / 12</text>" in svg and "9 of 12 checks pass" in svg


# navigation


def test_navigation_offers_dashboard_readiness_and_integrity(auditor):
    sections = {s["label"]: [i["label"] for i in s["items"]] for s in navigation(auditor, "/")}
    assert sections["Overview"] == ["Dashboard", "Certification readiness"]
    assert "Integrity" in sections["Integrity ledger"]


def test_only_the_current_page_is_marked(lead):
    items = [i for s in navigation(lead, "/readiness/") for i in s["items"]]
    assert [i["label"] for i in items if i["active"]] == ["Certification readiness"]
    items = [i for s in navigation(lead, "/") for i in s["items"]]
    assert [i["label"] for i in items if i["active"]] == ["Dashboard"]


def test_system_owners_do_not_see_the_integrity_link(owner):
    labels = {s["label"] for s in navigation(owner, "/")}
    assert "Integrity ledger" not in labels and "Overview" in labels


def test_readiness_page_needs_a_login(client):
    response = client.get("/readiness/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_review_due_filter_on_systems_leaves_retired_ones_out(lead, client_for):
    from . import factories

    factories.ai_system(lead, next_review=timezone.localdate() + timedelta(days=3))
    gone = factories.ai_system(lead, next_review=timezone.localdate() + timedelta(days=3))
    AISystem.objects.filter(pk=gone.pk).update(stage="retired")
    page = client_for(lead).get("/inventory/systems/?review_due=30")
    assert page.context["table"].paginator.count == 1
