"""Current-state verification at scale: live rows compared with their latest version per second.

    .venv/bin/python bench/current_state.py [--rows 100000] [--chunk 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench .venv/bin/python \\
        bench/current_state.py

Uses a throw-away test database. Seeds ``--rows`` risks, each with one linked AI system, one
history row, one link-history row and their ledger entries (bulk inserts copied from one risk
made through the service), then times, each in a fresh child process with its peak memory:
the online check (``check_current_state``) and the bundle's live rows (``current_rows``)
merge-joined offline with the history rows (``verify_current.check_streams``). Prints wall
time and the child's CPU time, with rows per second for each.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")
if not os.environ.get("DATABASE_URL"):
    # SQLite: a scratch data folder (its aims.sqlite3), shared with the child processes.
    os.environ.setdefault("AIMS_BENCH_DIR", tempfile.mkdtemp(prefix="aims-bench-"))
    os.environ["AIMS_DATA_DIR"] = os.environ["AIMS_BENCH_DIR"]

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aims_portal import roles  # noqa: E402
from assessments.models import Risk  # noqa: E402
from integrity import current_bundle, selectors, services, verify_current  # noqa: E402
from integrity.canonical import canonical_instance  # noqa: E402
from integrity.current_state import check_current_state  # noqa: E402

BATCH = 5000


def seed(total):
    from tests import factories

    lead = factories.UserFactory(role=roles.GOVERNANCE_LEAD, username="bench-lead")
    system = factories.ai_system(lead)
    template = factories.risk(lead, systems=[system])
    history, links = Risk.history.model, Risk.history.model.systems.model
    through = Risk.systems.through
    names = [f.attname for f in Risk._meta.concrete_fields]
    base = {n: getattr(template, n) for n in names}
    version = history.objects.get(id=template.pk)
    meta = {
        "history_date": version.history_date,
        "history_type": "+",
        "history_user_id": lead.pk,
        "history_change_reason": "Created",
    }
    started = time.perf_counter()
    first = template.pk + 1
    for start in range(first, first + total - 1, BATCH):
        ids = range(start, min(first + total - 1, start + BATCH))
        with transaction.atomic():
            rows = [
                Risk(**{**base, "id": i, "reference": f"RISK-B{i}", "title": f"T {i}"}) for i in ids
            ]
            Risk.objects.bulk_create(rows)
            versions = history.objects.bulk_create(
                history(**{n: getattr(r, n) for n in names}, **meta) for r in rows
            )
            through.objects.bulk_create(through(risk_id=i, aisystem_id=system.pk) for i in ids)
            made = through.objects.filter(risk_id__in=ids).values_list("pk", "risk_id")
            by_risk = {v.id: v.history_id for v in versions}
            kept = links.objects.bulk_create(
                links(id=pk, risk_id=risk, aisystem_id=system.pk, history_id=by_risk[risk])
                for pk, risk in made
            )
            for table in (versions, kept):
                services.append_rows(
                    "history",
                    table[0]._meta.label_lower,
                    [(r.pk, canonical_instance(r)) for r in table],
                )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Risk, history, links, through):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
            cursor.execute("ANALYZE aims_portal_ledgerentry")
    return time.perf_counter() - started


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(what, chunk):
    problems = []
    started, cpu = time.perf_counter(), cpu_seconds()
    if what == "online":
        stats = check_current_state(problems.append, chunk_size=chunk)
        rows = stats.rows
    else:
        history_rows = (
            {
                "sequence": e["sequence"],
                "model": e["covered_model"],
                "id": e["covered_id"],
                "row": row,
            }
            for chunk_ in selectors.entry_chunks(5000)
            for e, row in _rows(chunk_)
        )
        checker = verify_current.check_streams(history_rows, current_bundle.current_rows(""))
        problems = checker.problems
        rows = checker.rows_checked
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(f"{rows} {len(problems)} {elapsed:.2f} {cpu:.2f} {peak_mb():.0f}")


def _rows(chunk):
    wanted = {}
    for entry in chunk:
        wanted.setdefault(entry["covered_model"], []).append(entry["covered_id"])
    found = {label: selectors.canonical_rows(label, ids) for label, ids in wanted.items()}
    for entry in chunk:
        row = found[entry["covered_model"]].get(entry["covered_id"])
        if row is not None:
            yield entry, row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--child", choices=["online", "offline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.chunk)
        return
    setup_test_environment()
    env = dict(os.environ)
    if connection.vendor == "postgresql":
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        test_name = connection.settings_dict["NAME"]
        env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{test_name}"
    else:
        call_command("migrate", verbosity=0)
    try:
        seconds = seed(args.rows)
        print(f"{connection.vendor}: seeded {args.rows} risks with links in {seconds:.1f} s")
        connection.close()
        for what, label in (
            ("online", "check_current_state"),
            ("offline", "bundle rows + offline"),
        ):
            out = subprocess.run(
                [sys.executable, __file__, "--child", what, "--chunk", str(args.chunk)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            rows, problems, elapsed, cpu, peak = out[-5:]
            rate = int(rows) / float(elapsed)
            # CPU seconds of this process (and, on SQLite, of the database): the figure that
            # holds on a machine whose cores other work is sharing.
            print(
                f"{label:<24} {rows:>8} rows  {problems} problems  {elapsed:>7} s wall "
                f"({rate:,.0f} rows/s)  {cpu} s CPU ({int(rows) / float(cpu):,.0f} rows/s)  "
                f"peak {peak} MB"
            )
    finally:
        if connection.vendor == "postgresql":
            connection.creation.destroy_test_db(old_name, verbosity=0)
        else:
            shutil.rmtree(os.environ["AIMS_BENCH_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
