"""The SoA as of a date before its first entry says so instead of "All 0 controls, 0%"."""

import datetime

import pytest
from django.utils import timezone

from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def test_a_date_before_the_first_entry_is_explained(client_for, lead):
    before = timezone.localdate() - datetime.timedelta(days=400)
    page = client_for(lead).get(f"/controls/soa/?as_of={before:%Y-%m-%d}").content.decode()
    assert 'id="soa-before-first-record"' in page
    assert "The SoA had no entries yet on" in page
    today = timezone.localdate()
    assert f"its first entry was recorded on {today.day} {today:%B %Y}" in page


def test_a_date_with_entries_has_no_such_notice(client_for, lead):
    today = timezone.localdate()
    page = client_for(lead).get(f"/controls/soa/?as_of={today:%Y-%m-%d}").content.decode()
    assert "soa-before-first-record" not in page
