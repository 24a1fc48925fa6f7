"""Fault injection: a real Celery worker (Redis broker, PostgreSQL) is killed with SIGKILL in
the middle of a PDF export. The job is marked failed once past its time limit (not before),
and a retry from the API succeeds on a fresh worker."""

import time

import pytest
from django.db import connection

from aims_portal import jobs
from aims_portal.celery import app
from aims_portal.tasks import ping
from controls.models import DocumentExport

from . import factories
from .conftest import require_service
from .faults import unfinished_jobs
from .test_celery_worker import start_worker, stop_worker
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TIME_LIMIT = 6  # seconds: the killed worker's hard limit, so its job's deadline


def wait_for(predicate, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not true after {timeout} s")


@pytest.fixture
def start_export_worker():
    """Starts workers on the default queue that share this test's database and files."""
    require_service("CELERY_BROKER_URL", "the Redis broker")
    require_service("DATABASE_URL", "PostgreSQL shared between the test and the worker")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    media = DocumentExport._meta.get_field("file").storage.location
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False  # this test publishes for real
    app.control.purge()  # nothing left over from an earlier run
    started = []

    def start(time_limit):
        proc = start_worker(
            "celery", DATABASE_URL=url, MEDIA_ROOT=str(media), AIMS_JOB_TIME_LIMIT=str(time_limit)
        )
        started.append(proc)
        assert ping.apply_async(args=["up"]).get(timeout=90) == {"pong": True, "echo": "up"}
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            stop_worker(proc)
    app.conf.task_always_eager = saved


def test_export_of_a_killed_worker_fails_after_its_limit_and_a_retry_succeeds(
    start_export_worker, client_for, lead
):
    factories.soa_decide_all(lead)
    client = client_for(lead)
    first = start_export_worker(TIME_LIMIT)

    response = client.post("/api/v1/controls/exports/", {"format": "pdf"})
    assert response.status_code == 201
    job_id = response.json()["id"]

    def running():
        return DocumentExport.objects.filter(pk=job_id, status="running").first()

    job = wait_for(running, timeout=60, step=0.02)
    first.kill()  # SIGKILL mid-render: no chance to record anything
    first.wait(timeout=10)
    killed_at = time.monotonic()
    job.refresh_from_db()
    assert job.status == "running" and job.progress < 100  # it really died mid-export
    deadline = job.deadline

    # Before its limit the job still reads as running: a slow export is not a dead one.
    assert client.get(f"/api/v1/controls/exports/{job_id}/").json()["status"] == "running"
    assert jobs.reap() == 0

    # The beat task marks it failed once past the deadline (the worker's hard limit).
    wait_for(lambda: jobs.reap() == 1, timeout=TIME_LIMIT + 10, step=0.25)
    failed_after = time.monotonic() - killed_at
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at >= deadline
    assert "The worker stopped before the job finished" in job.error
    body = client.get(f"/api/v1/controls/exports/{job_id}/").json()
    assert body["status"] == "failed"
    assert failed_after < TIME_LIMIT + 5, f"marked failed {failed_after:.1f} s after the kill"
    print(f"killed-worker job marked failed {failed_after:.1f} s after SIGKILL")

    # Retried from the API: a new job, which waits for a worker, then a fresh one renders it.
    retry = client.post(f"/api/v1/controls/exports/{job_id}/retry/")
    assert retry.status_code == 201
    again_id = retry.json()["id"]
    assert again_id != job_id
    start_export_worker(120)

    def finished():
        return DocumentExport.objects.filter(pk=again_id, status__in=["done", "failed"]).first()

    again = wait_for(finished, timeout=120, step=0.25)
    assert (again.status, again.progress, again.error) == ("done", 100, "")
    download = client.get(f"/api/v1/controls/exports/{again_id}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert DocumentExport.objects.get(pk=job_id).status == "failed"  # stays on record
    assert unfinished_jobs() == []
