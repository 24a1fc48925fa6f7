"""Background jobs never stay queued or running for ever: past its deadline a job is marked
failed (by the beat task and when it is read), a task starts only a queued job, and a failed
export or bundle is tried again from its page and the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims_portal import jobs
from aims_portal.celery import app
from aims_portal.services import tracked_save
from aims_portal.tasks import reap_jobs
from controls import services as controls_services
from controls.models import DocumentExport
from integrity import job_start, services
from integrity.models import EvidenceBundle, VerificationRun

from .faults import unfinished_jobs
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

PAST = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stuck_export(user, status="running", overdue=True):
    job = DocumentExport(format="pdf", requested_by=user, status=status, progress=5)
    job.deadline = timezone.now() + (-PAST if overdue else timedelta(minutes=5))
    return tracked_save(job, user, "Export requested")


def stuck_bundle(user, status="building", overdue=True):
    return EvidenceBundle.objects.create(
        requested_by=user,
        status=status,
        deadline=timezone.now() + (-PAST if overdue else timedelta(minutes=5)),
    )


def stuck_run(user, status="running", overdue=True):
    return VerificationRun.objects.create(
        triggered_by=user,
        status=status,
        deadline=timezone.now() + (-PAST if overdue else timedelta(minutes=5)),
    )


def test_the_beat_task_fails_every_overdue_job_with_the_reason(lead, auditor):
    running = stuck_export(lead)
    queued = stuck_export(lead, status="queued")
    bundle = stuck_bundle(auditor)
    run = stuck_run(auditor, status="queued")
    assert reap_jobs.delay().get() == 4
    for job in (running, queued, bundle, run):
        job.refresh_from_db()
        assert job.status == job.job_states.failed
        assert job.finished_at is not None
    assert "The worker stopped before the job finished" in running.error
    assert "No worker started this job" in queued.error
    assert "The worker stopped" in bundle.error
    # A verification nobody finished is "could not finish", never "tampering detected".
    assert run.status == VerificationRun.Status.ERROR and "No worker started" in run.error
    assert unfinished_jobs() == []


def test_jobs_within_their_deadline_or_finished_are_left_alone(lead, auditor):
    waiting = stuck_export(lead, status="queued", overdue=False)
    working = stuck_bundle(auditor, overdue=False)
    done = stuck_export(lead, status="done")
    assert jobs.reap() == 0
    left = {(type(j), j.pk, j.status) for j in unfinished_jobs()}
    assert left == {
        (DocumentExport, waiting.pk, "queued"),
        (EvidenceBundle, working.pk, "building"),
    }
    done.refresh_from_db()
    assert done.status == "done"


def test_reap_runs_every_minute_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reap-jobs"]
    assert entry == {"task": "aims_portal.reap_jobs", "schedule": 60.0}
    assert "aims_portal.reap_jobs" in app.tasks


def test_a_task_starts_only_a_queued_job(lead):
    job = stuck_export(lead, status="queued", overdue=False)
    assert jobs.claim(DocumentExport, job.pk) is True
    job.refresh_from_db()
    assert job.status == "running"
    # Its run deadline is the hard time limit from now.
    limit = timedelta(seconds=app.conf.task_time_limit)
    assert timezone.now() + limit - timedelta(seconds=5) < job.deadline
    assert jobs.claim(DocumentExport, job.pk) is False  # a second delivery does nothing


def test_a_late_delivery_of_a_failed_export_does_nothing(lead):
    from controls.tasks import render_export

    job = stuck_export(lead, status="queued")
    jobs.reap()
    render_export.delay(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and not job.file


def test_export_page_shows_an_overdue_export_as_failed_and_offers_a_retry(client_for, lead):
    job = stuck_export(lead)
    client = client_for(lead)
    page = client.get(f"/controls/exports/{job.pk}/").content.decode()
    assert "The export failed: The worker stopped before the job finished" in page
    assert f'action="/controls/exports/{job.pk}/retry/"' in page
    assert 'hx-trigger="every 1s"' not in page  # it stopped polling
    response = client.post(f"/controls/exports/{job.pk}/retry/")
    again = DocumentExport.objects.latest("created_at")
    assert again.pk != job.pk
    assert response.status_code == 302 and response.url == f"/controls/exports/{again.pk}/"
    assert (again.status, again.format, again.revision) == ("done", "pdf", None)
    job.refresh_from_db()
    assert job.status == "failed"  # the failure stays on record


def test_only_a_failed_export_is_tried_again(client_for, lead):
    job = controls_services.export_request(actor=lead, fmt="csv")
    assert job.status == "done"
    response = client_for(lead).post(f"/controls/exports/{job.pk}/retry/", follow=True)
    assert "Only a failed export can be tried again." in response.content.decode()
    assert DocumentExport.objects.count() == 1


def test_api_reads_an_overdue_export_as_failed_and_retries_it(client_for, lead):
    job = stuck_export(lead)
    client = client_for(lead)
    body = client.get(f"/api/v1/controls/exports/{job.pk}/").json()
    assert body["status"] == "failed"
    assert "The worker stopped" in body["error"]
    response = client.post(f"/api/v1/controls/exports/{job.pk}/retry/")
    assert response.status_code == 201
    again = response.json()
    assert again["id"] != job.pk and again["status"] == "done" and again["format"] == "pdf"
    assert again["download_url"].endswith(f"/api/v1/controls/exports/{again['id']}/download/")


def test_api_refuses_to_retry_an_export_that_did_not_fail(client_for, lead):
    job = controls_services.export_request(actor=lead, fmt="csv")
    response = client_for(lead).post(f"/api/v1/controls/exports/{job.pk}/retry/")
    assert response.status_code == 400
    assert "Only a failed export can be tried again." in str(response.json())


def test_bundle_page_shows_an_overdue_bundle_as_failed_and_builds_it_again(client_for, auditor):
    bundle = stuck_bundle(auditor)
    client = client_for(auditor)
    page = client.get(f"/integrity/bundles/{bundle.pk}/").content.decode()
    assert "The bundle could not be built:" in page and "The worker stopped" in page
    response = client.post(f"/integrity/bundles/{bundle.pk}/retry/")
    again = EvidenceBundle.objects.exclude(pk=bundle.pk).get()
    assert response.url == f"/integrity/bundles/{again.pk}/"
    assert again.status == "ready"


def test_integrity_page_ends_an_overdue_verification_and_verify_now_runs_again(client_for, auditor):
    stuck_run(auditor)
    services.checkpoint_create()  # so that the new run has a signed head to verify
    client = client_for(auditor)
    page = client.get("/integrity/").content.decode()
    assert "Verification running" not in page
    assert "The last verification could not finish:" in page
    assert "The worker stopped before the job finished" in page
    client.post("/integrity/verify/")
    assert VerificationRun.objects.first().status == VerificationRun.Status.OK


def test_a_job_that_raises_inline_is_failed_not_a_server_error(client_for, lead, monkeypatch):
    from controls import exports

    def broken(data):
        raise RuntimeError("disk full")

    monkeypatch.setitem(exports.RENDERERS, "csv", broken)
    response = client_for(lead).post("/controls/soa/export/", {"format": "csv"})
    job = DocumentExport.objects.get()
    assert response.status_code == 302 and response.url == f"/controls/exports/{job.pk}/"
    assert (job.status, job.error) == ("failed", "disk full")


def test_verification_start_queues_the_run_with_a_deadline(auditor, settings):
    services.checkpoint_create()
    run = job_start.verification_start(actor=auditor)
    assert run.status == VerificationRun.Status.OK  # inline: already finished
    bundle = job_start.bundle_request(actor=auditor)
    assert bundle.status == "ready"
    assert bundle.deadline is not None and run.deadline is not None


def test_job_limits_come_from_the_environment(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import aims_portal.settings as portal_settings

    monkeypatch.setenv("AIMS_JOB_TIME_LIMIT", "300")
    monkeypatch.setenv("AIMS_JOB_QUEUE_TIMEOUT", "120")
    try:
        reloaded = importlib.reload(portal_settings)
        assert reloaded.CELERY_TASK_TIME_LIMIT == 300
        assert reloaded.CELERY_TASK_SOFT_TIME_LIMIT == 270
        assert reloaded.JOB_QUEUE_TIMEOUT == 120
        assert reloaded.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 420
        monkeypatch.setenv("AIMS_JOB_TIME_LIMIT", "ten minutes")
        with pytest.raises(ImproperlyConfigured, match="AIMS_JOB_TIME_LIMIT"):
            importlib.reload(portal_settings)
    finally:
        monkeypatch.undo()
        importlib.reload(portal_settings)


def test_every_job_model_indexes_the_deadline_of_its_unfinished_rows():
    """The overdue sweep filters on deadline and the unfinished states: each job model has a
    partial index over exactly those rows (``jobs.unfinished_index``)."""
    models = jobs.job_models()
    assert len(models) >= 7
    for model in models:
        partial = [
            index
            for index in model._meta.indexes
            if index.fields == ["deadline"] and index.condition is not None
        ]
        assert len(partial) == 1, model
        [(lookup, states)] = partial[0].condition.children
        assert lookup == "status__in", model
        assert set(states) == set(model.job_states.unfinished), model
