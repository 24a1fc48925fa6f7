"""Celery tasks of the controls app: rendering SoA exports with progress."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone

from aims_portal import jobs

from . import exports
from .models import DocumentExport


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
        elif job.format == DocumentExport.Format.XLSX:
            content = exports.render_xlsx(data)
        else:
            content = exports.render_csv(data)
    except Exception as error:  # the job page must say it failed, whatever the cause
        jobs.fail(DocumentExport, job_id, jobs.failure_reason(error))
        raise
    job.refresh_from_db()
    job.file.save(exports.filename(job.format, job.revision), ContentFile(content), save=False)
    job.status = DocumentExport.Status.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    job._history_user = job.requested_by
    job._change_reason = "Export rendered"
    job.save()
    return job.pk
