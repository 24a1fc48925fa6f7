"""The API enforces the same rules as the pages: revisions, four-eyes, acceptance."""

import pytest

from assessments.models import ImpactAssessment, Risk

from . import factories

pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_create_an_assessment_with_impacts_then_submit(client_for, lead):
    system = factories.ai_system(lead)
    client = client_for(lead)
    body = {
        "system": system.pk,
        "owner": lead.pk,
        "purpose": "Answer questions",
        "impacts": [{"category": "privacy", "description": "Leak", "likelihood": 2}],
    }
    created = post(client, "/api/v1/assessments/impact/", body)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["reference"].startswith("IA-") and data["status"] == "draft"
    assert data["impacts"][0]["likelihood"] == 2
    refused = post(client, f"/api/v1/assessments/impact/{data['id']}/step/submit/")
    assert refused.status_code == 400
    assert len(refused.json()["detail"]) >= 9


def test_update_replaces_the_impacts_and_needs_the_version(client_for, lead):
    assessment = factories.impact_assessment(lead)
    client = client_for(lead)
    url = f"/api/v1/assessments/impact/{assessment.pk}/"
    body = {"impacts": [{"category": "safety", "description": "Harm"}], "change_reason": "r"}
    missing = client.patch(url, body, content_type="application/json")
    assert missing.status_code == 400
    ok = client.patch(url, {**body, "version": 1}, content_type="application/json")
    assert ok.status_code == 200, ok.json()
    assert [i["category"] for i in ok.json()["impacts"]] == ["safety"]
    stale = client.patch(url, {**body, "version": 1}, content_type="application/json")
    assert stale.status_code == 409


def test_four_eyes_on_approval_through_the_api(client_for, lead, executive, admin_user):
    assessment = factories.impact_assessment(lead, owner=lead)
    url = f"/api/v1/assessments/impact/{assessment.pk}/step/"
    assert post(client_for(admin_user), url + "submit/").status_code == 200
    assert post(client_for(admin_user), url + "approve/").status_code == 403
    approved = post(client_for(executive), url + "approve/", {"reason": "ok"})
    assert approved.status_code == 200
    assert approved.json()["approver"] == executive.pk


def test_an_approved_assessment_is_frozen_and_revised_through_the_api(client_for, lead, executive):
    assessment = factories.impact_assessment(lead)
    url = f"/api/v1/assessments/impact/{assessment.pk}/"
    post(client_for(lead), url + "step/submit/")
    post(client_for(executive), url + "step/approve/")
    client = client_for(lead)
    frozen = client.patch(
        url, {"purpose": "x", "version": 3, "change_reason": "r"}, content_type="application/json"
    )
    assert frozen.status_code == 400
    revised = post(client, url + "revise/", {"reason": "New data source"})
    assert revised.status_code == 200
    assert (revised.json()["revision"], revised.json()["status"]) == (2, "draft")
    assert ImpactAssessment.objects.count() == 2


def test_an_auditor_reads_but_cannot_write(client_for, lead, auditor):
    assessment = factories.impact_assessment(lead)
    client = client_for(auditor)
    assert client.get("/api/v1/assessments/impact/").status_code == 200
    assert post(client, "/api/v1/assessments/risks/", {"title": "x"}).status_code == 403
    step = post(client, f"/api/v1/assessments/impact/{assessment.pk}/step/submit/")
    assert step.status_code == 403


def test_risk_acceptance_through_the_api(client_for, lead, owner, executive):
    risk = factories.risk(lead, owner=owner, review_date="2027-03-01")
    url = f"/api/v1/assessments/risks/{risk.pk}/step/"
    assert post(client_for(lead), url + "request_acceptance/").status_code == 200
    assert post(client_for(lead), url + "accept/").status_code == 403  # no approve grant
    owner_tries = post(client_for(owner), url + "accept/")
    assert owner_tries.status_code == 403
    accepted = post(client_for(executive), url + "accept/", {"reason": "Within appetite"})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert Risk.objects.get().accepted_by == executive


def test_risk_create_and_filter_by_level_through_the_api(client_for, lead):
    system = factories.ai_system(lead)
    client = client_for(lead)
    body = {
        "title": "Drift",
        "systems": [system.pk],
        "owner": lead.pk,
        "inherent_likelihood": 5,
        "inherent_impact": 5,
        "treatment": "mitigate",
        "residual_likelihood": 1,
        "residual_impact": 1,
    }
    created = post(client, "/api/v1/assessments/risks/", body)
    assert created.status_code == 201, created.json()
    assert created.json()["inherent_level"] == "Critical"
    listed = client.get("/api/v1/assessments/risks/?inherent_level=Critical").json()
    assert [r["title"] for r in listed["results"]] == ["Drift"]
    assert client.get("/api/v1/assessments/risks/?inherent_level=Low").json()["results"] == []
