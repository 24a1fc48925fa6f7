"""Exports: the assessment PDF for sign-off and its Word file (background jobs with a page and
a download) and the risk register as XLSX and CSV."""

import io
import subprocess

import pytest
from openpyxl import load_workbook

from assessments import services
from assessments.models import AssessmentExport

from . import factories

pytestmark = pytest.mark.django_db


def pdf_text(content, tmp_path):
    path = tmp_path / "assessment.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())  # cells wrap: compare on single spaces


def rendered(client, assessment, fmt="pdf"):
    """Ask for the document as the page does (a background job, inline in tests), follow it
    to its page and download the file."""
    response = client.post(f"/assessments/impact/{assessment.pk}/document/", {"format": fmt})
    assert response.status_code == 302, response.status_code
    job = AssessmentExport.objects.order_by("-pk").first()
    assert response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and "Ready" in page.content.decode()
    download = client.get(f"/assessments/impact/documents/{job.pk}/download/")
    assert download.status_code == 200
    return download["Content-Type"], b"".join(download.streaming_content)


@pytest.fixture
def approved(lead, owner, executive):
    system = factories.ai_system(lead, name="Support <assistant>")
    assessment = factories.impact_assessment(lead, system=system, owner=owner)
    assessment = services.assessment_transition(assessment, "submit", actor=lead)
    return services.assessment_transition(assessment, "approve", actor=executive)


def test_the_pdf_names_every_section_and_its_document_control(
    approved, executive, client_for, tmp_path
):
    content_type, content = rendered(client_for(executive), approved)
    assert content_type == "application/pdf"
    text = pdf_text(content, tmp_path)
    for heading in (
        "Document control",
        "1. System context",
        "2. Affected parties",
        "3. Impacts",
        "4. Impact matrix",
        "5. Decision",
        "6. Sign-off",
    ):
        assert heading in text
    assert approved.reference in text
    assert "Revision" in text and "Approved" in text
    assert str(executive) in text  # the approver
    assert approved.approved_at.strftime("%-d %b %Y") in text
    assert "Vulnerable groups" in text and "Customers in financial difficulty" in text
    assert "Answers could reveal another customer's details." in text
    assert "Support <assistant>" in text  # user text escaped, shown literally


def test_a_draft_pdf_says_it_is_not_approved(lead, client_for, tmp_path):
    draft = factories.impact_assessment(lead)
    text = pdf_text(rendered(client_for(lead), draft)[1], tmp_path)
    assert "not approved" in text
    assert "Not submitted" in text


def test_the_pdf_needs_the_export_grant(db, make_user, lead, client_for):
    draft = factories.impact_assessment(lead)
    nobody = make_user()
    url = f"/assessments/impact/{draft.pk}/document/"
    assert client_for(nobody).post(url, {"format": "pdf"}).status_code == 403
    assert not AssessmentExport.objects.exists()


def test_xlsx_export_holds_the_filtered_register_with_formulas_neutralised(lead, client_for):
    factories.risk(lead, title='=HYPERLINK("http://evil")', inherent_likelihood=5)
    factories.risk(lead, title="Plain risk", inherent_likelihood=1, inherent_impact=1)
    response = client_for(lead).get("/assessments/risks/?_export=xlsx&inherent_level=Critical")
    assert response["Content-Disposition"].endswith('risk-register.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("ID", "Title")
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert "20 Critical" in rows[1]


def test_csv_export_of_the_register(lead, client_for):
    factories.risk(lead, title="Drift")
    response = client_for(lead).get("/assessments/risks/?_export=csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("ID,Title")
    assert "Drift" in lines[1]


def docx_text(content):
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [s.header.paragraphs[0].text for s in document.sections]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return " ".join(" ".join(parts).split())


def test_the_word_file_says_what_the_pdf_says(approved, executive, client_for, tmp_path):
    client = client_for(executive)
    pdf = pdf_text(rendered(client, approved)[1], tmp_path)
    content_type, content = rendered(client, approved, "docx")
    assert content_type.endswith("wordprocessingml.document")
    word = docx_text(content)
    for expected in (
        approved.reference,
        "Document control",
        "1. System context",
        "3. Impacts",
        "6. Sign-off",
        str(executive),
        approved.approved_at.strftime("%-d %b %Y"),
        "Customers in financial difficulty",
        "Answers could reveal another customer's details.",
        "Support <assistant>",
    ):
        assert expected in pdf and expected in word, expected


def test_the_word_file_needs_the_export_grant(approved, make_user, client_for):
    nobody = make_user()
    url = f"/assessments/impact/{approved.pk}/document/"
    assert client_for(nobody).post(url, {"format": "docx"}).status_code == 403
