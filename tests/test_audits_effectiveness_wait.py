"""AIMS_EFFECTIVENESS_MIN_DAYS: an action's effectiveness is judged only once it has been at
work that long, by the service, so the page and the API refuse alike."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audits import services
from audits.models import CorrectiveAction

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def implemented(nc_finding, lead, ia2, settings):
    settings.AIMS_EFFECTIVENESS_MIN_DAYS = 30
    action = factories.corrective_action(lead, ia2, finding=nc_finding)
    for name in ("start", "implement"):
        action = services.corrective_action_transition(action, name, actor=ia2)
    return action


def age(action, days):
    """Move the implementation date back, as time passing would."""
    CorrectiveAction.objects.filter(pk=action.pk).update(
        implemented_at=timezone.now() - datetime.timedelta(days=days)
    )
    action.refresh_from_db()
    return action


@pytest.mark.parametrize("effective", [True, False])
def test_the_service_refuses_a_check_before_the_wait(implemented, ia, effective):
    with pytest.raises(ValidationError, match=r"can be checked from .*30 days later"):
        services.corrective_action_verify(implemented, actor=ia, effective=effective, notes="Ok")
    implemented.refresh_from_db()
    assert implemented.status == "implemented" and implemented.effectiveness_checked_by is None


def test_after_the_wait_the_check_is_recorded(implemented, ia):
    action = age(implemented, 30)
    action = services.corrective_action_verify(action, actor=ia, effective=True, notes="Held")
    assert action.status == "verified"


def test_the_api_refuses_an_early_check(implemented, ia, client):
    client.force_login(ia)
    url = f"/api/v1/audits/actions/{implemented.pk}/step/verify/"
    response = client.post(url, {"reason": "Looks fine"}, content_type="application/json")
    assert response.status_code == 400
    assert "30 days later" in response.content.decode()
    implemented.refresh_from_db()
    assert implemented.status == "implemented"


def test_the_page_says_when_the_check_becomes_possible(implemented, ia, client):
    client.force_login(ia)
    text = client.get(implemented.get_absolute_url()).content.decode()
    ready = timezone.localtime(implemented.implemented_at + datetime.timedelta(days=30))
    assert "“Verify effective” is not possible yet" in text
    assert f"can be checked from {ready:%d %b %Y}" in text


def test_zero_days_allows_the_check_at_once(implemented, ia, settings):
    settings.AIMS_EFFECTIVENESS_MIN_DAYS = 0
    action = services.corrective_action_verify(implemented, actor=ia, effective=True, notes="Ok")
    assert action.status == "verified"
