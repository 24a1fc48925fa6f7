"""Documents rendered as background jobs (a PDF or Word file of a record), for every app.

A document longer than a page is never rendered inside a request: the request records a job
and the worker renders it, ticking its progress, and keeps the file for download. Each app
declares a concrete job model on ``DocumentJob`` (its source record, its file field with the
app's private storage, its ``render`` of the file) and its views call the functions here, so
the audit report, the review minutes and the impact assessment run one way.

Rules enforced here (on top of aims_portal.jobs: queued after commit, refused at once when
the broker is down, failed past the deadline):
- a request needs the export grant of the job model's area and a known format;
- the task renders only a job still queued, and a failure is written on the job;
- a job's page and its file are for the person who asked and for those who may approve in
  the area (the files are personal copies);
- only a failed job is tried again, as a new job of the same record and format.
"""

import secrets
from collections.abc import Callable
from typing import ClassVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from . import jobs, roles
from .models import TrackedModel
from .services import tracked_save


class DocumentStorage(FileSystemStorage):
    """Rendered documents under MEDIA_ROOT (read when used, so it follows the setting), which
    no web server serves: they leave only through the permission-checked download view."""

    def url(self, name):
        raise ValueError("Rendered documents have no public address; use the download view.")


def document_storage():
    return DocumentStorage()


class DocumentJob(TrackedModel, jobs.BackgroundJob):
    """Base of the document job models. A subclass adds its source record, a ``file`` field,
    ``filename``, ``repeat`` (a new unsaved job of the same record and format) and the
    ``routes`` of its pages; its app's task renders it (``document_render``)."""

    # The rendering task ticks these without a version; the finished job is saved with one.
    # integrity.current_state does not compare them.
    _history_unversioned_fields: ClassVar[tuple[str, ...]] = ("status", "progress", "error")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=5, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    job_states = jobs.JobStates(queued=Status.QUEUED, running=Status.RUNNING, failed=Status.FAILED)
    # Names of the URL routes of a job's pages: status (the job page), download and retry.
    routes: ClassVar[dict[str, str]]

    class Meta:
        abstract = True

    @property
    def source(self) -> models.Model:
        raise NotImplementedError

    def filename(self) -> str:
        raise NotImplementedError

    def repeat(self) -> "DocumentJob":
        raise NotImplementedError


def document_request(job: DocumentJob, *, actor, task) -> DocumentJob:
    """Record ``job`` (its source and format set) for ``actor`` and start ``task`` on it.

    Raises ``aims_portal.jobs.QueueUnavailable`` when the broker cannot take it; the job is
    then already marked failed with the reason.
    """
    roles.require(actor, "export", job.area)
    if job.format not in DocumentJob.Format.values:
        raise ValidationError(
            {"format": f"Unknown document format “{job.format}”: use pdf or docx."}
        )
    job.requested_by = actor
    job.deadline = jobs.queue_deadline()
    tracked_save(job, actor, f"{job._meta.verbose_name.capitalize()} requested")
    jobs.enqueue(job, task)
    return job


def document_retry(job: DocumentJob, *, actor, task) -> DocumentJob:
    """Request a failed job again, as a new job for the same record and format."""
    if job.status != DocumentJob.Status.FAILED:
        raise ValidationError("Only a failed document can be tried again.")
    return document_request(job.repeat(), actor=actor, task=task)


def document_render(
    model: type[DocumentJob],
    job_id: int,
    render: Callable[[DocumentJob, Callable[[int], None]], bytes],
) -> int | None:
    """The body of a rendering task: ``render(job, progress)`` a queued job (its file's
    bytes; ``progress(percent)`` ticks the job page), then keep the file."""
    if not jobs.claim(model, job_id, progress=5):
        return None  # failed or finished meanwhile: this delivery has nothing to do
    job = model.objects.select_related("requested_by").get(pk=job_id)

    def progress(percent):
        # Progress ticks are bookkeeping, not record changes: no history row for each one.
        model.objects.filter(pk=job_id).update(progress=percent)

    try:
        content = render(job, progress)
    except Exception as error:  # the job page must say it failed, whatever the cause
        jobs.fail(model, job_id, jobs.failure_reason(error))
        raise
    job.refresh_from_db()
    job.file.save(job_file_name(job, job.filename()), ContentFile(content), save=False)
    job.status = DocumentJob.Status.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    tracked_save(job, job.requested_by, "Document rendered")
    return job.pk


def job_file_name(job, filename: str) -> str:
    """Where a job's file is kept: a folder of its own (the job's id and a random part, so
    that no earlier file can hold the name, even one left from another database), so the
    file keeps the name it is offered under. In one shared folder, a second document of the
    same name was stored, and downloaded, with a random suffix."""
    return f"{job.pk}-{secrets.token_hex(6)}/{filename}"


def document_job_for(user, queryset, pk) -> DocumentJob:
    """The job ``pk`` as ``user`` may see it (overdue ones marked failed), else refused."""
    model = queryset.model
    roles.require(user, "export", model.area)
    job = queryset.filter(pk=pk).first()
    if job is None:
        raise Http404("No such document.")
    if job.requested_by_id != user.pk and not roles.can(user, "approve", model.area):
        # Document files are personal: others request their own.
        raise PermissionDenied("This document was requested by someone else.")
    return jobs.reap_overdue(job)


def job_started(request, start: Callable[[], models.Model], *, what: str, back) -> HttpResponse:
    """The answer to a request that starts a job (a new one or a retry): the page of the job
    ``start()`` records, or ``back`` with why it did not start (refused, or the queue is
    down; ``what`` names the document in that message, e.g. "The PDF")."""
    try:
        job = start()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    except jobs.QueueUnavailable as error:
        messages.error(request, f"{what} could not start. {error.message}")
        return redirect(back)
    return redirect(job.get_absolute_url())


def document_download(job: DocumentJob) -> FileResponse:
    if job.status != DocumentJob.Status.DONE or not job.file:
        raise Http404("This document is not ready.")
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file.name.split("/")[-1]
    )
