"""The SoA as an auditor reads it: organisation, document ID, classification, approval block,
DRAFT mark on unapproved revisions, inclusion reasons (required for applicable controls),
evidence documents with their SHA-256, a legend, the change list explained; in the PDF
(pdftotext) and in Word (python-docx), from the same document data."""

import hashlib
import io
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from controls import services
from controls.catalogue import soa_document
from controls.models import DocumentSettings, InclusionReason, SoAEntry

from . import factories
from .test_controls_catalogue import (
    EXPECTED_IDS,
    catalogue,  # noqa: F401  (autouse fixture)
)

pytestmark = pytest.mark.django_db
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
PNG = b"\x89PNG\r\n\x1a\n" + bytes.fromhex(
    "0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5d9b5a50000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def edit(actor, ref, **data):
    entry = SoAEntry.objects.get(control__ref=ref)
    return services.soa_entry_update(
        entry, actor=actor, data=data, expected_version=entry.version, reason=f"Edit {ref}"
    )


def settings_for(admin_user):
    return services.document_settings_update(
        actor=admin_user,
        data={
            "organisation_name": "Fabrikam Credit plc",
            "soa_document_id": "FAB-AIMS-SOA-7",
            "classification": DocumentSettings.Classification.CONFIDENTIAL,
            "distribution": "Board; internal audit",
        },
        reason="Set up",
    )


def policy_with_file(lead, owner):
    from controls.models import Control

    document = services.document_create(
        actor=lead,
        data={
            "ref": "POL-900",
            "title": "AI policy",
            "kind": "policy",
            "owner": owner,
            "controls": [Control.objects.get(ref="A.2.2")],
        },
    )
    content = b"Our AI policy, version 1.\n"
    services.document_attach_file(
        document,
        actor=lead,
        upload=SimpleUploadedFile("policy.txt", content),
        expected_version=document.version,
        reason="Text attached",
    )
    return hashlib.sha256(content).hexdigest()


def pdf_text(job, tmp_path, name="soa.pdf"):
    path = tmp_path / name
    path.write_bytes(job.file.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return path, " ".join(text.split())


def docx_text(job):
    from docx import Document

    document = Document(io.BytesIO(job.file.read()))
    parts = [p.text for p in document.paragraphs]
    parts += [s.header.paragraphs[0].text for s in document.sections]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return " ".join(" ".join(parts).split())


# --- inclusion reasons -----------------------------------------------------------------------


def test_an_applicable_control_needs_an_inclusion_reason(lead):
    with pytest.raises(ValidationError) as error:
        edit(lead, "A.2.2", applicability="applicable", justification="Why", inclusion_reasons=[])
    assert "inclusion_reasons" in error.value.message_dict
    assert not InclusionReason.objects.exists()
    assert SoAEntry.objects.get(control__ref="A.2.2").applicability == "undecided"


def test_reasons_are_saved_with_history_and_removed_on_exclusion(lead):
    edit(
        lead,
        "A.2.2",
        applicability="applicable",
        justification="Board wants it",
        inclusion_reasons=["legal", "risk_treatment", "legal"],
    )
    entry = SoAEntry.objects.get(control__ref="A.2.2")
    assert sorted(entry.inclusion_reasons.values_list("reason", flat=True)) == [
        "legal",
        "risk_treatment",
    ]
    assert InclusionReason.history.filter(history_user=lead).count() == 2
    edit(lead, "A.2.2", applicability="excluded", justification="Not for us")
    assert not entry.inclusion_reasons.exists()
    assert InclusionReason.history.filter(history_type="-").count() == 2


def test_an_unknown_reason_is_refused(lead):
    with pytest.raises(ValidationError, match="Unknown inclusion reason"):
        edit(lead, "A.2.2", applicability="applicable", justification="x", inclusion_reasons=["z"])


def test_the_soa_is_not_submitted_while_an_applicable_control_has_no_reason(lead):
    factories.soa_decide_all(lead)
    InclusionReason.objects.filter(entry__control__ref="A.9.4").delete()
    with pytest.raises(ValidationError, match=r"Inclusion reasons missing for: A\.9\.4"):
        services.soa_transition(soa_document(), "submit", actor=lead)


def test_reasons_are_frozen_into_the_revision_and_their_change_listed(lead, executive):
    factories.soa_decide_all(lead)
    revision = factories.soa_approve(lead, executive)
    assert all(row["inclusion_reasons"] == ["risk_treatment"] for row in revision.entries)
    edit(lead, "A.7.4", inclusion_reasons=["risk_treatment", "contractual"])
    revision = factories.soa_approve(lead, executive)
    assert [c["field"] for c in revision.changes] == ["Inclusion reasons"]
    assert revision.changes[0]["new"] == "Contractual obligation; Risk treatment"


def test_the_api_reads_and_writes_reasons(lead, client_for):
    entry = SoAEntry.objects.get(control__ref="A.3.2")
    client = client_for(lead)
    url = f"/api/v1/controls/soa-entries/{entry.pk}/"
    body = {
        "applicability": "applicable",
        "justification": "Named roles",
        "inclusion_reasons": [],
        "version": entry.version,
        "change_reason": "Decide",
    }
    refused = client.patch(url, body, content_type="application/json")
    assert refused.status_code == 400
    body["inclusion_reasons"] = ["good_practice"]
    saved = client.patch(url, body, content_type="application/json")
    assert saved.status_code == 200, saved.content
    assert client.get(url).json()["inclusion_reasons"] == ["good_practice"]


def test_the_inline_form_saves_reasons(lead, client_for):
    entry = SoAEntry.objects.get(control__ref="A.4.2")
    response = client_for(lead).post(
        f"/controls/soa/entries/{entry.pk}/inline/",
        {
            "applicability": "applicable",
            "justification": "Inventory",
            "inclusion_reasons": ["good_practice", "contractual"],
            "implementation_status": "planned",
            "evidence": "",
            "change_reason": "Decided",
            "expected_version": entry.version,
        },
    )
    assert response.status_code == 200 and "X-Form-Errors" not in response
    assert "Good practice or business need" in response.content.decode()
    assert entry.inclusion_reasons.count() == 2


# --- document settings ------------------------------------------------------------------------


def test_only_administrators_change_document_settings(lead, admin_user, client_for):
    with pytest.raises(PermissionDenied):
        services.document_settings_update(actor=lead, data={"organisation_name": "X"})
    assert client_for(lead).get("/controls/soa/settings/").status_code == 403
    client = client_for(admin_user)
    assert client.get("/controls/soa/settings/").status_code == 200
    response = client.post(
        "/controls/soa/settings/",
        {
            "organisation_name": "Fabrikam Credit plc",
            "soa_document_id": "FAB-1",
            "classification": "internal",
            "distribution": "Board",
            "change_reason": "Set up",
            "logo": SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    saved = DocumentSettings.objects.get()
    assert saved.organisation_name == "Fabrikam Credit plc" and saved.logo
    assert saved.history.count() == 1


def test_a_logo_that_is_not_an_image_is_refused_and_nothing_changes(admin_user, client_for):
    settings_for(admin_user)
    response = client_for(admin_user).post(
        "/controls/soa/settings/",
        {
            "organisation_name": "Changed",
            "soa_document_id": "FAB-1",
            "classification": "internal",
            "distribution": "Board",
            "change_reason": "Logo",
            "expected_version": DocumentSettings.objects.get().version,
            "logo": SimpleUploadedFile("logo.png", b"<svg onload=x>", content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert "PNG or JPEG" in response.content.decode()
    assert DocumentSettings.objects.get().organisation_name == "Fabrikam Credit plc"


# --- the documents ----------------------------------------------------------------------------


def test_draft_pdf_and_word_carry_everything_an_auditor_looks_for(
    lead, owner, admin_user, tmp_path
):
    settings_for(admin_user)
    digest = policy_with_file(lead, owner)
    factories.soa_decide_all(lead, justification="Reason {ref} applies.")
    edit(
        lead,
        "A.5.5",
        applicability="excluded",
        justification="No public reach at all.",
        exclusion_reasons=["no_risk", "out_of_scope"],
    )
    pdf = services.export_request(actor=lead, fmt="pdf")
    word = services.export_request(actor=lead, fmt="docx")
    assert pdf.status == word.status == "done"
    path, pdf_flat = pdf_text(pdf, tmp_path)
    word_flat = docx_text(word)
    # The PDF prints the hash on two lines of 32 characters, to fit its column: read in
    # reading order (not layout), the two halves follow each other.
    reading = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert digest in "".join(reading.split())
    pdf_flat += f" {digest}"
    # The mark is on every page of the PDF.
    assert pdf_flat.count("D R A F T") + pdf_flat.count("DRAFT") >= pdf_flat.count("Page ")
    # The exclusion reasons wrap in their narrow column: the PDF is read in reading order.
    for text in (" ".join(reading.split()), word_flat):
        assert "No assessed risk calls for it" in text, "exclusion reason"
        assert "Activity outside the AIMS scope" in text, "exclusion reason"
    for text in (pdf_flat, word_flat):
        assert "Fabrikam Credit plc" in text
        assert "FAB-AIMS-SOA-7" in text
        assert "Confidential" in text
        assert "Board; internal audit" in text
        assert "Draft — not approved" in text
        assert "Approval" in text and "Signature" in text
        assert "Not approved: this is a draft" in text
        assert "Risk treatment" in text
        assert "No public reach at all." in text
        assert digest in text, "evidence file hash"
        assert "POL-900 AI policy" in text
        assert "Reasons" in text and "Legend" in text
        assert "Each line is one field of one control" in text
        for ref in EXPECTED_IDS:
            assert ref in text, ref
            assert ref == "A.5.5" or f"Reason {ref} applies." in text, ref
    # Two pages as pictures, to look at.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(path), str(SCREENSHOTS / "soa")],
        check=True,
    )
    assert (SCREENSHOTS / "soa-1.png").exists() and (SCREENSHOTS / "soa-2.png").exists()


def test_an_approved_revision_has_its_approval_block_and_no_draft_mark(
    lead, executive, admin_user, tmp_path
):
    settings_for(admin_user)
    factories.soa_decide_all(lead)
    revision = factories.soa_approve(lead, executive, reason="Board sign-off")
    pdf = services.export_request(actor=lead, fmt="pdf", revision=revision)
    word = services.export_request(actor=lead, fmt="docx", revision=revision)
    _path, pdf_flat = pdf_text(pdf, tmp_path)
    word_flat = docx_text(word)
    approver = str(executive)
    for text in (pdf_flat, word_flat):
        assert "Revision 1" in text
        assert f"Approved by {approver}" in text.replace(" | ", " ")
        assert "Board sign-off" in text
        assert "DRAFT" not in text
        assert "38 field changes" in text or "38 field change(s)" in text
