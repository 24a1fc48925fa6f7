"""Clause 4-10 requirement compliance: status, owner, evidence, last review and history;
the rules, the list (filters, CSV, XLSX), the API, the dashboard card and the readiness
checks."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from aims_portal import readiness
from audits import services as audits
from controls import services
from controls.forms import RequirementForm
from controls.models import Requirement

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

TODAY = date.today()


def requirement(ref="6.2"):
    return Requirement.objects.get(ref=ref)


def update(req, actor, **data):
    return services.requirement_update(
        req, actor=actor, data=data, expected_version=req.version, reason="Position recorded"
    )


def result(key):
    return next(r for r in readiness.run_checks() if r.key == key)


def test_planning_a_requirement_needs_an_owner(lead):
    with pytest.raises(ValidationError) as error:
        update(requirement(), lead, status="planned")
    assert "owner" in error.value.message_dict
    assert requirement().status == "not_started"


def test_met_needs_evidence_and_a_review_date(lead):
    with pytest.raises(ValidationError) as error:
        update(requirement(), lead, status="met", owner=lead)
    assert set(error.value.message_dict) == {"evidence", "last_reviewed"}
    saved = update(
        requirement(),
        lead,
        status="met",
        owner=lead,
        evidence=[" PLN-003 ", ""],
        last_reviewed=TODAY,
    )
    assert saved.evidence == ["PLN-003"] and saved.version == 2
    assert saved.history.first().history_change_reason == "Position recorded"


def test_an_attached_evidence_item_counts_as_evidence(lead):
    req = requirement()
    audits.evidence_add(
        actor=lead,
        data={
            "kind": "link",
            "title": "Objectives tracker",
            "url": "https://wiki.example/obj",
            "requirement": req,
        },
    )
    saved = update(req, lead, status="met", owner=lead, last_reviewed=TODAY)
    assert saved.status == "met"


def test_a_review_date_in_the_future_is_refused(lead):
    with pytest.raises(ValidationError) as error:
        update(requirement(), lead, last_reviewed=TODAY + timedelta(days=1))
    assert "future" in error.value.message_dict["last_reviewed"][0]


def test_the_edit_form_shows_the_rule_and_saves_nothing(client_for, lead):
    req = requirement()
    data = factories.edit_data(RequirementForm, req, status="met", owner=lead.pk)
    response = client_for(lead).post(f"/controls/clauses/{req.pk}/edit/", data)
    assert response.status_code == 400
    assert "A requirement is met only with evidence" in response.content.decode()
    assert requirement().version == 1


def test_system_owner_and_auditor_cannot_edit(client_for, owner, auditor):
    req = requirement()
    for user in (owner, auditor):
        assert client_for(user).get(f"/controls/clauses/{req.pk}/edit/").status_code == 403


def test_list_filters_by_status_and_owner(client_for, lead):
    update(requirement("5.2"), lead, status="planned", owner=lead)
    client = client_for(lead)
    page = client.get("/controls/clauses/?compliance=planned").content.decode()
    assert "AI policy" in page and "Continual improvement" not in page
    unowned = client.get("/controls/clauses/?unowned=true").content.decode()
    assert "Continual improvement" in unowned and "AI policy" not in unowned


def test_csv_and_xlsx_exports_hold_the_status_and_evidence_count(client_for, lead):
    update(
        requirement("5.2"),
        lead,
        status="met",
        owner=lead,
        evidence=["POL-001", "Board"],
        last_reviewed=TODAY,
    )
    client = client_for(lead)
    rows = list(
        csv.reader(io.StringIO(client.get("/controls/clauses/?_export=csv").content.decode()))
    )
    [row] = [r for r in rows if r[0] == "5.2"]
    assert row[:4] == ["5.2", "AI policy", "5", "Met"] and row[5:] == ["2", TODAY.isoformat()]
    response = client.get("/controls/clauses/?_export=xlsx&clause=5")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:4] == ("ID", "Title", "Clause", "Compliance status")
    assert rows[2][:4] == ("5.2", "AI policy", "5", "Met")
    assert len(rows) == 4  # header and 5.1, 5.2, 5.3


def test_detail_page_shows_compliance_evidence_panel_and_history(client_for, lead, auditor):
    req = update(
        requirement("9.1"),
        lead,
        status="partial",
        owner=lead,
        notes="Quarterly measures agreed.",
        evidence=["KPI sheet"],
    )
    page = client_for(auditor).get(req.get_absolute_url()).content.decode()
    assert "Partially met" in page and "Quarterly measures agreed." in page
    assert "KPI sheet" in page and "No evidence attached yet." in page
    assert "Position recorded" in page
    assert f"/controls/clauses/{req.pk}/edit/" not in page  # auditors get no Edit button
    lead_page = client_for(lead).get(req.get_absolute_url()).content.decode()
    assert f"/controls/clauses/{req.pk}/edit/" in lead_page


def test_api_reads_and_updates_with_the_same_rules(client_for, lead):
    req = requirement("7.2")
    client = client_for(lead)
    body = client.get(f"/api/v1/controls/clauses/{req.pk}/").json()
    assert body["status"] == "not_started" and body["evidence"] == []
    refused = client.patch(
        f"/api/v1/controls/clauses/{req.pk}/",
        {"status": "met", "owner": lead.pk, "version": req.version, "change_reason": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "evidence" in refused.json()
    ok = client.patch(
        f"/api/v1/controls/clauses/{req.pk}/",
        {
            "status": "partial",
            "owner": lead.pk,
            "evidence": ["REC-010"],
            "version": req.version,
            "change_reason": "Training half done",
        },
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert requirement("7.2").status == "partial"


def test_dashboard_card_counts_requirements_by_status(client_for, lead):
    update(
        requirement("5.2"),
        lead,
        status="met",
        owner=lead,
        evidence=["POL-001"],
        last_reviewed=TODAY,
    )
    update(requirement("6.2"), lead, status="planned", owner=lead)
    page = client_for(lead).get("/").content.decode()
    assert "Clauses 4 to 10: requirement compliance" in page
    assert "1 / 27 met" in page
    assert "25 requirements without an owner." in page


def test_readiness_names_requirements_without_owner_or_evidence(lead):
    owned = result("clause-requirements-owned")
    assert len(owned.failures) == 27
    assert owned.failures[0].problem == "No owner; not started"
    for req in Requirement.objects.all():
        update(req, lead, status="planned", owner=lead)
    assert result("clause-requirements-owned").passed
    met = result("clause-requirements-met")
    assert len(met.failures) == 27 and "no evidence" in met.failures[0].problem
