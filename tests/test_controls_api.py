"""Controls API: the same rules as the pages (justification, four-eyes, roles, versions)."""

import pytest

from controls.catalogue import soa_document
from controls.models import SoAEntry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def test_catalogue_lists_38_controls_with_crosswalks(client_for, auditor):
    body = client_for(auditor).get("/api/v1/controls/catalogue/?page_size=100").json()
    results = body.get("results", body)
    assert body.get("count", len(results)) == 38
    assert {"framework": "euaia", "reference": "Art. 12", "label": "Record-keeping"} in next(
        c for c in results if c["ref"] == "A.6.2.8"
    )["crosswalks"]


def test_entry_update_needs_a_justification(client_for, lead):
    entry = SoAEntry.objects.get(control__ref="A.3.2")
    response = client_for(lead).patch(
        f"/api/v1/controls/soa-entries/{entry.pk}/",
        {"applicability": "excluded", "version": entry.version, "change_reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "justification" in response.json()


def test_entry_update_with_a_stale_version_is_refused(client_for, lead):
    entry = SoAEntry.objects.get(control__ref="A.3.2")
    response = client_for(lead).patch(
        f"/api/v1/controls/soa-entries/{entry.pk}/",
        {"justification": "x", "version": entry.version + 3, "change_reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 409


def test_entry_update_saves_evidence(client_for, lead):
    entry = SoAEntry.objects.get(control__ref="A.3.2")
    response = client_for(lead).patch(
        f"/api/v1/controls/soa-entries/{entry.pk}/",
        {
            "applicability": "applicable",
            "justification": "Roles are assigned.",
            "evidence": ["RACI-1"],
            "version": entry.version,
            "change_reason": "API",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["evidence"] == ["RACI-1"]


def test_auditor_cannot_change_an_entry(client_for, auditor):
    entry = SoAEntry.objects.get(control__ref="A.3.2")
    response = client_for(auditor).patch(
        f"/api/v1/controls/soa-entries/{entry.pk}/",
        {"justification": "x", "version": entry.version, "change_reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_submit_and_approve_through_the_api_with_four_eyes(client_for, lead, executive, admin_user):
    factories.soa_decide_all(lead)
    pk = soa_document().pk
    submitted = client_for(admin_user).post(f"/api/v1/controls/soa/{pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    refused = client_for(admin_user).post(f"/api/v1/controls/soa/{pk}/approve/")
    assert refused.status_code == 403
    approved = client_for(executive).post(
        f"/api/v1/controls/soa/{pk}/approve/", {"reason": "OK"}, content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    revision = client_for(lead).get("/api/v1/controls/soa-revisions/1/").json()
    assert revision["number"] == 1 and len(revision["entries"]) == 38


def test_revision_compare_endpoint(client_for, lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    factories.soa_decide_all(lead, justification="Second wording {ref}")
    factories.soa_approve(lead, executive)
    body = client_for(lead).get("/api/v1/controls/soa-revisions/compare/?from=1&to=2").json()
    assert len(body["changes"]) == 38
    assert body["changes"][0]["field"] == "Justification"
