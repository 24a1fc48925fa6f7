"""Evidence items: uploads kept with their SHA-256 outside the web root, the size limit and
type allow-list (a refused file saves nothing), links, portal-record pointers, one target,
and the evidence panels on SoA entry and impact assessment pages."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audits import services
from audits.models import EvidenceItem
from controls.models import SoAEntry

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% audit evidence\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_in(path):
    return [p for p in path.rglob("*") if p.is_file()]


def upload(name="minutes.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def post_file(client, started_audit, name, content):
    target = line(started_audit, "9.2")
    return client.post(
        f"/audits/evidence/new/?checklist_line={target.pk}",
        {
            "kind": "file",
            "title": "Review minutes",
            "checklist_line": target.pk,
            "upload": upload(name, content),
        },
    )


def test_an_upload_is_stored_with_its_sha256_and_downloaded_by_permission(
    started_audit, lead, client, media, auditor
):
    client.force_login(lead)
    response = post_file(client, started_audit, "minutes.pdf", PDF)
    assert response.status_code == 302
    item = EvidenceItem.objects.get()
    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert item.file_size == len(PDF) and item.file_name == "minutes.pdf"
    stored = files_in(media)
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    client.force_login(auditor)  # read-only auditors may download evidence
    download = client.get(f"/audits/evidence/{item.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    with pytest.raises(ValueError, match="no public address"):
        item.file.url  # noqa: B018


def test_a_file_over_the_limit_is_refused_and_nothing_is_saved(
    started_audit, lead, client, media, settings
):
    settings.AUDITS_EVIDENCE_MAX_BYTES = 1024
    client.force_login(lead)
    response = post_file(client, started_audit, "big.pdf", PDF + b"x" * 2000)
    assert response.status_code == 400
    assert "evidence files may be at most" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not EvidenceItem.objects.exists() and files_in(media) == []


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("tool.exe", b"MZ\x90\x00", "Files of type “.exe” are not accepted"),
        ("fake.pdf", b"<html>not a pdf</html>", "content is not a PDF file"),
        ("empty.txt", b"", "file is empty"),
    ],
)
def test_a_file_outside_the_allow_list_is_refused(
    started_audit, lead, client, media, name, content, message
):
    client.force_login(lead)
    response = post_file(client, started_audit, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EvidenceItem.objects.exists() and files_in(media) == []


def test_the_service_refuses_the_same_files_for_the_api(started_audit, lead, media):
    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            actor=lead,
            data={
                "kind": "file",
                "title": "x",
                "finding": None,
                "checklist_line": line(started_audit, "9.2"),
                "upload": upload("run.sh", b"#!"),
            },
        )
    assert "not accepted" in error.value.message_dict["file"][0]
    assert files_in(media) == []


def test_the_api_refuses_an_oversized_upload(started_audit, lead, client, settings, media):
    settings.AUDITS_EVIDENCE_MAX_BYTES = 10
    client.force_login(lead)
    response = client.post(
        "/api/v1/audits/evidence/",
        {
            "kind": "file",
            "title": "Minutes",
            "checklist_line": line(started_audit, "9.2").pk,
            "upload": upload(),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "at most" in response.json()["file"][0]
    assert not EvidenceItem.objects.exists() and files_in(media) == []


def test_a_link_and_a_portal_record_pointer(nc_finding, lead):
    link = services.evidence_add(
        actor=lead,
        data={
            "kind": "link",
            "title": "Ticket",
            "url": "https://tickets.example/AIMS-12",
            "finding": nc_finding,
        },
    )
    assert link.url == "https://tickets.example/AIMS-12" and link.target == nc_finding
    system = factories.ai_system(lead)
    pointer = services.evidence_add(
        actor=lead,
        data={
            "kind": "record",
            "title": "The system record",
            "finding": nc_finding,
            "record_link": f"http://testserver{system.get_absolute_url()}",
        },
    )
    assert pointer.record == system and pointer.record_url == system.get_absolute_url()
    assert pointer.record_label == str(system)


def test_a_pointer_must_name_a_record(nc_finding, lead):
    for address, message in (
        ("/audits/findings/", "Paste the address of a record's page"),
        ("/inventory/systems/99999/", "No record exists at that address"),
        ("https://elsewhere.example/x", "Paste the address"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.evidence_add(
                actor=lead,
                data={
                    "kind": "record",
                    "title": "x",
                    "finding": nc_finding,
                    "record_link": address,
                },
            )


def test_evidence_has_exactly_one_target(nc_finding, lead):
    entry = SoAEntry.objects.first()
    with pytest.raises(ValidationError, match="exactly one"):
        services.evidence_add(
            actor=lead,
            data={
                "kind": "link",
                "title": "x",
                "url": "https://a.example",
                "finding": nc_finding,
                "soa_entry": entry,
            },
        )
    with pytest.raises(ValidationError, match="exactly one"):
        services.evidence_add(
            actor=lead, data={"kind": "link", "title": "x", "url": "https://a.example"}
        )


def test_evidence_panels_on_soa_entry_and_assessment_pages(lead, client):
    entry = SoAEntry.objects.select_related("control").first()
    assessment = factories.impact_assessment(lead)
    for target, name in ((entry, "soa_entry"), (assessment, "assessment")):
        services.evidence_add(
            actor=lead,
            data={
                "kind": "link",
                "title": f"Proof for {name}",
                "url": "https://wiki.example/p",
                name: target,
            },
        )
    client.force_login(lead)
    soa_page = client.get(entry.get_absolute_url()).content.decode()
    assert "Evidence" in soa_page and "Proof for soa_entry" in soa_page
    ia_page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Proof for assessment" in ia_page


def test_pages_with_an_evidence_panel_offer_to_add_evidence_to_that_record(
    lead, auditor, nc_finding, client
):
    entry = SoAEntry.objects.first()
    assessment = factories.impact_assessment(lead)
    client.force_login(lead)
    for record, target in (
        (entry, "soa_entry"),
        (assessment, "assessment"),
        (nc_finding, "finding"),
    ):
        page = client.get(record.get_absolute_url()).content.decode()
        assert f'href="/audits/evidence/new/?{target}={record.pk}"' in page
    client.force_login(auditor)  # reads evidence, adds none
    assert "Add evidence" not in client.get(entry.get_absolute_url()).content.decode()


def test_the_form_for_a_soa_entry_attaches_to_it(lead, client):
    entry = SoAEntry.objects.first()
    client.force_login(lead)
    page = client.get(f"/audits/evidence/new/?soa_entry={entry.pk}")
    assert f"For {entry}" in page.content.decode()
    response = client.post(
        f"/audits/evidence/new/?soa_entry={entry.pk}",
        {
            "kind": "link",
            "title": "Policy page",
            "url": "https://wiki.example/policy",
            "soa_entry": entry.pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert EvidenceItem.objects.get().soa_entry == entry


def test_evidence_on_a_completed_audit_s_checklist_is_refused(planned_audit, lead):
    from audits import services as audit_services

    cancelled = audit_services.audit_transition(planned_audit, "cancel", actor=lead, reason="x")
    with pytest.raises(ValidationError, match="frozen"):
        services.evidence_add(
            actor=lead,
            data={
                "kind": "link",
                "title": "x",
                "url": "https://a.example",
                "checklist_line": line(cancelled, "9.2"),
            },
        )


def test_the_api_stores_an_upload_with_its_sha256(started_audit, lead, client, media):
    client.force_login(lead)
    response = client.post(
        "/api/v1/audits/evidence/",
        {
            "kind": "file",
            "title": "Minutes",
            "checklist_line": line(started_audit, "9.2").pk,
            "upload": upload(),
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert [p.read_bytes() for p in files_in(media)] == [PDF]
