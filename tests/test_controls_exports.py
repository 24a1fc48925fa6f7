"""SoA exports: PDF (all 38 IDs, every justification, revision number), CSV and XLSX with
formulas neutralised, jobs with progress, permission-checked downloads, API."""

import io
import subprocess

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from controls import services
from controls.models import DocumentExport, SoAEntry

from . import factories
from .test_controls_catalogue import (
    EXPECTED_IDS,
    catalogue,  # noqa: F401  (autouse fixture)
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(job, tmp_path):
    path = tmp_path / "soa.pdf"
    path.write_bytes(job.file.read())
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_of_a_revision_holds_every_control_justification_and_the_revision(
    lead, executive, tmp_path
):
    factories.soa_decide_all(lead, justification="Reason {ref} applies here.")
    revision = factories.soa_approve(lead, executive)
    job = services.export_request(actor=lead, fmt="pdf", revision=revision)
    assert job.status == "done" and job.progress == 100
    text = pdf_text(job, tmp_path)
    flat = " ".join(text.split())
    for ref in EXPECTED_IDS:
        assert ref in text, ref
        assert f"Reason {ref} applies here." in flat, ref
    assert "Revision 1" in text
    assert "Page 2 of" in text  # running footer with page numbers
    assert "Document control" in text


def test_pdf_of_the_draft_says_draft_and_lists_changes(lead, executive, tmp_path):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    e = SoAEntry.objects.get(control__ref="A.9.4")
    services.soa_entry_update(
        e,
        actor=lead,
        data={
            "justification": "Intended use is written in each system card.",
            "evidence": ["CARD-7"],
        },
        expected_version=e.version,
        reason="Sharper",
    )
    job = services.export_request(actor=lead, fmt="pdf")
    text = " ".join(pdf_text(job, tmp_path).split())
    assert "Draft (after revision 1)" in text
    assert "Intended use is written in each system card." in text and "CARD-7" in text
    assert "Changes since the last approved revision" in text


def test_csv_neutralises_formulas(lead, tmp_path):
    e = SoAEntry.objects.get(control__ref="A.2.2")
    services.soa_entry_update(
        e,
        actor=lead,
        data={"applicability": "applicable", "justification": '=HYPERLINK("http://evil")'},
        expected_version=e.version,
        reason="x",
    )
    job = services.export_request(actor=lead, fmt="csv")
    content = job.file.read().decode()
    assert content.splitlines()[0].startswith("Control,Title")
    assert "'=HYPERLINK" in content
    assert len(content.strip().splitlines()) == 39


def test_xlsx_has_one_row_per_control_and_no_formula(lead):
    e = SoAEntry.objects.get(control__ref="A.2.2")
    services.soa_entry_update(
        e,
        actor=lead,
        data={"applicability": "applicable", "justification": "=1+1"},
        expected_version=e.version,
        reason="x",
    )
    job = services.export_request(actor=lead, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(job.file.read())).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == EXPECTED_IDS
    assert rows[0][4] == "'=1+1"


def test_export_page_shows_progress_then_download(client_for, auditor):
    client = client_for(auditor)
    response = client.post("/controls/soa/export/", {"format": "csv"})
    job = DocumentExport.objects.get()
    assert response["Location"] == f"/controls/exports/{job.pk}/"
    page = client.get(f"/controls/exports/{job.pk}/").content.decode()
    assert "Progress: 100%" in page and "Download CSV" in page
    download = client.get(f"/controls/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert b"A.10.4" in b"".join(download.streaming_content)


def test_a_running_export_polls_with_htmx(client_for, lead):
    job = services.export_request(actor=lead, fmt="csv")
    DocumentExport.objects.filter(pk=job.pk).update(status="running", progress=40)
    html = client_for(lead).get(f"/controls/exports/{job.pk}/", HTTP_HX_REQUEST="true")
    text = html.content.decode()
    assert 'hx-trigger="every 1s"' in text and "Progress: 40%" in text
    assert "<html" not in text  # the fragment only


def test_someone_elses_export_cannot_be_downloaded(client_for, lead, auditor):
    job = services.export_request(actor=lead, fmt="csv")
    response = client_for(auditor).get(f"/controls/exports/{job.pk}/download/")
    assert response.status_code == 403


def test_system_owner_may_not_export(client_for, owner):
    response = client_for(owner).post("/controls/soa/export/", {"format": "pdf"})
    assert response.status_code == 403
    assert not DocumentExport.objects.exists()


def test_api_export_then_download(client_for, lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    client = client_for(lead)
    created = client.post(
        "/api/v1/controls/exports/",
        {"format": "csv", "revision": 1},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "done" and body["revision"] == 1
    download = client.get(body["download_url"])
    assert download.status_code == 200


def test_a_second_export_of_the_same_name_downloads_under_that_name(client_for, lead):
    """Two CSVs of the draft on one day share a name: each keeps it (no storage suffix)."""
    client = client_for(lead)
    services.export_request(actor=lead, fmt="csv")
    services.export_request(actor=lead, fmt="csv")
    first, second = DocumentExport.objects.order_by("pk")
    names = [
        client.get(f"/controls/exports/{job.pk}/download/")["Content-Disposition"]
        for job in (first, second)
    ]
    expected = f'filename="soa-draft-{timezone.localdate().isoformat()}.csv"'
    assert all(expected in name for name in names), names
    assert first.file.name != second.file.name
