"""A real Celery worker, on the Redis broker, picks up a task and returns its result."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .conftest import require_service

ROOT = Path(__file__).resolve().parent.parent


def start_worker(queue, **extra_env):
    broker = require_service("CELERY_BROKER_URL", "the Redis broker")
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DJANGO_ENV": "test", **extra_env}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aims_portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return proc


def wait_until_ready(queue, timeout=240):
    """Block until the worker on ``queue`` has run a task: a loaded machine can take a
    minute to start one, and a test's own deadlines should not include that."""
    from aims_portal.tasks import ping

    assert ping.apply_async(args=["ready"], queue=queue).get(timeout=timeout)["pong"]


def stop_worker(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def worker():
    queue = f"test-{os.getpid()}"
    proc = start_worker(queue)
    yield queue
    stop_worker(proc)


@pytest.fixture
def db_worker(transactional_db, tmp_path):
    """A worker that reads and writes this test's database (PostgreSQL) and writes the
    e-mails it sends as files under tmp_path."""
    require_service("DATABASE_URL", "PostgreSQL shared between the test and the worker")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    queue = f"test-db-{os.getpid()}"
    proc = start_worker(
        queue,
        DATABASE_URL=url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    yield queue, tmp_path / "mail"
    stop_worker(proc)


def test_settings_use_the_broker_when_configured():
    require_service("CELERY_BROKER_URL", "the Redis broker")
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def test_worker_runs_a_task_through_redis(worker):
    from aims_portal.tasks import ping

    started = time.monotonic()
    result = ping.apply_async(args=["hello"], queue=worker)
    assert result.get(timeout=60) == {"pong": True, "echo": "hello"}
    assert result.successful()
    assert time.monotonic() - started < 60


def test_reminder_sent_once_when_the_worker_runs_the_task_twice(db_worker, make_user):
    from aims_portal.models import Notification
    from aims_portal.tasks import send_reminders

    queue, mail_dir = db_worker
    make_user("auditor", username="ext", access_until=timezone.now() + timedelta(days=2))
    first = send_reminders.apply_async(queue=queue).get(timeout=60)
    second = send_reminders.apply_async(queue=queue).get(timeout=60)
    assert (first, second) == (1, 0)
    assert Notification.objects.filter(user__username="ext").count() == 1
    sent = [f.read_text() for f in mail_dir.iterdir()]
    assert (
        sum(text.count("Subject: [AIMS portal] Your portal access ends soon") for text in sent) == 1
    )
