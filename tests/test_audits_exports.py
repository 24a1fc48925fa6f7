"""The audit report and the management-review minutes as PDFs: their text (pdftotext) has the
scope, criteria, checklist, findings, the frozen figures and the charts' labels."""

import io
import subprocess

import pytest

from audits import services
from audits.models import ReportExport

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = pytest.mark.django_db


def rendered(client, url, fmt="pdf"):
    """Ask for a report as the page does (a background job, inline in tests), follow it to
    its page and download the file."""
    response = client.post(url, {"format": fmt})
    assert response.status_code == 302, response.status_code
    job = ReportExport.objects.order_by("-pk").first()
    assert response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and "Ready" in page.content.decode()
    download = client.get(f"/audits/reports/{job.pk}/download/")
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def pdf_text(content, tmp_path):
    assert content.startswith(b"%PDF")
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


def test_the_audit_report_has_scope_criteria_checklist_and_findings(
    nc_finding, started_audit, client, auditor, tmp_path
):
    client.force_login(auditor)  # auditors may export
    text = pdf_text(rendered(client, f"/audits/audits/{started_audit.pk}/report/"), tmp_path)
    assert f"Internal audit report {started_audit.reference}" in text
    assert "The AIMS processes at head office." in text
    assert "9.2 Internal audit" in text and "A.6.2.4" in text
    assert "Nonconformity: 1" in text and "Not assessed: 2" in text
    assert f"{nc_finding.reference} — Minor nonconformity" in text
    assert "The last audit report never reached the management review." in text


def test_the_minutes_print_the_frozen_figures_and_charts(
    nc_finding, started_audit, lead, ia, executive, client, tmp_path
):
    review = factories.management_review(lead, executive, decisions="Hire a second auditor.")
    review = services.review_complete(review, actor=executive)
    # A later finding must not appear in the completed review's minutes.
    observed = factories.record_line(line(started_audit, "10.2"), ia, "observation")
    factories.finding(observed, ia, kind="observation", title="Later")
    client.force_login(lead)
    text = pdf_text(rendered(client, f"/audits/reviews/{review.pk}/minutes/"), tmp_path)
    assert f"Management review minutes {review.reference}" in text
    assert "figures frozen at completion" in text
    assert "Hire a second auditor." in text
    assert "Open findings by type" in text and "Open risks, residual" in text
    assert "Minor nonconformity 1 1" in text
    assert "Observation 0 0" in text


def test_exports_need_the_export_grant(started_audit, owner, client):
    client.force_login(owner)
    response = client.post(f"/audits/audits/{started_audit.pk}/report/", {"format": "pdf"})
    assert response.status_code == 403
    assert not ReportExport.objects.exists()


def docx_text(content):
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return " ".join(" ".join(parts).split())


def test_the_word_report_says_what_the_pdf_says(
    nc_finding, started_audit, client, auditor, tmp_path
):
    client.force_login(auditor)
    url = f"/audits/audits/{started_audit.pk}/report/"
    pdf = pdf_text(rendered(client, url), tmp_path)
    word = docx_text(rendered(client, url, "docx"))
    for expected in (
        f"Internal audit report {started_audit.reference}",
        "The AIMS processes at head office.",
        "9.2 Internal audit",
        "A.6.2.4",
        "Nonconformity: 1",
        f"{nc_finding.reference} — Minor nonconformity",
        "The last audit report never reached the management review.",
    ):
        assert expected in pdf and expected in word, expected


def test_the_word_minutes_hold_the_frozen_figures(nc_finding, lead, executive, client):
    review = factories.management_review(lead, executive, decisions="Hire a second auditor.")
    review = services.review_complete(review, actor=executive)
    client.force_login(lead)
    text = docx_text(rendered(client, f"/audits/reviews/{review.pk}/minutes/", "docx"))
    assert f"Management review minutes {review.reference}" in text
    assert "figures frozen at completion" in text
    assert "Hire a second auditor." in text
    assert "Minor nonconformity 1 1" in text


def test_an_unknown_format_is_refused_and_starts_nothing(started_audit, client, lead):
    client.force_login(lead)
    response = client.post(
        f"/audits/audits/{started_audit.pk}/report/", {"format": "exe"}, follow=True
    )
    assert "Unknown document format" in response.content.decode()
    assert not ReportExport.objects.exists()


def test_the_request_answers_without_rendering_when_a_worker_does_it(
    started_audit, client, lead, monkeypatch, django_capture_on_commit_callbacks
):
    """With a broker, the page only records the job: the worker renders it."""
    from aims_portal.celery import app

    published = []
    app.conf.task_always_eager = False  # the celery_inline fixture puts it back
    monkeypatch.setattr("audits.tasks.render_report.apply_async", lambda **kw: published.append(kw))
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/audits/audits/{started_audit.pk}/report/", {"format": "pdf"})
    job = ReportExport.objects.get()
    assert response.status_code == 302
    assert job.status == ReportExport.Status.QUEUED and not job.file
    assert published and published[0]["args"] == (job.pk,)


def test_someone_elses_report_is_not_shown(started_audit, client, lead, auditor):
    client.force_login(lead)
    client.post(f"/audits/audits/{started_audit.pk}/report/", {"format": "docx"})
    job = ReportExport.objects.get()
    client.force_login(auditor)
    assert client.get(job.get_absolute_url()).status_code == 403
    assert client.get(f"/audits/reports/{job.pk}/download/").status_code == 403


def test_api_requests_and_downloads_a_report(started_audit, lead, client):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(lead)
    response = api.post(
        "/api/v1/audits/reports/", {"audit": started_audit.pk, "format": "docx"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "done" and body["document"] == "audit_report"
    download = api.get(f"/api/v1/audits/reports/{body['id']}/download/")
    assert download.status_code == 200
    assert started_audit.reference in docx_text(b"".join(download.streaming_content))
    refused = api.post("/api/v1/audits/reports/", {"format": "pdf"}, format="json")
    assert refused.status_code == 400
