from django.core.exceptions import ValidationError

from aims_portal import document_jobs
from aims_portal.models import User

from ..models import Audit, ManagementReview, ReportExport


def report_request(*, actor: User, source: Audit | ManagementReview, fmt: str) -> ReportExport:
    """Record a report job (an audit's report or a review's minutes) and start it.

    Raises ``aims_portal.jobs.QueueUnavailable`` when the broker cannot take it; the job is
    then already marked failed with the reason.
    """
    if isinstance(source, Audit):
        job = ReportExport(document=ReportExport.Document.AUDIT_REPORT, audit=source)
    elif isinstance(source, ManagementReview):
        job = ReportExport(document=ReportExport.Document.REVIEW_MINUTES, review=source)
    else:
        raise ValidationError("Reports are made of an audit or a management review.")
    job.format = fmt
    from ..tasks import render_report

    return document_jobs.document_request(job, actor=actor, task=render_report)


def report_retry(job: ReportExport, *, actor: User) -> ReportExport:
    """Request a failed report again, as a new job for the same record and format."""
    from ..tasks import render_report

    return document_jobs.document_retry(job, actor=actor, task=render_report)
