"""An uploaded file whose name is longer than the portal accepts is refused with a message
that says so, on every page and API endpoint that takes files; nothing is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aims_portal.uploads import MAX_UPLOAD_NAME_BYTES, upload_name_problem
from audits.models import EvidenceItem
from registry.models import AISystem

from .test_audits_evidence import PDF, files_in
from .test_audits_evidence import media as media  # (fixture)
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)
from .test_controls_documents import policy

pytestmark = pytest.mark.django_db

LONG_NAMES = ["é" * 140 + ".pdf", "a" * 300 + ".pdf", "b" * (MAX_UPLOAD_NAME_BYTES - 3) + ".pdf"]
MESSAGE = "The file name is too long"


def test_the_rule_counts_bytes_not_characters():
    assert upload_name_problem("a" * (MAX_UPLOAD_NAME_BYTES - 4) + ".pdf") is None
    assert upload_name_problem("é" * 100 + ".pdf").startswith(MESSAGE)  # 204 bytes
    assert "(301 bytes" in upload_name_problem("x" * 297 + ".pdf")


@pytest.mark.parametrize("name", LONG_NAMES)
def test_evidence_page_and_api_refuse_a_long_name(started_audit, lead, media, name):
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    target = line(started_audit, "9.2")
    fields = {"kind": "file", "title": "Minutes", "checklist_line": target.pk}
    page = client.post("/audits/evidence/new/", {**fields, "upload": SimpleUploadedFile(name, PDF)})
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    api = client.post(
        "/api/v1/audits/evidence/", {**fields, "upload": SimpleUploadedFile(name, PDF)}
    )
    assert api.status_code == 400 and MESSAGE in str(api.json())
    assert not EvidenceItem.objects.exists() and files_in(media) == []


def test_a_name_within_the_limit_is_kept(started_audit, lead, media):
    client = Client()
    client.force_login(lead)
    target = line(started_audit, "9.2")
    name = "c" * (MAX_UPLOAD_NAME_BYTES - 4) + ".pdf"
    response = client.post(
        "/audits/evidence/new/",
        {
            "kind": "file",
            "title": "M",
            "checklist_line": target.pk,
            "upload": SimpleUploadedFile(name, PDF),
        },
    )
    assert response.status_code == 302
    assert EvidenceItem.objects.get().file_name == name


@pytest.mark.parametrize("name", LONG_NAMES[:2])
def test_document_file_page_and_api_refuse_a_long_name(lead, name):
    document = policy(lead)
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    data = {"expected_version": document.version, "change_reason": "Signed copy"}
    page = client.post(
        f"/controls/documents/{document.pk}/file/",
        {**data, "file": SimpleUploadedFile(name, PDF, "application/pdf")},
    )
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    api = client.post(
        f"/api/v1/controls/documents/{document.pk}/attach/",
        {
            "version": document.version,
            "change_reason": "Signed copy",
            "file": SimpleUploadedFile(name, PDF, "application/pdf"),
        },
    )
    assert api.status_code == 400 and MESSAGE in str(api.json())
    document.refresh_from_db()
    assert not document.file and document.version == data["expected_version"]


@pytest.mark.parametrize("name", [n.replace(".pdf", ".yaml") for n in LONG_NAMES[:2]])
def test_registry_import_page_and_api_refuse_a_long_name(lead, name):
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    page = client.post(
        "/inventory/systems/import/", {"files": SimpleUploadedFile(name, b"id: x\n")}
    )
    assert page.status_code == 200 and MESSAGE in page.content.decode()
    api = client.post(
        "/api/v1/registry/yaml/import/",
        {"files": {name: "id: x\n"}},
        content_type="application/json",
    )
    assert api.status_code == 400 and MESSAGE in str(api.json())
    assert not AISystem.objects.exists()
