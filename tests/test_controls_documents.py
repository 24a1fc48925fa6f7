"""Controlled documents (clause 7.5): drafts, four-eyes approval, files with SHA-256."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from controls import services
from controls.models import Control

from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def policy(lead, **extra):
    return services.document_create(
        actor=lead,
        data={
            "ref": "POL-001",
            "title": "AI policy",
            "owner": lead,
            "review_date": timezone.localdate() + timedelta(days=365),
            "controls": [Control.objects.get(ref="A.2.2")],
            **extra,
        },
    )


def test_a_document_links_to_controls_and_shows_on_the_control_page(client_for, lead):
    document = policy(lead)
    html = client_for(lead).get(Control.objects.get(ref="A.2.2").get_absolute_url()).content
    assert document.ref.encode() in html


def test_submitting_needs_a_review_date(lead):
    document = policy(lead, review_date=None)
    with pytest.raises(ValidationError, match="review date"):
        services.document_transition(document, "submit", actor=lead)


def test_approval_is_four_eyes_and_records_approver_and_date(lead, executive, admin_user):
    document = services.document_transition(policy(admin_user), "submit", actor=admin_user)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        services.document_transition(document, "approve", actor=admin_user)
    document = services.document_transition(document, "approve", actor=executive)
    assert document.status == "approved"
    assert document.approved_by == executive and document.approved_at is not None


def test_an_approved_document_is_not_edited_until_a_new_draft(lead, executive):
    document = services.document_transition(policy(lead), "submit", actor=lead)
    document = services.document_transition(document, "approve", actor=executive)
    with pytest.raises(ValidationError, match="start a new draft"):
        services.document_update(
            document,
            actor=lead,
            data={"doc_version": "2.0"},
            expected_version=document.version,
            reason="x",
        )
    document = services.document_transition(document, "revise", actor=lead, reason="Yearly")
    assert document.status == "draft"


def test_file_upload_stores_the_sha256_and_downloads_for_an_auditor(client_for, lead, auditor):
    document = policy(lead)
    content = b"%PDF-1.4 policy text"
    response = client_for(lead).post(
        f"/controls/documents/{document.pk}/file/",
        {
            "file": SimpleUploadedFile("policy.pdf", content, "application/pdf"),
            "expected_version": document.version,
            "change_reason": "Signed copy",
        },
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.file_sha256 == hashlib.sha256(content).hexdigest()
    download = client_for(auditor).get(f"/controls/documents/{document.pk}/file/download/")
    assert b"".join(download.streaming_content) == content


def test_document_pages_render(client_for, lead):
    document = policy(lead)
    assert client_for(lead).get("/controls/documents/").status_code == 200
    html = client_for(lead).get(document.get_absolute_url()).content.decode()
    assert "Submit for approval" in html and "A.2.2" in html


def test_api_attach_then_download(client_for, lead, auditor):
    document = policy(lead)
    content = b"policy v1"
    response = client_for(lead).post(
        f"/api/v1/controls/documents/{document.pk}/attach/",
        {
            "file": SimpleUploadedFile("policy.txt", content),
            "version": document.version,
            "change_reason": "First copy",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["file_sha256"] == hashlib.sha256(content).hexdigest()
    download = client_for(auditor).get(f"/api/v1/controls/documents/{document.pk}/download/")
    assert b"".join(download.streaming_content) == content


def test_api_attach_is_refused_to_an_auditor(client_for, lead, auditor):
    document = policy(lead)
    response = client_for(auditor).post(
        f"/api/v1/controls/documents/{document.pk}/attach/",
        {"file": SimpleUploadedFile("x.txt", b"x"), "version": 1, "change_reason": "x"},
    )
    assert response.status_code == 403
