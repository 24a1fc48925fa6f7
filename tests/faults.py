"""Fault injection helpers: a broker that is not there (a closed port) or that never answers
(a socket that accepts and stays silent), and a count of jobs left unfinished."""

import socket
import threading
from contextlib import contextmanager

import pytest

from aims_portal import jobs


def closed_port():
    """A local TCP port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def silent_server():
    """A TCP server that accepts connections and never answers (a hung broker)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


def _reset_pools(app):
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url):
    """Publish tasks for real (not inline) to the broker at ``url``."""
    from aims_portal.celery import app

    # The write URL: CELERY_BROKER_URL in the environment (as in CI) outranks broker_url.
    saved = app.conf.task_always_eager, app.conf.get("broker_write_url")
    app.conf.task_always_eager = False
    app.conf.broker_write_url = url
    _reset_pools(app)
    try:
        target = app.connection_for_write()
        assert (target.hostname, target.port) == ("127.0.0.1", int(url.split(":")[2].split("/")[0]))
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_write_url = saved
        _reset_pools(app)


@pytest.fixture(params=["refused", "silent"])
def broker_down(request):
    """The broker is down (port closed) or hung (accepts, never answers)."""
    if request.param == "refused":
        with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
            yield request.param
    else:
        with silent_server() as port, broker_at(f"redis://127.0.0.1:{port}/0"):
            yield request.param


def unfinished_jobs():
    """Every job row still queued or running, across every job model."""
    return [
        job
        for model in jobs.job_models()
        for job in model.objects.filter(status__in=model.job_states.unfinished)
    ]
