"""The dashboard trend starts at the month of the first record instead of drawing months
of zeros before it."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db.models import Q

from aims_portal.dashboard import month_ends, trend_start
from registry import services as registry
from registry.models import AISystem

from . import factories
from .test_dashboard_trend import backdate

pytestmark = pytest.mark.django_db

PRODUCTION = {"production": (AISystem, Q(stage="production"))}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_trend_starts_after_the_first_record(lead):
    points = [moment for _, moment in month_ends()]
    system = factories.ai_system(lead)
    registry.system_write(system, actor=lead, reason="Go-live", stage="production")
    backdate(AISystem.objects.get(pk=system.pk), points[7] - timedelta(days=3), points[8])
    assert trend_start(PRODUCTION, points) == 7


def test_without_records_only_the_last_two_points_are_drawn():
    points = [moment for _, moment in month_ends()]
    assert trend_start(PRODUCTION, points) == len(points) - 2


def test_the_card_names_the_month_it_starts_from(lead, client_for):
    points = month_ends()
    system = factories.ai_system(lead)
    registry.system_write(system, actor=lead, reason="Go-live", stage="production")
    backdate(AISystem.objects.get(pk=system.pk), points[5][1] - timedelta(days=3), points[6][1])
    html = client_for(lead).get("/").content.decode()
    assert f"Trend since {points[5][0]}" in html
    assert f"Nothing was recorded before {points[5][0]}." in html
    assert f">{points[4][0]}<" not in html  # no month before the first record is drawn
