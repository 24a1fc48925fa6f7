"""The impact assessment workflow: each step, each refused step, four-eyes approval."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(lead, owner):
    assessment = factories.impact_assessment(lead, owner=owner)
    return services.assessment_transition(assessment, "submit", actor=lead)


def test_submit_moves_a_complete_draft_to_review_and_records_the_submitter(lead):
    assessment = factories.impact_assessment(lead)
    moved = services.assessment_transition(assessment, "submit", actor=lead)
    assert moved.status == "in_review"
    assert moved.submitted_by == lead
    assert moved.history.latest("history_id").history_change_reason == "Submit for review"


def test_submit_lists_every_missing_item_at_once(lead):
    assessment = factories.impact_assessment(
        lead, complete=False, impacts=[{"category": "privacy"}]
    )
    with pytest.raises(ValidationError) as refused:
        services.assessment_transition(assessment, "submit", actor=lead)
    messages = refused.value.messages
    assert any("Intended purpose" in m for m in messages)
    assert any("Vulnerable groups" in m for m in messages)
    assert any("Decision" in m for m in messages)
    assert any(m.startswith("Impact 1: give description, likelihood") for m in messages)
    assert len(messages) >= 10
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_submit_without_any_impact_is_refused(lead):
    assessment = factories.impact_assessment(lead, impacts=[])
    with pytest.raises(ValidationError, match="at least one impact"):
        services.assessment_transition(assessment, "submit", actor=lead)


def test_approve_by_another_approver_records_approver_and_date(submitted, executive):
    approved = services.assessment_transition(submitted, "approve", actor=executive)
    assert approved.status == "approved"
    assert approved.approver == executive
    assert approved.approved_at is not None


def test_the_submitter_cannot_approve_even_with_the_approve_grant(lead, owner, admin_user):
    assessment = factories.impact_assessment(lead, owner=owner)
    submitted = services.assessment_transition(assessment, "submit", actor=admin_user)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        services.assessment_transition(submitted, "approve", actor=admin_user)


def test_the_owner_cannot_approve_their_own_assessment(lead, admin_user):
    assessment = factories.impact_assessment(lead, owner=admin_user)
    submitted = services.assessment_transition(assessment, "submit", actor=lead)
    with pytest.raises(PermissionDenied, match="named in its “owner” field"):
        services.assessment_transition(submitted, "approve", actor=admin_user)


def test_a_governance_lead_has_no_approve_grant(submitted, make_user):
    other_lead = make_user("governance_lead")
    with pytest.raises(PermissionDenied, match="does not allow"):
        services.assessment_transition(submitted, "approve", actor=other_lead)


def test_return_needs_a_reason_then_allows_resubmission(submitted, executive, lead):
    with pytest.raises(ValidationError, match="Say why"):
        services.assessment_transition(submitted, "return", actor=executive)
    returned = services.assessment_transition(
        submitted, "return", actor=executive, reason="Add the data retention flow"
    )
    assert returned.status == "returned"
    again = services.assessment_transition(returned, "submit", actor=lead)
    assert again.status == "in_review"


def test_approve_is_refused_from_draft(lead, executive):
    assessment = factories.impact_assessment(lead)
    with pytest.raises(ValidationError, match="not possible while the record is Draft"):
        services.assessment_transition(assessment, "approve", actor=executive)


def test_submit_is_refused_once_in_review(submitted, lead):
    with pytest.raises(ValidationError, match="not possible while the record is In review"):
        services.assessment_transition(submitted, "submit", actor=lead)


def test_supersede_by_hand_is_refused_without_a_newer_approved_revision(submitted, executive):
    approved = services.assessment_transition(submitted, "approve", actor=executive)
    with pytest.raises(ValidationError, match="newer approved revision"):
        services.assessment_transition(approved, "supersede", actor=executive)


def test_auditor_cannot_take_any_step(submitted, auditor):
    with pytest.raises(PermissionDenied):
        services.assessment_transition(submitted, "return", actor=auditor, reason="x")


def test_steps_through_the_page_show_the_refusal(client_for, submitted, lead):
    response = client_for(lead).post(
        f"/assessments/impact/{submitted.pk}/step/approve/", follow=True
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "in_review"


def test_executive_approves_through_the_page(client_for, submitted, executive):
    response = client_for(executive).post(
        f"/assessments/impact/{submitted.pk}/step/approve/", {"reason": "Signed"}, follow=True
    )
    assert "Approve: done" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "approved"
