"""Verify a ledger of 1,000,000 entries on PostgreSQL: time and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench .venv/bin/python \\
        bench/ledger_verify.py [--entries 1000000] [--chunk 5000]

Creates a throw-away test database (test_<name>), seeds user history rows and their ledger
entries with COPY, signs a checkpoint, then runs the verification in a fresh child process
and prints its wall time and peak resident memory (the child's ru_maxrss).
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aims_portal.ledger import selectors, services  # noqa: E402
from aims_portal.ledger.canonical import canonical_row, row_spec  # noqa: E402
from aims_portal.ledger.models import LedgerEntry  # noqa: E402
from aims_portal.ledger.verify_bundle import content_hash, entry_hash  # noqa: E402
from aims_portal.models import User  # noqa: E402

HISTORY = User.history.model
LABEL = HISTORY._meta.label_lower
BATCH = 50_000


def seed(total):
    """History rows and entries, made from one real row, streamed into COPY."""
    template = User.objects.create_user("bench-template", password="x" * 16)
    names, _ = row_spec(HISTORY)
    base = list(HISTORY.objects.filter(id=template.pk).values_list(*names).get())
    hid, first = names.index("history_id"), names.index("first_name")
    # Start from an empty ledger: drop the history that migrations and set-up wrote too.
    LedgerEntry.objects.all().delete()
    for model in selectors.historical_models():
        model.objects.all().delete()
    columns = [HISTORY._meta.get_field(n).column for n in names]
    prev = "0" * 64
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        history_sql = f"COPY {HISTORY._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        entry_sql = (
            f"COPY {LedgerEntry._meta.db_table} (sequence, kind, covered_model, covered_id, "
            "content_hash, prev_hash, entry_hash) FROM STDIN"
        )
        for batch_start in range(1, total + 1, BATCH):
            rows, entries = [], []
            for i in range(batch_start, min(total, batch_start + BATCH - 1) + 1):
                values = list(base)
                values[hid] = i
                values[first] = f"Name {i}"
                rows.append(values)
                digest = content_hash(canonical_row(HISTORY, values))
                this = entry_hash(prev, "history", LABEL, i, digest)
                entries.append((i, "history", LABEL, i, digest, prev, this))
                prev = this
            for sql, batch in ((history_sql, rows), (entry_sql, entries)):
                with raw.copy(sql) as copy:
                    for row in batch:
                        copy.write_row(row)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{HISTORY._meta.db_table}', 'history_id'), %s)",
            [total],
        )
        # What autovacuum does after a bulk load; without it the planner guesses blind.
        cursor.execute(f"ANALYZE {HISTORY._meta.db_table}")
        cursor.execute(f"ANALYZE {LedgerEntry._meta.db_table}")
    services.checkpoint_create()
    return time.perf_counter() - started


def verify_child(chunk):
    started = time.perf_counter()
    checker = services.chain_check(chunk_size=chunk)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{checker.entries} {len(checker.problems)} {elapsed:.2f} {peak_mb:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        verify_child(args.chunk)
        return
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: this bench measures PostgreSQL.")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    test_name = connection.settings_dict["NAME"]
    try:
        seconds = seed(args.entries)
        print(f"seeded {args.entries} history rows + ledger entries in {seconds:.1f} s")
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{test_name}"
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--chunk", str(args.chunk)],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        entries, problems, elapsed, peak = out[-4:]
        print(f"{'entries verified':<28}{entries:>12}")
        print(f"{'problems found':<28}{problems:>12}")
        print(f"{'verification time (s)':<28}{elapsed:>12}  (target < 30)")
        print(f"{'peak memory (MB, RSS)':<28}{peak:>12}  (target < 300)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
