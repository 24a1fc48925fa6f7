"""Celery tasks of the governance app: the daily objective readings, and rendering the
governance PDFs with progress (aims_portal.document_jobs runs the job)."""

from celery import shared_task

from aims_portal.document_jobs import document_render

from . import documents
from .models import DocumentExport


@shared_task(name="governance.compute_measurements")
def compute_measurements():
    """Daily (Celery beat): today's reading of every objective measured from portal data."""
    from .services import measurements_compute

    return measurements_compute()


def _render_document(job, progress):
    return documents.render_pdf(job, progress)


@shared_task(name="governance.render_document", ignore_result=True)
def render_document(job_id):
    return document_render(DocumentExport, job_id, _render_document)
