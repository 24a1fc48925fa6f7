"""Cost of the ledger on every save: time per save with the ledger hook on and off.

    .venv/bin/python bench/ledger_save.py [--saves 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench .venv/bin/python \\
        bench/ledger_save.py

Uses a throw-away test database. Three write paths: the service every edit form and API
call goes through (record_update on a supplier: role check, optimistic lock, validation,
save, history row), the same on a risk whose linked systems change (a history row and its
link rows, appended under one lock each), and a bare model save (user.save(), history row).
Each is timed with the ledger's hooks connected and disconnected, alternating rounds; every
append is a Merkle append (hash chain and the tree nodes that end at the new leaf). Prints
the median per save and the ratio (target: at most 1.5x), then recomputes the tree from the
entries and checks the stored index gives the same root.
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
from simple_history.signals import (  # noqa: E402
    post_create_historical_m2m_records,
    post_create_historical_record,
)

from aims_portal.models import User  # noqa: E402
from aims_portal.services import record_create, record_update  # noqa: E402
from assessments.services import risk_create, risk_update  # noqa: E402
from integrity import selectors  # noqa: E402
from integrity import services as ledger  # noqa: E402
from integrity import verify_receipt as tlog  # noqa: E402
from integrity.models import LedgerEntry  # noqa: E402
from registry.models import AISystem, Supplier  # noqa: E402
from registry.services import ai_system_create  # noqa: E402

ROUNDS = 5
TICKS = os.sysconf("SC_CLK_TCK")


def backend_pid():
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            return None
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def cpu_now(backend):
    """CPU seconds of this process and of its PostgreSQL backend (a shared machine's wall
    time includes waiting for a core; CPU time does not)."""
    own = time.process_time()
    if backend is None:
        return own
    fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    return own + sum(int(value) for value in fields[11:13]) / TICKS


HOOKS = (
    (post_create_historical_record, ledger.history_row_created, "aims_ledger_history_row"),
    (
        post_create_historical_m2m_records,
        ledger.history_m2m_rows_created,
        "aims_ledger_history_m2m_rows",
    ),
)


def ledger_on(on):
    for signal, handler, uid in HOOKS:
        signal.disconnect(dispatch_uid=uid)
        if on:
            signal.connect(handler, dispatch_uid=uid)


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


def linked_saves(lead, risk, systems, n):
    """Risk edits that change its linked systems: one history row plus its link rows."""
    started = time.perf_counter()
    for i in range(n):
        risk = risk_update(
            risk,
            actor=lead,
            data={"systems": systems[: 1 + i % len(systems)], "description": f"Revision {i}"},
            expected_version=risk.version,
            reason="Benchmark edit",
        )
    return (time.perf_counter() - started) / n, risk


def tree_matches():
    """Recompute the Merkle root from the entries and compare it with the stored index."""
    tree = tlog.CompactRange()
    for chunk in selectors.entry_chunks():
        for e in chunk:
            text = tlog.entry_text(
                e["prev_hash"], e["kind"], e["covered_model"], e["covered_id"], e["content_hash"]
            )
            tree.append(tlog.leaf_hash(text))
    return tree.size, ledger.tree_head()[1] == tree.root()


def model_saves(user, n):
    started = time.perf_counter()
    for i in range(n):
        user.first_name = f"Bench {i}"
        user.save()
    return (time.perf_counter() - started) / n


def system_data(lead, n):
    return {
        "slug": f"bench-system-{n}",
        "name": f"Bench system {n}",
        "owner": lead,
        "contact": "owner@example.test",
        "purpose": "Benchmark",
        "data_sensitivity": AISystem.DataSensitivity.INTERNAL,
        "risk_tier": AISystem.RiskTier.LOW,
        "eu_ai_act_tier": AISystem.EUAIActTier.MINIMAL,
    }


def risk_data(lead, systems):
    return {
        "title": "Benchmark risk",
        "owner": lead,
        "systems": systems[:1],
        "inherent_likelihood": 3,
        "inherent_impact": 4,
        "treatment": "mitigate",
        "treatment_plan": "Filter outputs.",
        "residual_likelihood": 2,
        "residual_impact": 2,
    }


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
        systems = [ai_system_create(actor=lead, data=system_data(lead, n)) for n in range(3)]
        risk = risk_create(actor=lead, data=risk_data(lead, systems))
        user = User.objects.create_user("bench-user", password="x" * 16)
        paths = ("service", "linked", "model")
        per = {(path, on): [] for path in paths for on in (True, False)}
        _, supplier = service_saves(lead, supplier, 50)  # warm-up
        backend, cpu = backend_pid(), {(path, on): 0.0 for path in paths for on in (True, False)}
        for _ in range(ROUNDS):
            for on in (False, True):
                ledger_on(on)
                before = cpu_now(backend)
                seconds, supplier = service_saves(lead, supplier, args.saves)
                per[("service", on)].append(seconds)
                middle = cpu_now(backend)
                seconds, risk = linked_saves(lead, risk, systems, args.saves)
                per[("linked", on)].append(seconds)
                after = cpu_now(backend)
                per[("model", on)].append(model_saves(user, args.saves))
                last = cpu_now(backend)
                cpu[("service", on)] += middle - before
                cpu[("linked", on)] += after - middle
                cpu[("model", on)] += last - after
        ledger_on(True)
        print(f"database: {connection.vendor}, {args.saves} saves x {ROUNDS} rounds per case")
        print(f"{'wall time per save':<40}{'ledger off':>12}{'ledger on':>12}{'ratio':>8}")
        labels = {
            "service": "record_update (service)",
            "linked": "risk_update, links changed (service)",
            "model": "model.save()",
        }
        for path, label in labels.items():
            off = statistics.median(per[(path, False)]) * 1000
            on = statistics.median(per[(path, True)]) * 1000
            print(f"{label:<40}{off:>10.3f}ms{on:>10.3f}ms{on / off:>7.2f}x")
        print(f"{'CPU per save (portal + database)':<40}")
        for path, label in labels.items():
            off = cpu[(path, False)] / ROUNDS / args.saves * 1000
            on = cpu[(path, True)] / ROUNDS / args.saves * 1000
            print(f"{label:<40}{off:>10.3f}ms{on:>10.3f}ms{on / off:>7.2f}x")
        print(f"ledger entries written: {LedgerEntry.objects.count()} (target ratio <= 1.5x)")
        size, same = tree_matches()
        print(f"Merkle tree of {size} entries: stored index {'matches' if same else 'DIFFERS'}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
