"""Celery tasks of the controls app: rendering SoA exports and the documented-information
list with progress."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone

from aims_portal import jobs
from aims_portal.document_jobs import document_render, job_file_name
from aims_portal.services import tracked_save

from . import exports
from .models import DocumentExport, InformationListExport


def _set(job_id, **fields):
    # Progress ticks are bookkeeping, not record changes: no history row for each one.
    DocumentExport.objects.filter(pk=job_id).update(**fields)


@shared_task(name="controls.render_export", ignore_result=True)
def render_export(job_id):
    if not jobs.claim(DocumentExport, job_id, progress=5):
        return None  # failed or finished meanwhile: this delivery has nothing to do
    job = DocumentExport.objects.select_related("revision", "requested_by").get(pk=job_id)
    try:
        data = exports.document_data(job.revision, generated_by=job.requested_by)
        _set(job_id, progress=15)
        if job.format == DocumentExport.Format.PDF:
            content = exports.render_pdf(data, progress=lambda p: _set(job_id, progress=p))
        else:
            content = exports.RENDERERS[job.format](data)
    except Exception as error:  # the job page must say it failed, whatever the cause
        jobs.fail(DocumentExport, job_id, jobs.failure_reason(error))
        raise
    job.refresh_from_db()
    name = job_file_name(job, exports.filename(job.format, job.revision))
    job.file.save(name, ContentFile(content), save=False)
    job.status = DocumentExport.Status.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    tracked_save(job, job.requested_by, "Export rendered")
    return job.pk


def _render_information_list(job, progress):
    return exports.information_list_pdf(job.requested_by, progress)


@shared_task(name="controls.render_information_list", ignore_result=True)
def render_information_list(job_id):
    return document_render(InformationListExport, job_id, _render_information_list)
