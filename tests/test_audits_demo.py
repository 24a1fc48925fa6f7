"""Demo data of the audits app: a completed audit, findings of every type, actions in several
states (one overdue), a completed review; runs twice without duplicating anything."""

import pytest

from aims_portal.readiness import run_checks
from assessments import demo as assessments_demo
from audits import demo
from audits.models import Audit, CorrectiveAction, EvidenceItem, Finding, ManagementReview
from controls import demo as controls_demo
from registry import demo as registry_demo

from .test_audits_setup import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def test_demo_loads_audits_actions_and_a_review_and_is_idempotent(users):
    registry_demo.load(users)
    assessments_demo.load(users)
    controls_demo.load(users)
    demo.load(users)
    demo.load(users)
    assert Audit.objects.filter(status="completed").count() == 1
    assert Audit.objects.filter(status="planned").count() == 1
    assert set(Finding.objects.values_list("kind", flat=True)) == {
        "major_nc",
        "minor_nc",
        "observation",
        "ofi",
    }
    statuses = set(CorrectiveAction.objects.values_list("status", flat=True))
    assert {"closed", "implemented", "in_progress", "open"} <= statuses
    assert [a.reference for a in CorrectiveAction.objects.all() if a.is_overdue]
    review = ManagementReview.objects.get()
    assert review.status == "completed" and review.figures["findings"]
    assert EvidenceItem.objects.count() == 2
    check = next(r for r in run_checks() if r.key == "internal-audit")
    assert check.passed


def test_readiness_fails_until_an_audit_is_completed(planned_audit):
    check = next(r for r in run_checks() if r.key == "internal-audit")
    assert not check.passed
    assert check.failures[0].url == planned_audit.get_absolute_url()
    assert "this one is planned" in check.failures[0].problem
