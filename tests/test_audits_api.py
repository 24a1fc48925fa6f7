"""Audits API: the same services and rules as the pages: independence, team-only results,
findings from lines, corrective-action steps, frozen reviews, evidence; stale versions 409."""

import datetime

import pytest
from rest_framework.test import APIClient

from controls.models import Control, Requirement

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import TODAY, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def test_every_endpoint_lists(api, lead, nc_finding):
    client = api(lead)
    for name in (
        "programmes",
        "audits",
        "checklist-lines",
        "findings",
        "actions",
        "reviews",
        "evidence",
    ):
        response = client.get(f"/api/v1/audits/{name}/")
        assert response.status_code == 200, name
    assert client.get("/api/v1/audits/findings/").json()["results"][0]["kind"] == "minor_nc"


def test_planning_an_audit_through_the_api_checks_independence(api, lead, ia):
    programme = factories.audit_programme(lead)
    body = {
        "programme": programme.pk,
        "title": "API audit",
        "scope": "Clause 9",
        "requirements": [Requirement.objects.get(ref="9.2").pk],
        "controls": [Control.objects.get(ref="A.2.2").pk],
        "lead_auditor": lead.pk,
        "planned_start": f"{programme.year}-04-01",
        "planned_end": f"{programme.year}-04-02",
    }
    refused = api(lead).post("/api/v1/audits/audits/", body, format="json")
    assert refused.status_code == 400
    assert "the audit programme (clause 9.2)" in refused.json()["auditors"][0]
    created = api(lead).post(
        "/api/v1/audits/audits/", {**body, "lead_auditor": ia.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["reference"] == f"AUD-{TODAY.year}-01"
    started = api(lead).post(f"/api/v1/audits/audits/{created.json()['id']}/step/start/")
    assert started.json()["status"] == "in_progress"


def test_results_findings_and_actions_through_the_api(api, started_audit, lead, ia, ia2):
    target = line(started_audit, "9.2")
    url = f"/api/v1/audits/checklist-lines/{target.pk}/"
    patch = {
        "result": "nonconformity",
        "notes": "Missing",
        "version": target.version,
        "change_reason": "Audited",
    }
    assert api(lead).patch(url, patch, format="json").status_code == 403  # not on the team
    saved = api(ia).patch(url, patch, format="json")
    assert saved.status_code == 200 and saved.json()["result"] == "nonconformity"
    stale = api(ia).patch(url, {**patch, "notes": "Again"}, format="json")
    assert stale.status_code == 409

    raised = api(ia).post(
        "/api/v1/audits/findings/",
        {
            "checklist_line": target.pk,
            "kind": "major_nc",
            "title": "No programme",
            "description": "There is no audit programme.",
        },
        format="json",
    )
    assert raised.status_code == 201 and raised.json()["audit"] == started_audit.pk
    due = (TODAY + datetime.timedelta(days=10)).isoformat()
    action = (
        api(lead)
        .post(
            "/api/v1/audits/actions/",
            {
                "finding": raised.json()["id"],
                "title": "Write one",
                "action": "Write a programme",
                "root_cause": "Nobody owned it",
                "owner": ia2.pk,
                "due_date": due,
            },
            format="json",
        )
        .json()
    )
    base = f"/api/v1/audits/actions/{action['id']}/step"
    assert api(ia2).post(f"{base}/start/").json()["status"] == "in_progress"
    assert api(ia2).post(f"{base}/implement/").json()["status"] == "implemented"
    refused = api(ia).post(f"{base}/verify/", {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    verified = api(ia).post(f"{base}/verify/", {"reason": "Programme approved"}, format="json")
    assert verified.json()["status"] == "verified"
    assert verified.json()["effectiveness_checked_by"] == ia.pk
    unknown = api(ia).post(f"{base}/teleport/")
    assert unknown.status_code == 400


def test_a_completed_review_is_read_only_through_the_api(api, lead):
    review = factories.management_review(lead, lead)
    client = api(lead)
    done = client.post(f"/api/v1/audits/reviews/{review.pk}/step/complete/").json()
    assert done["status"] == "completed" and done["figures"]["findings"]
    edit = client.patch(
        f"/api/v1/audits/reviews/{review.pk}/",
        {"decisions": "Changed", "version": done["version"], "change_reason": "x"},
        format="json",
    )
    assert edit.status_code == 400 and "frozen" in str(edit.json())


def test_read_only_roles_cannot_write(api, auditor, planned_audit):
    client = api(auditor)
    assert client.get("/api/v1/audits/audits/").status_code == 200
    response = client.post(f"/api/v1/audits/audits/{planned_audit.pk}/step/start/")
    assert response.status_code == 403


def test_evidence_link_through_the_api(api, lead, nc_finding):
    response = api(lead).post(
        "/api/v1/audits/evidence/",
        {"kind": "link", "title": "Ticket", "url": "https://t.example/1", "finding": nc_finding.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["attached_to"].startswith("finding: ")
