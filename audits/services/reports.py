from django.core.exceptions import ValidationError

from aims_portal import jobs, roles
from aims_portal.services import tracked_save

from ..models import Audit, ManagementReview, ReportExport


def report_request(*, actor, source: Audit | ManagementReview, fmt: str) -> ReportExport:
    """Record a report job (an audit's report or a review's minutes) and start it.

    Raises ``aims_portal.jobs.QueueUnavailable`` when the broker cannot take it; the job is
    then already marked failed with the reason.
    """
    roles.require(actor, "export", ReportExport.area)
    if fmt not in ReportExport.Format.values:
        raise ValidationError({"format": f"Unknown report format “{fmt}”: use pdf or docx."})
    if isinstance(source, Audit):
        job = ReportExport(document=ReportExport.Document.AUDIT_REPORT, audit=source)
    elif isinstance(source, ManagementReview):
        job = ReportExport(document=ReportExport.Document.REVIEW_MINUTES, review=source)
    else:
        raise ValidationError("Reports are made of an audit or a management review.")
    job.format = fmt
    job.requested_by = actor
    job.deadline = jobs.queue_deadline()
    tracked_save(job, actor, f"{job.get_document_display()} requested")
    from ..tasks import render_report

    jobs.enqueue(job, render_report)
    return job


def report_retry(job: ReportExport, *, actor) -> ReportExport:
    """Request a failed report again, as a new job for the same record and format."""
    if job.status != ReportExport.Status.FAILED:
        raise ValidationError("Only a failed report can be tried again.")
    return report_request(actor=actor, source=job.source, fmt=job.format)
