"""Webhooks delivered by a real Celery worker on Redis to a local HTTP receiver: the
signature checks out, a failing receiver is tried again with back-off, and nothing is sent
twice."""

import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from aims_portal import comments
from aims_portal.models import WebhookDelivery, WebhookEndpoint

from . import factories
from .conftest import require_service
from .test_celery_worker import start_worker, stop_worker, wait_until_ready


class Receiver:
    """An HTTP server on a free port that records each POST and answers ``fail_first``
    times with 500 before answering 200 (``always_fail`` never succeeds)."""

    def __init__(self, fail_first=0, always_fail=False):
        self.requests = []
        self.fail_first, self.always_fail = fail_first, always_fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body, time.monotonic()))
                failing = receiver.always_fail or len(receiver.requests) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def webhook_worker(transactional_db):
    """A worker on this test's PostgreSQL database with a one-second back-off base."""
    require_service("DATABASE_URL", "PostgreSQL shared between the test and the worker")
    from aims_portal.celery import app

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    queue = f"test-hooks-{os.getpid()}"
    proc = start_worker(
        queue, DATABASE_URL=url, AIMS_WEBHOOK_RETRY_BASE="1", AIMS_WEBHOOK_MAX_ATTEMPTS="3"
    )
    saved = app.conf.task_routes
    route_tasks(app, {"aims_portal.*": {"queue": queue}})
    wait_until_ready(queue)
    yield queue
    route_tasks(app, saved)
    stop_worker(proc)


def route_tasks(app, routes):
    """Send this process's tasks by ``routes`` from now on. Celery builds its router at the
    process's first send and keeps it, with the table it read then: after an earlier test
    has sent anything, changing the setting alone leaves deliveries on the default queue."""
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def wait_for(condition, timeout=90):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.3)
    return False


def verified(endpoint, headers, body):
    expected = hmac.new(
        endpoint.secret.encode(),
        headers["X-AIMS-Timestamp"].encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    return hmac.compare_digest(headers["X-AIMS-Signature"], f"sha256={expected}")


def test_a_failing_receiver_is_retried_then_served_once(webhook_worker, make_user):
    from aims_portal import roles

    owner = make_user(roles.SYSTEM_OWNER, username="owner")
    make_user(roles.GOVERNANCE_LEAD, username="lead")
    flaky, broken = Receiver(fail_first=2), Receiver(always_fail=True)
    try:
        hooks = [
            WebhookEndpoint.objects.create(name=name, url=r.url, events=["mentioned"])
            for name, r in (("flaky", flaky), ("broken", broken))
        ]
        system = factories.ai_system(owner)
        comments.comment_create(system, actor=owner, body="@lead the sources changed")

        def settled():
            return not WebhookDelivery.objects.filter(status__in=["pending", "retrying"]).exists()

        assert wait_for(settled), list(WebhookDelivery.objects.values("status", "attempts"))
        delivered = WebhookDelivery.objects.get(endpoint=hooks[0])
        assert (delivered.status, delivered.attempts) == ("delivered", 3)
        failed = WebhookDelivery.objects.get(endpoint=hooks[1])
        assert (failed.status, failed.attempts) == ("failed", 3)
        assert len(broken.requests) == 3

        # Every attempt carries the same delivery id and a valid signature.
        assert len(flaky.requests) == 3
        for headers, body, _ in flaky.requests:
            assert verified(hooks[0], headers, body)
            assert headers["X-AIMS-Delivery"] == str(delivered.delivery_id)
            document = json.loads(body)
            assert document["event"] == "mentioned"
            assert document["delivery_id"] == str(delivered.delivery_id)
            assert document["recipients"] == ["lead"]
        # Back-off: the waits grow (1 s, then 2 s).
        times = [at for _, _, at in flaky.requests]
        assert times[2] - times[1] > times[1] - times[0] >= 0.9

        # Nothing is sent twice: the task run again, and the same event raised again.
        from aims_portal.webhooks import deliver_webhook, queue

        deliver_webhook.apply_async(args=[delivered.pk], queue=webhook_worker).get(timeout=60)
        assert queue("mentioned", delivered.event_key, {"title": "again"}) == []
        time.sleep(2)
        assert len(flaky.requests) == 3
        assert WebhookDelivery.objects.count() == 2
    finally:
        flaky.close()
        broken.close()
