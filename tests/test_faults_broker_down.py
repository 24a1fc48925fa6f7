"""Fault injection: the Celery broker is down (its port closed) or hung (it accepts and never
answers). Every request that queues a job answers within 2 s with a clear message (a page
message; a JSON 503 from the API), and no job is left queued: it is marked failed with the
reason. Nothing here needs Redis: the point is its absence."""

import time

import pytest

from controls.models import DocumentExport
from integrity.models import EvidenceBundle, VerificationRun

from .faults import broker_down, unfinished_jobs  # noqa: F401  (fixture)
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("broker_down"),
]

BUDGET = 2.0  # seconds
MESSAGE = "The task queue is not reachable, so this job could not start"


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    elapsed = time.monotonic() - started
    print(f"{args[0]} answered in {elapsed:.2f} s")
    assert elapsed < BUDGET, f"answered in {elapsed:.2f} s"
    return response


def test_soa_export_page_says_the_queue_is_down(client_for, lead):
    client = client_for(lead)
    response = timed(client.post, "/controls/soa/export/", {"format": "pdf"})
    assert response.status_code == 302 and response.url == "/controls/soa/"
    page = client.get(response.url).content.decode()
    assert f"The export could not start. {MESSAGE}" in page
    job = DocumentExport.objects.get()
    assert job.status == "failed" and job.error.startswith(MESSAGE)
    assert unfinished_jobs() == []


def test_export_api_answers_503_json(client_for, lead):
    response = timed(client_for(lead).post, "/api/v1/controls/exports/", {"format": "pdf"})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "60"
    assert response.json()["detail"].startswith(MESSAGE)
    assert DocumentExport.objects.get().status == "failed"
    assert unfinished_jobs() == []


def test_verify_now_says_the_queue_is_down(client_for, auditor):
    client = client_for(auditor)
    response = timed(client.post, "/integrity/verify/")
    assert response.status_code == 302
    page = client.get("/integrity/").content.decode()
    assert f"Verification could not start. {MESSAGE}" in page
    assert "Verification running" not in page and "Verification queued" not in page
    assert "The last verification could not finish:" in page
    run = VerificationRun.objects.get()
    assert run.status == VerificationRun.Status.ERROR and run.error.startswith(MESSAGE)
    assert unfinished_jobs() == []


def test_bundle_building_says_the_queue_is_down(client_for, auditor, lead):
    from . import factories

    factories.supplier(lead)  # an area with records
    client = client_for(auditor)
    response = timed(client.post, "/integrity/bundles/new/", {"area": ""})
    assert response.status_code == 302 and response.url == "/integrity/"
    page = client.get("/integrity/").content.decode()
    assert f"The bundle could not be started. {MESSAGE}" in page
    bundle = EvidenceBundle.objects.get()
    assert bundle.status == "failed" and bundle.error.startswith(MESSAGE)
    assert unfinished_jobs() == []


def test_retrying_while_the_queue_is_down_fails_fast_too(client_for, lead):
    client = client_for(lead)
    client.post("/controls/soa/export/", {"format": "csv"})
    first = DocumentExport.objects.get()
    response = timed(client.post, f"/controls/exports/{first.pk}/retry/")
    assert response.url == f"/controls/exports/{first.pk}/"
    assert MESSAGE in client.get(response.url).content.decode()
    api = timed(client.post, f"/api/v1/controls/exports/{first.pk}/retry/")
    assert api.status_code == 503
    assert sorted(DocumentExport.objects.values_list("status", flat=True)) == ["failed"] * 3
    assert unfinished_jobs() == []
