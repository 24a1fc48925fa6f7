"""The twelve-month trend is read from the records' history: a record counts at a month's
end when its latest version before then met the condition."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims_portal.dashboard import month_ends, monthly_counts, trend_values
from assessments.models import Risk
from registry import services as registry
from registry.models import AISystem

from . import factories

pytestmark = pytest.mark.django_db

PRODUCTION = {"production": (AISystem, Q(stage="production"))}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def backdate(record, *moments):
    """Give the record's versions, oldest first, these dates."""
    rows = record.history.order_by("history_date", "history_id")
    assert rows.count() == len(moments)
    for row, moment in zip(rows, moments, strict=True):
        type(row).objects.filter(pk=row.pk).update(history_date=moment)


def test_twelve_months_oldest_first_ending_now():
    points = month_ends()
    assert len(points) == 12
    moments = [moment for _, moment in points]
    assert moments == sorted(moments)
    assert timezone.now() - moments[-1] < timedelta(minutes=1)
    assert all(timezone.localtime(m).day == 1 for m in moments[:-1])


def test_a_system_counts_only_in_the_months_it_was_in_production(lead):
    points = [moment for _, moment in month_ends()]
    system = factories.ai_system(lead)
    system = registry.system_write(system, actor=lead, reason="Go-live", stage="production")
    registry.system_write(system, actor=lead, reason="Retired", stage="retired")
    day = timedelta(days=1)
    # created before month 2 ends, live before month 5 ends, retired before month 9 ends
    backdate(system, points[2] - day, points[5] - day, points[9] - day)
    counts = monthly_counts(PRODUCTION, points)["production"]
    assert counts == [0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]


def test_deleted_records_stop_counting(lead):
    points = [moment for _, moment in month_ends()]
    system = factories.ai_system(lead)
    system = registry.system_write(system, actor=lead, reason="Go-live", stage="production")
    AISystem.objects.get(pk=system.pk).delete()
    day = timedelta(days=1)
    backdate(system, points[1] - day, points[3] - day, points[6] - day)
    assert monthly_counts(PRODUCTION, points)["production"] == [0, 0, 0, 1, 1, 1] + [0] * 6


def test_every_series_comes_from_one_query_whatever_the_data(lead):
    points = [moment for _, moment in month_ends()]
    specs = {
        **PRODUCTION,
        "risks": (Risk, Q(status="open", residual_score__gte=17)),
    }
    with CaptureQueriesContext(connection) as empty:
        monthly_counts(specs, points)
    for _ in range(5):
        factories.risk(
            lead, residual_likelihood=5, residual_impact=5, inherent_likelihood=5, inherent_impact=5
        )
    points = [moment for _, moment in month_ends()]  # "now" after the risks were added
    with CaptureQueriesContext(connection) as full:
        counts = monthly_counts(specs, points)
    assert len(empty) == len(full) == 1
    assert counts["risks"][-1] == 5 and counts["production"] == [0] * 12


def test_the_trend_card_draws_each_series_with_its_latest_value(lead, client_for):
    system = factories.ai_system(lead)
    registry.system_write(system, actor=lead, reason="Go-live", stage="production")
    html = client_for(lead).get("/").content.decode()
    # The only record is from this month: the trend starts at the last month's end.
    assert "Trend since" in html
    assert "AI systems in production" in html
    assert 'class="chart line-chart"' in html
    # The legend entry links to the list behind the series.
    assert f'href="{reverse("registry:aisystem-list")}?stage=production"' in html


def test_past_months_are_kept_and_the_current_month_is_live(lead):
    points = [moment for _, moment in month_ends()]
    system = factories.ai_system(lead)
    registry.system_write(system, actor=lead, reason="Go-live", stage="production")
    backdate(AISystem.objects.get(pk=system.pk), points[2], points[4])
    first = trend_values(PRODUCTION, points, {"production": 1})["production"]
    assert first == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    with CaptureQueriesContext(connection) as again:
        second = trend_values(PRODUCTION, points, {"production": 0})["production"]
    assert len(again) == 0
    assert second == [*first[:-1], 0]


def test_a_scoped_user_sees_past_months_of_their_scope_only(admin_user, lead, make_user):
    from identity import services as identity

    points = [moment for _, moment in month_ends()]
    inside, outside = factories.ai_system(lead), factories.ai_system(lead)
    for system in (inside, outside):
        registry.system_write(system, actor=lead, reason="Go-live", stage="production")
        backdate(AISystem.objects.get(pk=system.pk), points[2], points[4])
    auditor = make_user("auditor", username="engaged")
    identity.access_scope_set(
        auditor, actor=admin_user, teams=[], systems=[inside], reason="One system"
    )
    auditor = type(auditor).objects.get(pk=auditor.pk)
    everyone = trend_values(PRODUCTION, points, {"production": 2})["production"]
    scoped = trend_values(PRODUCTION, points, {"production": 1}, user=auditor)["production"]
    assert everyone == [0] * 5 + [2] * 7
    assert scoped == [0] * 5 + [1] * 7
    # The scoped figures are kept apart: everyone's cached months are not reused for them.
    assert trend_values(PRODUCTION, points, {"production": 2})["production"] == everyone
