"""The impact assessment's PDF and Word file as background jobs (aims_portal.document_jobs,
the machinery of the audit report): the request records a job and answers at once, the job
page shows progress and then the download, a failure says why and is tried again as a new
job, and the file is for the person who asked (and the area's approvers)."""

import pytest

from assessments import services, tasks
from assessments.models import AssessmentExport

from . import factories

pytestmark = pytest.mark.django_db


def test_an_unknown_format_is_refused_and_no_job_is_recorded(lead, client_for):
    draft = factories.impact_assessment(lead)
    response = client_for(lead).post(
        f"/assessments/impact/{draft.pk}/document/", {"format": "exe"}, follow=True
    )
    assert "Unknown document format" in response.content.decode()
    assert not AssessmentExport.objects.exists()


def test_the_request_answers_without_rendering_when_a_worker_does_it(
    lead, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from aims_portal.celery import app

    draft = factories.impact_assessment(lead)
    published = []
    app.conf.task_always_eager = False  # the celery_inline fixture puts it back
    monkeypatch.setattr(
        "assessments.tasks.render_document.apply_async", lambda **kw: published.append(kw)
    )
    client = client_for(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assessments/impact/{draft.pk}/document/", {"format": "docx"})
    job = AssessmentExport.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == AssessmentExport.Status.QUEUED and not job.file
    assert published and published[0]["args"] == (job.pk,)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Queued" in page and 'hx-trigger="every 1s"' in page and "Progress: 0%" in page
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section class="card" id="document-status"')
    assert client.get(f"/assessments/impact/documents/{job.pk}/download/").status_code == 404


def test_a_failed_job_says_why_and_is_tried_again_as_a_new_job(lead, client_for, monkeypatch):
    draft = factories.impact_assessment(lead)

    def broken(assessment, user):
        raise RuntimeError("The font is missing.")

    monkeypatch.setitem(tasks.WRITERS, "pdf", broken)
    client = client_for(lead)
    client.post(f"/assessments/impact/{draft.pk}/document/", {"format": "pdf"})
    failed = AssessmentExport.objects.get()
    assert failed.status == AssessmentExport.Status.FAILED
    assert failed.error == "The font is missing."
    page = client.get(failed.get_absolute_url()).content.decode()
    assert "The document failed: The font is missing." in page and "Try again" in page
    monkeypatch.undo()
    response = client.post(f"/assessments/impact/documents/{failed.pk}/retry/")
    again = AssessmentExport.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == again.get_absolute_url()
    assert again.status == AssessmentExport.Status.DONE and again.assessment == draft
    assert again.format == "pdf"
    # The file is offered under the record's name (the stored name may carry a suffix when
    # an earlier file of the same name is kept).
    download = client.get(f"/assessments/impact/documents/{again.pk}/download/")
    assert f'filename="{draft.reference}-rev1.pdf"' in download["Content-Disposition"]
    failed.refresh_from_db()
    assert failed.status == AssessmentExport.Status.FAILED  # the failure stays on record


def test_only_a_failed_job_is_tried_again(lead):
    draft = factories.impact_assessment(lead)
    done = services.assessment_export_request(draft, actor=lead, fmt="docx")
    assert done.status == AssessmentExport.Status.DONE
    with pytest.raises(Exception, match="Only a failed document can be tried again"):
        services.assessment_export_retry(done, actor=lead)


def test_someone_elses_document_is_not_shown_but_an_approver_sees_it(
    lead, auditor, executive, client_for
):
    draft = factories.impact_assessment(lead)
    job = services.assessment_export_request(draft, actor=lead, fmt="docx")
    other = client_for(auditor)
    assert other.get(job.get_absolute_url()).status_code == 403
    assert other.get(f"/assessments/impact/documents/{job.pk}/download/").status_code == 403
    approver = client_for(executive)
    assert approver.get(f"/assessments/impact/documents/{job.pk}/download/").status_code == 200


def test_the_job_is_recorded_with_history(lead):
    draft = factories.impact_assessment(lead)
    job = services.assessment_export_request(draft, actor=lead, fmt="pdf")
    reasons = list(
        job.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["Impact assessment document requested", "Document rendered"]
