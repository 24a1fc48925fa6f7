"""Celery tasks of the audits app: rendering audit reports and review minutes with progress."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone

from aims_portal import jobs
from aims_portal.services import tracked_save

from . import exports
from .models import Audit, ManagementReview, ReportExport

WRITERS = {
    (ReportExport.Document.AUDIT_REPORT, "pdf"): exports.audit_report_pdf,
    (ReportExport.Document.AUDIT_REPORT, "docx"): exports.audit_report_docx,
    (ReportExport.Document.REVIEW_MINUTES, "pdf"): exports.review_minutes_pdf,
    (ReportExport.Document.REVIEW_MINUTES, "docx"): exports.review_minutes_docx,
}


def _set(job_id, **fields):
    # Progress ticks are bookkeeping, not record changes: no history row for each one.
    ReportExport.objects.filter(pk=job_id).update(**fields)


def _data(job):
    if job.document == ReportExport.Document.AUDIT_REPORT:
        audit = Audit.objects.select_related("programme", "lead_auditor").get(pk=job.audit_id)
        return exports.audit_report_data(audit, job.requested_by)
    review = ManagementReview.objects.select_related("chair", "completed_by").get(pk=job.review_id)
    return exports.review_minutes_data(review, job.requested_by)


def filename(job):
    stamp = timezone.localdate().isoformat()
    what = "report" if job.document == ReportExport.Document.AUDIT_REPORT else "minutes"
    return f"{job.source.reference}-{what}-{stamp}.{job.format}"


@shared_task(name="audits.render_report", ignore_result=True)
def render_report(job_id):
    if not jobs.claim(ReportExport, job_id, progress=5):
        return None  # failed or finished meanwhile: this delivery has nothing to do
    job = ReportExport.objects.select_related("audit", "review", "requested_by").get(pk=job_id)
    try:
        data = _data(job)
        _set(job_id, progress=30)
        content = WRITERS[(job.document, job.format)](data)
    except Exception as error:  # the job page must say it failed, whatever the cause
        jobs.fail(ReportExport, job_id, jobs.failure_reason(error))
        raise
    job.refresh_from_db()
    job.file.save(filename(job), ContentFile(content), save=False)
    job.status = ReportExport.Status.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    tracked_save(job, job.requested_by, "Report rendered")
    return job.pk
