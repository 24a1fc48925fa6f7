"""Fault injection: PostgreSQL terminates the app's database connections (pg_terminate_backend)
while gunicorn is serving requests. No request answers 5xx: one caught mid-query is answered
again on a fresh connection when nothing it did had committed (aims_portal/db_retry.py); the
requests after it succeed because persistent connections are health-checked before reuse
(CONN_HEALTH_CHECKS); nothing is created twice and the ledger still verifies."""

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection

from integrity.services import chain_check, checkpoint_create
from registry.models import Supplier

from .live import database_url, session_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
PARALLEL = 20


def terminate_app_connections():
    """Terminate every connection to this database but the test's own; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ours = cursor.fetchone()[0]
    with psycopg.connect(database_url(), autocommit=True) as killer:
        rows = killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [ours],
        ).fetchall()
    return sum(1 for (done,) in rows if done)


def test_requests_after_terminated_connections_succeed(gunicorn, lead):
    sessions = [session_for(gunicorn, lead) for _ in range(PARALLEL)]
    created = iter(range(10_000))

    def request(n):
        session = sessions[n]
        kind = n % 4
        if kind == 0:
            response = session.get(f"{gunicorn}/api/v1/registry/systems/", timeout=60)
        elif kind == 1:
            response = session.get(f"{gunicorn}/assessments/risks/", timeout=60)
        elif kind == 2:
            response = session.get(f"{gunicorn}/", timeout=60)
        else:
            body = {"name": f"Supplier {next(created)}", "services": "Hosting", "owner": lead.pk}
            response = session.post(f"{gunicorn}/api/v1/registry/suppliers/", json=body, timeout=60)
        return response.status_code

    def burst():
        with ThreadPoolExecutor(PARALLEL) as pool:
            return list(pool.map(request, range(PARALLEL)))

    warm = burst()  # every gunicorn thread now holds a persistent connection
    assert all(status < 400 for status in warm), warm

    during, after, terminated = [], [], 0
    for _ in range(ROUNDS):
        with ThreadPoolExecutor(PARALLEL + 1) as pool:
            flying = [pool.submit(request, n) for n in range(PARALLEL)]
            time.sleep(0.05)  # some requests are mid-query now
            terminated += terminate_app_connections()
            during += [f.result() for f in flying]
        after += burst()  # the next requests, on the connections just terminated

    print(
        f"terminated {terminated} connections over {ROUNDS} rounds; "
        f"5xx during: {sum(s >= 500 for s in during)} of {len(during)}, "
        f"5xx after: {sum(s >= 500 for s in after)} of {len(after)}"
    )
    assert terminated >= ROUNDS * 2  # the fault really happened
    assert [s for s in during if s >= 500] == []  # requests caught mid-query answered again
    assert [s for s in after if s >= 400] == []  # no error loop: the next requests succeed
    # Every supplier a 201 announced exists; interrupted creates left nothing half-written.
    statuses = warm + during + after
    announced = sum(1 for n, s in enumerate(statuses) if n % PARALLEL % 4 == 3 and s == 201)
    assert Supplier.objects.count() == announced  # none lost, none made twice
    connection.close()
    checkpoint_create()
    assert chain_check().problems == []
