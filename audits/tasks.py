"""Celery tasks of the audits app: rendering audit reports and review minutes with progress
(aims_portal.document_jobs runs the job)."""

from celery import shared_task

from aims_portal.document_jobs import document_render

from . import exports
from .models import Audit, ManagementReview, ReportExport

WRITERS = {
    (ReportExport.Document.AUDIT_REPORT, "pdf"): exports.audit_report_pdf,
    (ReportExport.Document.AUDIT_REPORT, "docx"): exports.audit_report_docx,
    (ReportExport.Document.REVIEW_MINUTES, "pdf"): exports.review_minutes_pdf,
    (ReportExport.Document.REVIEW_MINUTES, "docx"): exports.review_minutes_docx,
}


def _data(job):
    if job.document == ReportExport.Document.AUDIT_REPORT:
        audit = Audit.objects.select_related("programme", "lead_auditor").get(pk=job.audit_id)
        return exports.audit_report_data(audit, job.requested_by)
    review = ManagementReview.objects.select_related("chair", "completed_by").get(pk=job.review_id)
    return exports.review_minutes_data(review, job.requested_by)


def _render(job, progress):
    data = _data(job)
    progress(30)
    return WRITERS[(job.document, job.format)](data)


@shared_task(name="audits.render_report", ignore_result=True)
def render_report(job_id):
    return document_render(ReportExport, job_id, _render)
