"""The dashboard and the readiness page run the same number of queries whatever the amount
of data; the dashboard stays under 15."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims_portal import readiness

from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)
from .test_dashboard_links import build_portfolio

pytestmark = pytest.mark.django_db

DASHBOARD_LIMIT = 15


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(lead, executive):
    """Every kind of record the dashboard counts, added once more."""
    build_portfolio(lead, executive)


def test_dashboard_queries_do_not_grow_with_data(lead, executive, client_for):
    client = client_for(lead)
    readiness.forget()
    client.get("/")  # the readiness score is kept for a few minutes
    empty = queries(client, "/")
    build_portfolio(lead, executive)
    small = queries(client, "/")
    for _ in range(3):
        build_portfolio(lead, executive)
    large = queries(client, "/")
    readiness.forget()
    assert empty == small == large
    assert large < DASHBOARD_LIMIT


def test_dashboard_with_a_stale_score_still_runs_a_constant_number_of_queries(
    lead, executive, client_for
):
    client = client_for(lead)
    build_portfolio(lead, executive)
    client.get("/")  # the past months of the trend are kept once read
    readiness.forget()
    small = queries(client, "/")
    for _ in range(3):
        build_portfolio(lead, executive)
    readiness.forget()
    large = queries(client, "/")
    readiness.forget()
    assert small == large


def test_readiness_page_queries_do_not_grow_with_data(lead, executive, client_for):
    client = client_for(lead)
    build_portfolio(lead, executive)
    small = queries(client, "/readiness/")
    for _ in range(3):
        build_portfolio(lead, executive)
    large = queries(client, "/readiness/")
    readiness.forget()
    assert small == large
