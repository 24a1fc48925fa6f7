"""One definition of an incident still open (open or contained), shared by the dashboard,
the management review and the incident list's filter."""

import pytest
from django.urls import reverse

from aims_portal import dashboard, readiness
from audits.models import ManagementReview
from audits.selectors import review_figures
from registry.models import Incident

from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)
from .test_dashboard_links import build_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(lead, executive):
    readiness.forget()
    build_portfolio(lead, executive)  # high and critical open, low contained, medium closed
    yield
    readiness.forget()


def test_the_named_queryset_counts_contained_incidents_as_still_open(portfolio):
    assert sorted(Incident.objects.still_open().values_list("severity", flat=True)) == [
        "critical",
        "high",
        "low",
    ]


def test_dashboard_and_review_count_the_same_incidents(portfolio, lead):
    card = {c.title: c for c in dashboard.cards_for(lead)}["AI incidents"]
    assert card.headline == "3 still open"
    review = ManagementReview(reference="MR-T", meeting_date="2026-01-01")
    in_review = {row["severity"]: row["open"] for row in review_figures(review)["incidents"]}
    assert in_review == {"low": 1, "medium": 0, "high": 1, "critical": 1}
    assert sum(in_review.values()) == Incident.objects.still_open().count()
    # A contained incident is drawn as a bar too, not only the open ones.
    assert "incidents still open" in card.chart


def test_the_filter_lists_the_incidents_the_dashboard_counts(portfolio, client_for, lead):
    page = client_for(lead).get(reverse("registry:incident-list"), {"still_open": "true"})
    text = page.content.decode()
    assert "low incident" in text and "high incident" in text and "critical incident" in text
    assert "medium incident" not in text
