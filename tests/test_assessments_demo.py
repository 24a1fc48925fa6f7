"""The demo assessments and risks: created through the services, idempotent, varied."""

import pytest

from assessments import demo
from assessments.models import ImpactAssessment, Risk
from registry import demo as registry_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(users):
    registry_demo.load(users)
    demo.load(users)
    return users


def test_demo_covers_every_state_and_runs_twice(loaded):
    counts = (ImpactAssessment.objects.count(), Risk.objects.count())
    demo.load(loaded)
    assert (ImpactAssessment.objects.count(), Risk.objects.count()) == counts
    statuses = set(ImpactAssessment.objects.values_list("status", flat=True))
    assert {"draft", "in_review", "approved"} <= statuses
    assert ImpactAssessment.objects.filter(needs_reassessment=True).exists()
    assert ImpactAssessment.objects.filter(revision=2).exists()
    risk_statuses = set(Risk.objects.values_list("status", flat=True))
    assert risk_statuses == {"open", "pending_acceptance", "accepted", "closed"}
    assert all(r.history.first().history_user for r in Risk.objects.all())


def test_demo_pages_render_for_every_role(loaded, client_for):
    urls = ["/assessments/impact/", "/assessments/risks/"]
    urls += [a.get_absolute_url() for a in ImpactAssessment.objects.all()]
    urls += [r.get_absolute_url() for r in Risk.objects.all()[:4]]
    for user in loaded.values():
        client = client_for(user)
        assert [u for u in urls if client.get(u).status_code != 200] == []
