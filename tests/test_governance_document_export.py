"""The governance PDFs (scope statement, objectives report, training matrix) as background
jobs (aims_portal.document_jobs): the request records a job and answers at once, the job page
shows progress and then the download, the file prints the document as it stood when
rendered, bad requests change nothing, a failure says why and is tried again as a new job,
and the file is for the person who asked (and the governance approvers)."""

import subprocess

import pytest

from governance import exports, tasks
from governance.models import DocumentExport

from . import governance_data as data

pytestmark = pytest.mark.django_db

EXPORT = "/governance/documents/export/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _text(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())  # table cells wrap their words over lines


def _download(client, job) -> str:
    response = client.get(f"{job.get_absolute_url()}download/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    return _text(b"".join(response.streaming_content))


def test_the_request_answers_without_rendering_when_a_worker_does_it(
    lead, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from aims_portal.celery import app

    published = []
    app.conf.task_always_eager = False  # the celery_inline fixture puts it back
    monkeypatch.setattr(
        "governance.tasks.render_document.apply_async", lambda **kw: published.append(kw)
    )
    client = client_for(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT, {"document": "objectives"})
    job = DocumentExport.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == DocumentExport.Status.QUEUED and not job.file
    assert published and published[0]["args"] == (job.pk,)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "AI objectives report (PDF)" in page
    assert "Queued" in page and 'hx-trigger="every 1s"' in page and "Progress: 0%" in page
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section class="card" id="document-status"')
    assert client.get(f"{job.get_absolute_url()}download/").status_code == 404


def test_the_scope_statement_prints_the_version_asked_for(client_for, lead, executive, auditor):
    scope = data.approved_scope(lead, executive, [data.system(lead, name="Claims triage")])
    client = client_for(auditor)
    response = client.post(EXPORT, {"document": "scope", "scope": scope.pk}, follow=True)
    job = DocumentExport.objects.get()
    assert job.scope == scope and job.status == DocumentExport.Status.DONE and job.progress == 100
    page = response.content.decode()
    assert f"AIMS scope statement v{scope.scope_version} (PDF)" in page and "Download PDF" in page
    assert job.file.name.endswith(f"aims-scope-v{scope.scope_version}.pdf")
    assert "Claims triage" in _download(client, job)


def test_the_registers_print_as_they_stand_when_rendered(client_for, lead):
    client = client_for(lead)
    client.post(EXPORT, {"document": "objectives"})
    data.objective(lead, title="Cut harmful answers")
    client.post(EXPORT, {"document": "objectives"})
    before, after = DocumentExport.objects.order_by("pk")
    assert before.scope is None and "ai-objectives-" in before.file.name
    assert "Cut harmful answers" not in _download(client, before)
    assert "Cut harmful answers" in _download(client, after)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"document": "minutes"}, "Unknown governance document “minutes”."),
        ({"document": "objectives", "format": "docx"}, "the governance documents are PDFs"),
        ({"document": "scope"}, "Choose the scope statement to print."),
        ({"document": "scope", "scope": "999999"}, "Choose the scope statement to print."),
    ],
)
def test_a_bad_request_says_why_and_records_no_job(lead, client_for, fields, message):
    response = client_for(lead).post(EXPORT, fields, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    assert not DocumentExport.objects.exists()


def test_only_the_scope_document_names_a_scope(lead, executive):
    scope = data.approved_scope(lead, executive, [data.system(lead)])
    with pytest.raises(Exception, match="Only the scope statement's PDF prints a scope"):
        exports.document_export_request(actor=lead, document="training_matrix", scope=scope)
    assert not DocumentExport.objects.exists()


def test_the_job_page_needs_a_post_to_start(lead, client_for):
    assert client_for(lead).get(EXPORT).status_code == 405
    assert not DocumentExport.objects.exists()


def test_a_failed_job_says_why_and_is_tried_again_as_a_new_job(lead, client_for, monkeypatch):
    def broken(job, progress):
        raise RuntimeError("The font is missing.")

    monkeypatch.setattr(tasks, "_render_document", broken)
    client = client_for(lead)
    client.post(EXPORT, {"document": "training_matrix"})
    failed = DocumentExport.objects.get()
    assert failed.status == DocumentExport.Status.FAILED
    assert failed.error == "The font is missing."
    page = client.get(failed.get_absolute_url()).content.decode()
    assert "The document failed: The font is missing." in page and "Try again" in page
    monkeypatch.undo()
    response = client.post(f"{failed.get_absolute_url()}retry/")
    again = DocumentExport.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == again.get_absolute_url()
    assert again.status == DocumentExport.Status.DONE and again.document == "training_matrix"
    failed.refresh_from_db()
    assert failed.status == DocumentExport.Status.FAILED  # the failure stays on record
    with pytest.raises(Exception, match="Only a failed document can be tried again"):
        exports.document_export_retry(again, actor=lead)


def test_only_exporters_ask_and_only_the_requester_or_an_approver_reads_it(
    lead, auditor, executive, client_for, make_user
):
    nobody = client_for(make_user(None, username="nobody"))
    assert nobody.post(EXPORT, {"document": "objectives"}).status_code == 403
    assert not DocumentExport.objects.exists()
    job = exports.document_export_request(actor=lead, document="objectives")
    other = client_for(auditor)
    assert other.get(job.get_absolute_url()).status_code == 403
    assert other.get(f"{job.get_absolute_url()}download/").status_code == 403
    assert client_for(executive).get(f"{job.get_absolute_url()}download/").status_code == 200


def test_the_job_is_recorded_with_history(lead):
    job = exports.document_export_request(actor=lead, document="training_matrix")
    reasons = list(
        job.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["Governance document requested", "Document rendered"]


def test_the_pages_offer_the_pdfs_as_jobs(lead, executive, client_for):
    scope = data.approved_scope(lead, executive, [data.system(lead)])
    data.objective(lead, title="Assess every system")
    client = client_for(lead)
    detail = client.get(scope.get_absolute_url()).content.decode()
    assert f'action="{EXPORT}"' in detail and f'name="scope" value="{scope.pk}"' in detail
    matrix = client.get("/governance/training/matrix/").content.decode()
    assert 'name="document" value="training_matrix"' in matrix
    dashboard = client.get("/").content.decode()
    assert 'name="document" value="objectives"' in dashboard
