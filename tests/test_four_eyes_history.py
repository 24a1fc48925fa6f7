"""Four-eyes from history: nobody who owned, submitted, requested or changed a record at any
version takes its review step, in every workflow; a reviewer who sent a record back may still
approve it later; the check costs one query whatever the length of the history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aims_portal import roles
from assessments import services as assessments
from assessments.models import Risk
from assessments.workflows import risk_workflow
from audits import services as audits
from audits.workflows import action_workflow
from controls import services as controls
from controls.catalogue import soa_document
from controls.models import Control
from registry import services as registry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(make_user):
    """An executive who took no part in anything."""
    return make_user(roles.EXECUTIVE, username="exec2")


@pytest.fixture
def action(lead, executive):
    review = factories.management_review(lead, executive)
    return factories.corrective_action(lead, executive, review=review)


def test_handing_an_action_on_does_not_let_its_owner_verify_it(client, action, executive, lead):
    """The reported bypass, through the API as it was done: start, PATCH the owner to someone
    else, mark implemented, verify."""
    client.force_login(executive)
    url = f"/api/v1/audits/actions/{action.pk}/"
    assert client.post(f"{url}step/start/").status_code == 200
    patched = client.patch(
        url,
        {"owner": lead.pk, "version": 2, "change_reason": "Handing it on"},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.json()
    assert client.post(f"{url}step/implement/").status_code == 200
    refused = client.post(f"{url}step/verify/", {"reason": "Works"}, "application/json")
    assert refused.status_code == 403
    assert "Four-eyes rule: you were named in its “owner” field" in refused.json()["detail"]
    action.refresh_from_db()
    assert action.status == "implemented" and action.effectiveness_checked_by is None
    assert "verify" not in [t.name for t in action_workflow.available(action, executive)]


def test_whoever_changed_an_action_cannot_judge_its_effectiveness(action, outsider, make_user):
    editor = make_user(roles.EXECUTIVE, username="editor")
    action = audits.corrective_action_update(
        action, actor=editor, data={"title": "Audit item"}, expected_version=1, reason="Clearer"
    )
    owner = action.owner
    action = audits.corrective_action_transition(action, "start", actor=owner)
    action = audits.corrective_action_transition(action, "implement", actor=owner)
    for effective in (True, False):
        with pytest.raises(PermissionDenied, match=r"you changed this record \(version 2\)"):
            audits.corrective_action_verify(action, actor=editor, effective=effective, notes="x")
    checked = audits.corrective_action_verify(action, actor=outsider, effective=True, notes="Ok")
    assert checked.status == "verified" and checked.effectiveness_checked_by == outsider


def test_a_reviewer_who_sent_an_action_back_may_check_it_again(action, outsider):
    owner = action.owner
    action = audits.corrective_action_transition(action, "start", actor=owner)
    action = audits.corrective_action_transition(action, "implement", actor=owner)
    action = audits.corrective_action_verify(
        action, actor=outsider, effective=False, notes="Still missing"
    )
    action = audits.corrective_action_transition(action, "implement", actor=owner)
    action = audits.corrective_action_verify(action, actor=outsider, effective=True, notes="Ok")
    assert action.status == "verified"


def test_whoever_edited_an_assessment_cannot_approve_it(lead, admin_user, outsider):
    assessment = factories.impact_assessment(lead)
    assessment = assessments.assessment_update(
        assessment,
        actor=admin_user,
        data={"purpose": "Answer customer questions about orders."},
        expected_version=assessment.version,
        reason="Sharper purpose",
    )
    assessment = assessments.assessment_transition(assessment, "submit", actor=lead)
    with pytest.raises(PermissionDenied, match="you changed this record"):
        assessments.assessment_transition(assessment, "approve", actor=admin_user)
    approved = assessments.assessment_transition(assessment, "approve", actor=outsider)
    assert approved.status == "approved" and approved.approver == outsider


def test_a_reviewer_who_returned_an_assessment_may_approve_it_later(lead, executive):
    assessment = factories.impact_assessment(lead)
    assessment = assessments.assessment_transition(assessment, "submit", actor=lead)
    assessment = assessments.assessment_transition(
        assessment, "return", actor=executive, reason="Add the vulnerable groups"
    )
    assessment = assessments.assessment_transition(assessment, "submit", actor=lead)
    assert assessments.assessment_transition(assessment, "approve", actor=executive).status == (
        "approved"
    )


def test_a_former_owner_of_a_risk_cannot_accept_it(lead, owner, admin_user, outsider):
    risk = factories.risk(lead, owner=admin_user, review_date=datetime.date(2027, 1, 31))
    risk = assessments.risk_update(
        risk, actor=lead, data={"owner": owner}, expected_version=1, reason="New owner"
    )
    risk = assessments.risk_transition(risk, "request_acceptance", actor=lead)
    with pytest.raises(PermissionDenied, match="named in its “owner” field"):
        assessments.risk_transition(risk, "accept", actor=admin_user)
    assert assessments.risk_transition(risk, "accept", actor=outsider).status == "accepted"


def test_whoever_edited_a_change_request_cannot_approve_it(lead, admin_user, outsider):
    change = factories.change_request(lead, factories.production_ready(lead))
    change = registry.change_request_update(
        change,
        actor=admin_user,
        data={"regression_evidence": "Regression suite run 42 passed."},
        expected_version=change.version,
        reason="Evidence added",
    )
    for step in ("approve", "reject"):
        with pytest.raises(PermissionDenied, match="you changed this record"):
            registry.change_request_transition(change, step, actor=admin_user, reason="No")
    assert registry.change_request_transition(change, "approve", actor=outsider).status == (
        "approved"
    )


def test_whoever_edited_the_soa_cannot_approve_it(lead, admin_user, outsider):
    soa = soa_document()
    controls.soa_document_update(
        soa,
        actor=admin_user,
        data={"title": "Statement of Applicability 2026"},
        expected_version=soa.version,
        reason="Year in the title",
    )
    factories.soa_decide_all(lead)
    controls.soa_transition(soa_document(), "submit", actor=lead)
    for step in ("approve", "return"):
        with pytest.raises(PermissionDenied, match="you changed this record"):
            controls.soa_transition(soa_document(), step, actor=admin_user, reason="No")
    assert controls.soa_transition(soa_document(), "approve", actor=outsider).status == ("approved")


def test_a_former_owner_of_a_document_cannot_approve_it(lead, admin_user, outsider, settings):
    document = controls.document_create(
        actor=lead,
        data={
            "ref": "POL-001",
            "title": "AI policy",
            "owner": admin_user,
            "review_date": timezone.localdate() + datetime.timedelta(days=365),
            "controls": [Control.objects.get(ref="A.2.2")],
        },
    )
    document = controls.document_update(
        document, actor=lead, data={"owner": lead}, expected_version=1, reason="Handover"
    )
    document = controls.document_transition(document, "submit", actor=lead)
    with pytest.raises(PermissionDenied, match="named in its “owner” field"):
        controls.document_transition(document, "approve", actor=admin_user)
    assert controls.document_transition(document, "approve", actor=outsider).status == "approved"


def test_whoever_worked_on_an_incident_cannot_close_it(lead, admin_user, make_user):
    system = factories.ai_system(lead)
    incident = registry.incident_create(
        actor=lead,
        data={
            "system": system,
            "title": "Wrong refund amounts",
            "severity": "high",
            "detected_at": timezone.now(),
            "detection": "monitoring",
            "description": "Answers quoted the wrong refund amounts.",
            "containment": "Refund answers switched off.",
            "investigation": "A stale price list in the RAG corpus.",
        },
    )
    incident = registry.incident_update(
        incident,
        actor=admin_user,
        data={"postmortem": "Corpus refresh now daily."},
        expected_version=1,
        reason="Postmortem",
    )
    incident = registry.incident_transition(incident, "resolve", actor=lead)
    with pytest.raises(PermissionDenied, match="you changed this record"):
        registry.incident_transition(incident, "close", actor=admin_user)
    other_lead = make_user(roles.GOVERNANCE_LEAD, username="lead2")
    assert registry.incident_transition(incident, "close", actor=other_lead).status == "closed"


def _risk_with_versions(lead, edits):
    risk = factories.risk(lead, review_date=datetime.date(2027, 1, 31))
    for n in range(edits):
        risk = assessments.risk_update(
            risk,
            actor=lead,
            data={"treatment_plan": f"Step {n}"},
            expected_version=risk.version,
            reason="Plan refined",
        )
    return assessments.risk_transition(risk, "request_acceptance", actor=lead)


def _queries_for_the_check(risk, actor):
    fresh, actor = Risk.objects.get(pk=risk.pk), type(actor).objects.get(pk=actor.pk)
    with CaptureQueriesContext(connection) as queries:
        risk_workflow.refusal(fresh, risk_workflow.get("accept"), actor)
        risk_workflow.options(fresh, actor)
    return len(queries)


def test_the_check_costs_the_same_queries_for_a_short_and_a_long_history(lead, outsider):
    short, long = _risk_with_versions(lead, 1), _risk_with_versions(lead, 15)
    assert long.history.count() == short.history.count() + 14
    assert _queries_for_the_check(long, outsider) == _queries_for_the_check(short, outsider)
    assert _queries_for_the_check(short, outsider) == 2  # the role, the history
