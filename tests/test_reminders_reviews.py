"""Review reminders: systems, impact assessments, risks, the SoA, controlled documents and
suppliers each remind their owner (the SoA: the governance leads) once per due date."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from aims_portal.models import Notification
from aims_portal.notifications import send_reminders
from assessments import services as assessments
from assessments.models import Risk
from controls import services as controls
from controls.models import SoARevision
from registry import services as registry
from registry.models import AISystem

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def soon(days=10):
    return timezone.localdate() + timedelta(days=days)


def keys(user):
    return sorted(Notification.objects.filter(user=user, event="due").values_list("key", flat=True))


def test_a_system_review_within_30_days_reminds_its_owner_once(lead, owner):
    system = factories.ai_system(lead, owner=owner, next_review=soon())
    assert send_reminders() == 1
    assert keys(owner) == [f"system-review:{system.pk}:{soon().isoformat()}"]
    assert mail.outbox[0].to == [owner.email]
    assert system.get_absolute_url() in mail.outbox[0].body
    assert send_reminders() == 0


def test_a_new_review_date_is_a_new_event(lead):
    system = factories.ai_system(lead, next_review=soon())
    send_reminders()
    registry.system_write(system, actor=lead, reason="Moved", next_review=soon(20))
    assert send_reminders() == 1
    assert len(keys(lead)) == 2


def test_far_off_and_retired_systems_are_not_reminded(lead):
    factories.ai_system(lead, next_review=soon(90))
    retired = factories.ai_system(lead, next_review=soon())
    AISystem.objects.filter(pk=retired.pk).update(stage="retired")
    assert send_reminders() == 0


def test_an_approved_assessment_due_for_review_reminds_its_owner(lead, executive):
    assessment = factories.impact_assessment(lead, next_review=soon().isoformat())
    assessments.assessment_transition(assessment, "submit", actor=lead)
    assessments.assessment_transition(assessment, "approve", actor=executive)
    assert send_reminders() == 1
    assert keys(lead) == [f"assessment-review:{assessment.pk}:{soon().isoformat()}"]


def test_a_draft_assessment_is_not_reminded(lead):
    factories.impact_assessment(lead, next_review=soon().isoformat())
    assert send_reminders() == 0


def test_risk_reviews_remind_the_owner_but_not_for_closed_risks(lead):
    live = factories.risk(lead, review_date=soon())
    closed = factories.risk(lead, review_date=soon())
    Risk.objects.filter(pk=closed.pk).update(status=Risk.Status.CLOSED)
    assert send_reminders() == 1
    assert keys(lead) == [f"risk-review:{live.pk}:{soon().isoformat()}"]


def test_overdue_reviews_are_reminded_too(lead):
    risk = factories.risk(lead, review_date=soon())
    Risk.objects.filter(pk=risk.pk).update(review_date=timezone.localdate() - timedelta(days=4))
    assert send_reminders() == 1
    assert "was due" in Notification.objects.get().title


def test_the_soa_review_a_year_after_approval_reminds_the_governance_leads(lead, executive, owner):
    factories.soa_decide_all(lead)
    revision = factories.soa_approve(lead, executive)
    SoARevision.objects.filter(pk=revision.pk).update(
        approved_at=timezone.now() - timedelta(days=350)
    )
    assert send_reminders() == 1
    [key] = keys(lead)
    assert key.startswith(f"soa-review:{revision.number}:")
    assert keys(owner) == []
    assert send_reminders() == 0


def test_a_recently_approved_soa_is_not_due(lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    assert send_reminders() == 0


def test_controlled_documents_remind_their_owner(lead):
    document = controls.document_create(
        actor=lead,
        data={"ref": "POL-001", "title": "AI policy", "owner": lead, "review_date": soon(25)},
    )
    assert send_reminders() == 1
    assert keys(lead) == [f"document-review:{document.pk}:{soon(25).isoformat()}"]


def test_suppliers_remind_their_owner(lead):
    supplier = factories.supplier(lead, next_review=soon(5))
    assert send_reminders() == 1
    assert keys(lead) == [f"supplier-review:{supplier.pk}:{soon(5).isoformat()}"]


def test_inactive_owners_get_nothing(lead, owner):
    factories.ai_system(lead, owner=owner, next_review=soon())
    owner.is_active = False
    owner.save()
    assert send_reminders() == 0
