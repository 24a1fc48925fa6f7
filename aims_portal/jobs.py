"""Background jobs: queued after commit, refused at once when the broker is down, and never
left queued or running for ever.

A job is a row people see (an SoA export, a ledger verification, an evidence bundle) plus a
Celery task that does the work. Its model inherits ``BackgroundJob`` and names its states in
``job_states``. Rules enforced here:

- ``enqueue`` is the one way a request starts a job. Without a broker the task runs inline.
  With one, the task is published once the row has committed; if the broker does not take the
  message (down, unreachable: the publish timeouts in settings keep this to about a second),
  the row is marked failed with the reason and ``QueueUnavailable`` is raised, so the page or
  the API says so at once and nothing is left queued.
- Every unfinished job has a deadline: while queued, ``JOB_QUEUE_TIMEOUT`` after the request;
  once a worker starts it, the task's hard time limit (``CELERY_TASK_TIME_LIMIT``) after the
  start. Past its deadline a job is marked failed, because its worker died, was killed at the
  limit or never came: ``reap`` does it for every job model (Celery beat, every minute) and
  ``reap_overdue`` for one job whenever its page or API answer is read.
- A task starts a job only while it is still queued (``claim``), so a late or repeated
  delivery of a job that has since failed or finished does nothing.
- A failed job is tried again as a new job with the same parameters (each app's retry
  service), so a failure stays on record.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import ClassVar

from billiard.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

QUEUE_UNAVAILABLE = (
    "The task queue is not reachable, so this job could not start and nothing is running. "
    "Try again in a few minutes; if it keeps failing, ask an administrator to check the "
    "Celery broker (Redis)."
)


class QueueUnavailable(Exception):
    """The broker did not take a job's task; the job is already marked failed."""

    def __init__(self, job, message=QUEUE_UNAVAILABLE):
        super().__init__(message)
        self.job = job
        self.message = message


@dataclass(frozen=True)
class JobStates:
    """The values of a job model's ``status`` field that this module reads and writes."""

    queued: str
    running: str
    failed: str

    @property
    def unfinished(self) -> tuple[str, str]:
        return (self.queued, self.running)


class BackgroundJob(models.Model):
    """Base of job models. Subclasses have ``status``, ``error`` and ``finished_at`` fields
    and declare ``job_states``; they index ``deadline`` for unfinished rows with
    ``unfinished_index``."""

    deadline = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Marked failed when still unfinished at this time (see aims_portal.jobs).",
    )

    job_states: ClassVar[JobStates]

    class Meta:
        abstract = True


def unfinished_index(name: str, states: tuple[str, ...] = ("queued", "running")) -> models.Index:
    """The partial index on ``deadline`` over unfinished rows (``status`` in ``states``)
    that the sweep of overdue jobs reads."""
    return models.Index(fields=["deadline"], condition=models.Q(status__in=list(states)), name=name)


def queue_deadline() -> datetime:
    return timezone.now() + timedelta(seconds=settings.JOB_QUEUE_TIMEOUT)


def run_deadline() -> datetime:
    return timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def job_models() -> list[type[BackgroundJob]]:
    return [m for m in apps.get_models() if issubclass(m, BackgroundJob)]


# --- starting --------------------------------------------------------------------------------


def enqueue(job: BackgroundJob, task) -> None:
    """Start ``task(job.pk)``: inline without a broker, else after the row commits.

    Raises ``QueueUnavailable`` (job marked failed) when the broker does not take it.
    """
    if task.app.conf.task_always_eager:
        try:
            task.apply_async(args=(job.pk,))  # runs it here and now
        except Exception:  # the task marked its job failed; the page shows why
            log.exception("Job %s failed", job)
            fail(type(job), job.pk, "The job stopped with an unexpected error.")
        job.refresh_from_db()
        return
    using = router.db_for_write(type(job), instance=job)
    transaction.on_commit(partial(_publish, job, task), using=using)


def _publish(job, task):
    try:
        # Job results live in the job's row: no result backend round trip, which would
        # otherwise retry for many seconds when Redis is down.
        task.apply_async(args=(job.pk,), ignore_result=True)
    except (OperationalError, OSError) as error:
        log.error("Could not queue %s: %s", job, error)
        _mark_failed(job, QUEUE_UNAVAILABLE)
        raise QueueUnavailable(job) from error
    except Exception as error:
        _mark_failed(job, f"The job could not be queued: {error}")
        raise


def _mark_failed(job, reason):
    fail(type(job), job.pk, reason)
    job.refresh_from_db()


# --- running ---------------------------------------------------------------------------------


def claim(model: type[BackgroundJob], pk: int, **fields) -> bool:
    """Move a queued job to running with its run deadline; False when it is no longer queued
    (failed by the reaper, or started by an earlier delivery of the same message)."""
    states = model.job_states
    fields.setdefault("deadline", run_deadline())
    claimed = model.objects.filter(pk=pk, status=states.queued).update(
        status=states.running, **fields
    )
    if not claimed:
        log.warning("%s #%s is no longer queued: this delivery does nothing", model.__name__, pk)
    return bool(claimed)


def fail(model: type[BackgroundJob], pk: int, reason: str) -> bool:
    """Mark an unfinished job failed with ``reason``; False when it had already finished."""
    states = model.job_states
    return bool(
        model.objects.filter(pk=pk, status__in=states.unfinished).update(
            status=states.failed, error=reason[:2000], finished_at=timezone.now()
        )
    )


def failure_reason(error: BaseException) -> str:
    """What a job's page says about the exception that stopped its task."""
    if isinstance(error, SoftTimeLimitExceeded):
        return (
            f"The job passed its time limit of {settings.CELERY_TASK_SOFT_TIME_LIMIT} seconds "
            "and was stopped."
        )
    return str(error) or type(error).__name__


# --- reaping ---------------------------------------------------------------------------------


def _reasons():
    queue_minutes = max(1, round(settings.JOB_QUEUE_TIMEOUT / 60))
    return {
        "queued": (
            f"No worker started this job within {queue_minutes} minute(s) of the request: "
            "check that the Celery worker is running, then try again."
        ),
        "running": (
            "The worker stopped before the job finished (it was killed, lost its connection or "
            f"passed the {settings.CELERY_TASK_TIME_LIMIT}-second time limit). Try again."
        ),
    }


def reap(now: datetime | None = None) -> int:
    """Mark failed every unfinished job past its deadline; returns how many."""
    now = now or timezone.now()
    reasons = _reasons()
    reaped = 0
    for model in job_models():
        states = model.job_states
        for state, key in ((states.queued, "queued"), (states.running, "running")):
            count = model.objects.filter(status=state, deadline__lt=now).update(
                status=states.failed, error=reasons[key], finished_at=now
            )
            if count:
                log.warning("Marked %s %s %s job(s) failed", count, state, model.__name__)
            reaped += count
    return reaped


def reap_overdue(job: BackgroundJob | None) -> BackgroundJob | None:
    """The check made when a job is read: fail it if it is past its deadline (no query
    otherwise). Returns the job, refreshed when it changed."""
    if job is None:
        return None
    states = job.job_states
    now = timezone.now()
    if job.status in states.unfinished and job.deadline and job.deadline < now:
        key = "queued" if job.status == states.queued else "running"
        reason = _reasons()[key]
        type(job).objects.filter(pk=job.pk, status=job.status).update(
            status=states.failed, error=reason, finished_at=now
        )
        job.refresh_from_db()
    return job


def is_unfinished(job: BackgroundJob) -> bool:
    return job.status in job.job_states.unfinished
