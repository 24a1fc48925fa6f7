"""The documented-information list's PDF as a background job (aims_portal.document_jobs):
the request records a job and answers at once, the job page shows progress and then the
download, the file prints the list as it stood when rendered, a failure says why and is tried
again as a new job, and the file is for the person who asked (and the area's approvers)."""

import subprocess

import pytest

from controls import services, tasks
from controls.models import InformationListExport

from . import governance_data as data
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

EXPORT = "/controls/documented-information/export/"


def _text(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def test_the_request_answers_without_rendering_when_a_worker_does_it(
    lead, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from aims_portal.celery import app

    published = []
    app.conf.task_always_eager = False  # the celery_inline fixture puts it back
    monkeypatch.setattr(
        "controls.tasks.render_information_list.apply_async", lambda **kw: published.append(kw)
    )
    client = client_for(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT, {"format": "pdf"})
    job = InformationListExport.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == InformationListExport.Status.QUEUED and not job.file
    assert published and published[0]["args"] == (job.pk,)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Queued" in page and 'hx-trigger="every 1s"' in page and "Progress: 0%" in page
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section class="card" id="document-status"')
    assert client.get(f"{job.get_absolute_url()}download/").status_code == 404


def test_the_file_prints_the_list_as_it_stood_when_rendered(lead, client_for):
    data.objective(lead, title="Assess every system")
    client = client_for(lead)
    response = client.post(EXPORT, {"format": "pdf"}, follow=True)
    job = InformationListExport.objects.get()
    assert job.status == InformationListExport.Status.DONE and job.progress == 100
    assert "Download PDF" in response.content.decode()
    download = client.get(f"{job.get_absolute_url()}download/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert job.file.name.endswith(".pdf") and "documented-information-" in job.file.name
    text = _text(b"".join(download.streaming_content))
    assert "Documented information for certification" in text
    assert "AI objectives: 1" in text
    assert "No AI objective is set." not in text
    assert "No measurement of an AI objective is recorded." in text


def test_a_format_other_than_pdf_is_refused_and_no_job_is_recorded(lead, client_for):
    response = client_for(lead).post(EXPORT, {"format": "docx"}, follow=True)
    assert "the documented-information list is a PDF" in response.content.decode()
    assert not InformationListExport.objects.exists()


def test_a_failed_job_says_why_and_is_tried_again_as_a_new_job(lead, client_for, monkeypatch):
    def broken(job, progress):
        raise RuntimeError("The font is missing.")

    monkeypatch.setattr(tasks, "_render_information_list", broken)
    client = client_for(lead)
    client.post(EXPORT, {"format": "pdf"})
    failed = InformationListExport.objects.get()
    assert failed.status == InformationListExport.Status.FAILED
    assert failed.error == "The font is missing."
    page = client.get(failed.get_absolute_url()).content.decode()
    assert "The document failed: The font is missing." in page and "Try again" in page
    monkeypatch.undo()
    response = client.post(f"{failed.get_absolute_url()}retry/")
    again = InformationListExport.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == again.get_absolute_url()
    assert again.status == InformationListExport.Status.DONE and again.format == "pdf"
    failed.refresh_from_db()
    assert failed.status == InformationListExport.Status.FAILED  # the failure stays on record
    with pytest.raises(Exception, match="Only a failed document can be tried again"):
        services.information_list_export_retry(again, actor=lead)


def test_only_exporters_ask_and_only_the_requester_or_an_approver_reads_it(
    lead, owner, auditor, executive, client_for
):
    assert client_for(owner).post(EXPORT).status_code == 403  # may read the list, not export
    assert not InformationListExport.objects.exists()
    job = services.information_list_export_request(actor=lead)
    other = client_for(auditor)
    assert other.get(job.get_absolute_url()).status_code == 403
    assert other.get(f"{job.get_absolute_url()}download/").status_code == 403
    assert client_for(executive).get(f"{job.get_absolute_url()}download/").status_code == 200


def test_the_job_is_recorded_with_history(lead):
    job = services.information_list_export_request(actor=lead)
    reasons = list(
        job.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["Documented-information list requested", "Document rendered"]
