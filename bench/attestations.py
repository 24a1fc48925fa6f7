"""Throughput of the attestation API: attestations per second, one per call and in batches.

    .venv/bin/python bench/attestations.py [--single 500] [--batches 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench_att .venv/bin/python \\
        bench/attestations.py

Uses a throw-away test database. Every request goes through the whole stack a gateway
meets (Django middleware, DRF, attestation token authentication, validation, the insert and
the ledger append) but not a network: the Django test client calls the app in-process.
Prints, per mode, the median time of one call, attestations/s at that median (steadier on a
busy machine) and attestations/s over the whole run; then the CPU time one call took, in
this process (client, Django, the services) and in its PostgreSQL backend, and the
attestations/s that CPU time allows: on a shared machine the wall time also counts the
waits for a core, the CPU time does not. Then how long a full verification of the
resulting chain takes. ``--keepdb`` keeps the test database between runs (no migrations).
"""

import argparse
import datetime
import hashlib
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from aims_portal.models import User  # noqa: E402
from integrity import services as ledger  # noqa: E402
from integrity.attestations import attestation_token_create  # noqa: E402
from integrity.models import Attestation, LedgerEntry  # noqa: E402
from registry import services as registry  # noqa: E402
from registry.models import AISystem  # noqa: E402

URL = "/api/v1/registry/attestations/"


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


class Items:
    """Distinct attestation bodies, as a gateway would send them."""

    def __init__(self, system, version):
        self.system, self.version, self.n = system, version, 0

    def next(self):
        self.n += 1
        return {
            "system": self.system.slug,
            "model_version": self.version.pk,
            "input_sha256": digest(f"prompt {self.n}"),
            "output_sha256": digest(f"response {self.n}"),
            "decision": "allowed",
            "metadata": {"request_id": f"req-{self.n}", "latency_ms": self.n % 900, "region": "eu"},
        }

    def batch(self, size):
        return [self.next() for _ in range(size)]


TICKS = os.sysconf("SC_CLK_TCK")


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu():
    """CPU seconds of this connection's PostgreSQL backend (0 elsewhere)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:13]) / TICKS


def run(client, calls, body):
    """(attestations, seconds, per-call times, CPU seconds here, CPU seconds in the
    database) for ``calls`` POSTs built by ``body()``."""
    times, count = [], 0
    cpu, db_cpu = own_cpu(), backend_cpu()
    started = time.perf_counter()
    for _ in range(calls):
        url, payload, size = body()
        t0 = time.perf_counter()
        response = client.post(url, payload, format="json")
        times.append(time.perf_counter() - t0)
        if response.status_code != 201:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]}")
        count += size
    seconds = time.perf_counter() - started
    return count, seconds, times, own_cpu() - cpu, backend_cpu() - db_cpu


def setup(fresh=True):
    if not fresh:  # a kept database: a new token, and bodies not sent before
        admin = User.objects.get(username="bench-admin")
        system = AISystem.objects.get(slug="bench-gateway")
        version = system.model_versions.get(label="v1")
        items = Items(system, version)
        items.n = Attestation.objects.count()
        return client_for(admin, system), items
    admin = User.objects.create_user("bench-admin", password="x" * 16, is_superuser=True)
    lead = User.objects.create_user("bench-lead", password="x" * 16)
    lead.groups.add(Group.objects.get_or_create(name="governance_lead")[0])
    system = registry.ai_system_create(
        actor=lead,
        data={
            "slug": "bench-gateway",
            "name": "Bench gateway",
            "owner": lead,
            "contact": "bench@example.test",
            "purpose": "Benchmark",
            "data_sensitivity": "internal",
            "risk_tier": "low",
            "eu_ai_act_tier": "minimal",
        },
    )
    version = registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v1",
            "deployed_at": timezone.now() - datetime.timedelta(days=1),
        },
    )
    return client_for(admin, system), Items(system, version)


def client_for(admin, system):
    _, key = attestation_token_create(actor=admin, system=system, name="Bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=500, help="single calls")
    parser.add_argument("--batches", type=int, default=20, help="calls per batch size")
    parser.add_argument("--keepdb", action="store_true", help="keep the test database")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=not args.keepdb, keepdb=args.keepdb, serialize=False
    )
    try:
        client, items = setup(fresh=not User.objects.filter(username="bench-admin").exists())
        run(client, 20, lambda: (URL, items.next(), 1))  # warm-up
        modes = [
            ("single call", args.single, lambda: (URL, items.next(), 1)),
            *[
                (
                    f"batch of {size}",
                    max(2, args.batches * 100 // size),
                    lambda size=size: (URL + "batch/", {"attestations": items.batch(size)}, size),
                )
                for size in (10, 100, 1000)
            ],
        ]
        print(f"database: {connection.vendor}")
        print(
            f"{'mode':<16}{'calls':>7}{'attestations':>14}{'median call':>13}"
            f"{'/s at median':>14}{'/s overall':>12}{'CPU/call':>10}{'DB CPU':>9}"
            f"{'/s by CPU':>11}"
        )
        for label, calls, body in modes:
            count, seconds, times, cpu, db_cpu = run(client, calls, body)
            median = statistics.median(times)
            print(
                f"{label:<16}{calls:>7}{count:>14}{median * 1000:>11.2f}ms"
                f"{count / calls / median:>14.0f}{count / seconds:>12.0f}"
                f"{cpu / calls * 1000:>8.1f}ms{db_cpu / calls * 1000:>7.1f}ms"
                f"{count / (cpu + db_cpu):>11.0f}"
            )
        print(f"load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        ledger.checkpoint_create()  # a log without one fails verification
        started = time.perf_counter()
        checker = ledger.chain_check()
        seconds = time.perf_counter() - started
        print(
            f"ledger: {LedgerEntry.objects.count()} entries "
            f"({Attestation.objects.count()} attestations), full verification {seconds:.2f}s, "
            f"{'intact' if not checker.problems else f'{len(checker.problems)} problem(s)'}"
        )
    finally:
        if args.keepdb:
            connection.close()
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
