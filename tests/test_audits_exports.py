"""The audit report and the management-review minutes as PDFs: their text (pdftotext) has the
scope, criteria, checklist, findings, the frozen figures and the charts' labels."""

import subprocess

import pytest

from audits import services

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = pytest.mark.django_db


def pdf_text(response, tmp_path):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "out.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


def test_the_audit_report_has_scope_criteria_checklist_and_findings(
    nc_finding, started_audit, client, auditor, tmp_path
):
    client.force_login(auditor)  # auditors may export
    text = pdf_text(client.get(f"/audits/audits/{started_audit.pk}/report.pdf"), tmp_path)
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
    text = pdf_text(client.get(f"/audits/reviews/{review.pk}/minutes.pdf"), tmp_path)
    assert f"Management review minutes {review.reference}" in text
    assert "figures frozen at completion" in text
    assert "Hire a second auditor." in text
    assert "Open findings by type" in text and "Open risks, residual" in text
    assert "Minor nonconformity 1 1" in text
    assert "Observation 0 0" in text


def test_exports_need_the_export_grant(started_audit, owner, client):
    client.force_login(owner)
    assert client.get(f"/audits/audits/{started_audit.pk}/report.pdf").status_code == 403
