"""Cost of the ledger on every save: time per save with the ledger hook on and off.

    .venv/bin/python bench/ledger_save.py [--saves 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench .venv/bin/python \\
        bench/ledger_save.py

Uses a throw-away test database. Two write paths: the service every edit form and API call
goes through (record_update on a supplier: role check, optimistic lock, validation, save,
history row) and a bare model save (user.save(), history row). Each is timed with the hook
connected and disconnected, alternating rounds; prints the median per save and the ratio
(target: at most 1.5x).
"""

import argparse
import os
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
from simple_history.signals import post_create_historical_record  # noqa: E402

from aims_portal.ledger import services as ledger  # noqa: E402
from aims_portal.ledger.models import LedgerEntry  # noqa: E402
from aims_portal.models import User  # noqa: E402
from aims_portal.services import record_create, record_update  # noqa: E402
from registry.models import Supplier  # noqa: E402

ROUNDS = 5


def ledger_on(on):
    post_create_historical_record.disconnect(dispatch_uid="aims_ledger_history_row")
    if on:
        post_create_historical_record.connect(
            ledger.history_row_created, dispatch_uid="aims_ledger_history_row"
        )


def service_saves(lead, supplier, n):
    started = time.perf_counter()
    for i in range(n):
        supplier = record_update(
            supplier,
            actor=lead,
            data={"services": f"Hosted API, revision {i}"},
            expected_version=supplier.version,
            reason="Benchmark edit",
        )
    return (time.perf_counter() - started) / n, supplier


def model_saves(user, n):
    started = time.perf_counter()
    for i in range(n):
        user.first_name = f"Bench {i}"
        user.save()
    return (time.perf_counter() - started) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=1000, help="saves per round")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        lead = User.objects.create_user("bench-lead", password="x" * 16)
        lead.groups.add(Group.objects.get_or_create(name="governance_lead")[0])
        supplier = record_create(
            Supplier, actor=lead, data={"name": "Bench supplier", "services": "API", "owner": lead}
        )
        user = User.objects.create_user("bench-user", password="x" * 16)
        per = {(path, on): [] for path in ("service", "model") for on in (True, False)}
        _, supplier = service_saves(lead, supplier, 50)  # warm-up
        for _ in range(ROUNDS):
            for on in (False, True):
                ledger_on(on)
                seconds, supplier = service_saves(lead, supplier, args.saves)
                per[("service", on)].append(seconds)
                per[("model", on)].append(model_saves(user, args.saves))
        ledger_on(True)
        print(f"database: {connection.vendor}, {args.saves} saves x {ROUNDS} rounds per case")
        print(f"{'write path':<34}{'ledger off':>12}{'ledger on':>12}{'ratio':>8}")
        for path, label in (("service", "record_update (service)"), ("model", "model.save()")):
            off = statistics.median(per[(path, False)]) * 1000
            on = statistics.median(per[(path, True)]) * 1000
            print(f"{label:<34}{off:>10.3f}ms{on:>10.3f}ms{on / off:>7.2f}x")
        print(f"ledger entries written: {LedgerEntry.objects.count()} (target ratio <= 1.5x)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
