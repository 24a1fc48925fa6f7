"""Pages and API of the management-system registers: exports, PDFs, evidence files, the
acknowledgement page, read-only access and the readiness checks (the PDFs' background jobs:
tests/test_governance_document_export.py)."""

import subprocess
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aims_portal import readiness
from governance import services
from governance.models import Measurement, PolicyAcknowledgement, TrainingRecord

from . import governance_data as data

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())  # table cells wrap their words over lines


def test_lists_export_csv(client, lead):
    data.issue(lead, title="=cmd|calc")
    client.force_login(lead)
    response = client.get("/governance/context/?_export=csv")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "'=cmd|calc" in body  # a formula is neutralised
    assert body.splitlines()[0].startswith("ID,Title,Kind")


def _pdf_job(client, fields) -> str:
    """Ask for a governance PDF (a background job, done inline in tests) and read its file."""
    job = client.post("/governance/documents/export/", fields)
    assert job.status_code == 302 and "/governance/documents/" in job["Location"]
    pdf = client.get(f"{job['Location']}download/")
    assert pdf.status_code == 200
    return _text(b"".join(pdf.streaming_content))


def test_scope_statement_pdf(client, lead, executive, auditor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scope = data.approved_scope(lead, executive, [data.system(lead, name="Claims triage")])
    client.force_login(auditor)
    text = _pdf_job(client, {"document": "scope", "scope": scope.pk})
    assert "AIMS scope statement" in text and "Claims triage" in text and "Approved" in text


def test_objectives_report_and_training_matrix_pdfs(
    client, lead, owner, executive, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    objective = data.objective(lead, title="Cut harmful answers")
    data.reading(lead, objective, 40, days_ago=20)
    competence = data.competence(lead, name="Operating the assistant")
    data.training(lead, owner, competence)
    client.force_login(executive)
    text = _pdf_job(client, {"document": "objectives"})
    assert "Cut harmful answers" in text and "Below target" in text and "40 %" in text
    text = _pdf_job(client, {"document": "training_matrix"})
    assert "Operating the assistant" in text and "Held since" in text


def test_owners_cannot_export_pdfs_they_may_not_export(client, make_user):
    client.force_login(make_user(None, username="nobody"))
    response = client.post("/governance/documents/export/", {"document": "objectives"})
    assert response.status_code == 403


def test_evidence_file_is_stored_with_its_hash(client, lead, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record = data.training(lead, owner, data.competence(lead))
    client.force_login(owner)
    upload = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 certificate")
    response = client.post(
        f"/governance/training/{record.pk}/evidence/",
        {"evidence": upload, "expected_version": record.version, "change_reason": "Certificate"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.evidence_sha256 and record.version == 2
    download = client.get(f"/governance/training/{record.pk}/evidence/download/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 certificate"


def test_a_stale_evidence_upload_changes_nothing(client, lead, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record = data.training(lead, lead, data.competence(lead))
    client.force_login(lead)
    upload = SimpleUploadedFile("certificate.pdf", b"x")
    response = client.post(
        f"/governance/training/{record.pk}/evidence/",
        {"evidence": upload, "expected_version": 99, "change_reason": "Certificate"},
    )
    assert response.status_code == 400 and "after you opened it" in response.content.decode()
    assert TrainingRecord.objects.get().version == 1


def test_staff_acknowledge_on_the_status_page(client, lead, executive):
    document = data.policy(lead, executive)
    client.force_login(executive)
    response = client.post("/governance/acknowledgements/status/", {"document": document.pk})
    assert response.status_code == 302
    assert PolicyAcknowledgement.objects.get().person == executive
    page = client.get("/governance/acknowledgements/status/").content.decode()
    assert "You acknowledged this version" in page and "1 of 2 acknowledged" in page


def test_auditors_read_but_do_not_acknowledge_or_edit(client, lead, executive, auditor):
    document = data.policy(lead, executive)
    issue = data.issue(lead)
    client.force_login(auditor)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert issue.title in page and "/edit/" not in page
    post = client.post("/governance/acknowledgements/status/", {"document": document.pk})
    assert post.status_code == 403
    assert client.get(f"/governance/context/{issue.pk}/edit/").status_code == 403
    api = client.post("/api/v1/governance/acknowledgements/", {"document": document.pk})
    assert api.status_code == 403
    assert not PolicyAcknowledgement.objects.exists()


def test_api_records_measurements_as_coming_from_the_api(client, lead):
    objective = data.objective(lead)
    client.force_login(lead)
    response = client.post(
        "/api/v1/governance/measurements/",
        {"objective": objective.pk, "value": "42.5", "measured_on": "2026-11-30"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "api"
    assert Measurement.objects.get().recorded_by == lead
    listed = client.get("/api/v1/governance/objectives/").json()["results"][0]
    assert listed["latest_value"] == "42.50"


def test_api_scope_workflow_and_executive_acknowledgement(client, lead, executive):
    system = data.system(lead)
    client.force_login(lead)
    created = client.post(
        "/api/v1/governance/scope/",
        {
            "boundaries": "EU operations",
            "units_in": "Lending",
            "interfaces": "Provider hosts the model.",
            "systems_in": [system.pk],
            "owner": lead.pk,
        },
        content_type="application/json",
    ).json()
    assert client.post(f"/api/v1/governance/scope/{created['id']}/step/submit/").status_code == 200
    assert client.post(f"/api/v1/governance/scope/{created['id']}/step/approve/").status_code == 403
    client.force_login(executive)
    approved = client.post(f"/api/v1/governance/scope/{created['id']}/step/approve/").json()
    assert approved["status"] == "approved" and approved["approved_by"] == executive.pk
    document = data.policy(lead, executive)
    ack = client.post(
        "/api/v1/governance/acknowledgements/",
        {"document": document.pk},
        content_type="application/json",
    )
    assert ack.status_code == 201 and ack.json()["doc_version"] == "1.0"


def test_bad_input_is_refused_with_a_message_and_saves_nothing(client, lead):
    client.force_login(lead)
    response = client.post(
        "/governance/training/new/",
        {"person": lead.pk, "competence": "", "activity": "x", "completed_on": "not a date"},
    )
    assert response.status_code == 400
    assert not TrainingRecord.objects.exists()
    response = client.post(
        "/api/v1/governance/raci/",
        {"activity": "Approve", "person": lead.pk, "role": "A"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "either an AIMS process" in response.content.decode()


def _check(key):
    return next(r for r in readiness.run_checks() if r.key == key)


def test_readiness_checks_of_the_management_system(lead, executive, owner):
    keys = [
        "context-issues",
        "scope-approved",
        "policy-acknowledged",
        "objectives-measured",
        "training-current",
    ]
    assert not any(_check(k).passed for k in keys)
    data.issue(lead)
    data.issue(lead, kind="internal", category="organisation")
    data.party(lead)
    data.approved_scope(lead, executive, [data.system(lead)])
    document = data.policy(lead, executive)
    for person in (lead, executive, owner):
        services.policy_acknowledge(document, actor=person)
    data.reading(lead, data.objective(lead), 100, days_ago=10)
    competence = data.competence(lead)
    data.training(lead, owner, competence, expires_on=timezone.localdate() + timedelta(days=90))
    assert [k for k in keys if not _check(k).passed] == []
    data.party(lead, how_addressed="")
    failing = _check("context-issues")
    assert [f.problem for f in failing.failures] == ["Its requirements are not addressed yet."]
