"""Verify a ledger of 1,000,000 entries on PostgreSQL: time and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench .venv/bin/python \\
        bench/ledger_verify.py [--entries 1000000] [--chunk 5000]

Creates a throw-away test database (test_<name>), seeds user history rows and their ledger
entries with COPY (hash chain and Merkle tree index, as ``services`` appends them), signs a
checkpoint, then runs the whole verification (``services.chain_check``: chain, tree against
the checkpoint, every covered row, current state) in a fresh child process and prints its
wall time and peak resident memory (the child's ru_maxrss). ``--profile`` runs the child
under cProfile and prints where the time goes (the functions with the most own time, and
the most cumulative time); the profiler itself slows the run.
"""

import argparse
import cProfile
import hashlib
import os
import pstats
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

from aims_portal.models import User  # noqa: E402
from integrity import selectors, services  # noqa: E402
from integrity import verify_receipt as tlog  # noqa: E402
from integrity.canonical import canonical_row, row_spec  # noqa: E402
from integrity.models import LedgerEntry  # noqa: E402
from integrity.verify_bundle import content_hash  # noqa: E402

HISTORY = User.history.model
LABEL = HISTORY._meta.label_lower
BATCH = 50_000


def seed(total):
    """History rows and entries, made from one real row, streamed into COPY after what the
    migrations and set-up wrote (reference data stays in the log and is verified too)."""
    template = User.objects.create_user("bench-template", password="x" * 16)
    names, _ = row_spec(HISTORY)
    base = list(HISTORY.objects.filter(id=template.pk).values_list(*names).get())
    hid, first = names.index("history_id"), names.index("first_name")
    tree = tlog.CompactRange()
    for chunk in selectors.entry_chunks():
        for e in chunk:
            text = tlog.entry_text(
                e["prev_hash"], e["kind"], e["covered_model"], e["covered_id"], e["content_hash"]
            )
            tree.append(tlog.leaf_hash(text))
    head = selectors.head()
    sequence, prev = head["sequence"], head["entry_hash"]
    first_id = HISTORY.objects.order_by("-history_id").values_list("history_id", flat=True)[0]
    columns = [HISTORY._meta.get_field(n).column for n in names]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        history_sql = f"COPY {HISTORY._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        entry_sql = (
            f"COPY {LedgerEntry._meta.db_table} (sequence, kind, covered_model, covered_id, "
            "content_hash, prev_hash, entry_hash, tree_nodes) FROM STDIN"
        )
        for batch_start in range(1, total + 1, BATCH):
            rows, entries = [], []
            for i in range(batch_start, min(total, batch_start + BATCH - 1) + 1):
                values = list(base)
                values[hid] = history_id = first_id + i
                values[first] = f"Name {i}"
                rows.append(values)
                digest = content_hash(canonical_row(HISTORY, values))
                text = tlog.entry_text(prev, "history", LABEL, history_id, digest)
                this = hashlib.sha256(text).hexdigest()
                nodes = b"".join(tree.append(tlog.leaf_hash(text)))
                sequence += 1
                entries.append((sequence, "history", LABEL, history_id, digest, prev, this, nodes))
                prev = this
            for sql, batch in ((history_sql, rows), (entry_sql, entries)):
                with raw.copy(sql) as copy:
                    for row in batch:
                        copy.write_row(row)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{HISTORY._meta.db_table}', 'history_id'), %s)",
            [first_id + total],
        )
        # The live user as its latest version has it, so the current-state check agrees.
        User.objects.filter(pk=template.pk).update(first_name=f"Name {total}")
        # What autovacuum does after a bulk load; without it the planner guesses blind.
        cursor.execute(f"ANALYZE {HISTORY._meta.db_table}")
        cursor.execute(f"ANALYZE {LedgerEntry._meta.db_table}")
    services.checkpoint_create()
    return time.perf_counter() - started


TICKS = os.sysconf("SC_CLK_TCK")


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid):
    """CPU seconds of another process on this machine (the PostgreSQL backend)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:13]) / TICKS


def verify_child(chunk, profile=False):
    profiler = cProfile.Profile() if profile else None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu_before, db_before = own_cpu(), process_cpu(backend)
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    checker = services.chain_check(chunk_size=chunk)
    elapsed = time.perf_counter() - started
    cpu, db_cpu = own_cpu() - cpu_before, process_cpu(backend) - db_before
    if profiler:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for problem in checker.problems[:3]:
        print(problem, file=sys.stderr)
    figures = (checker.entries, len(checker.problems), f"{elapsed:.2f}", f"{peak_mb:.0f}")
    print(*figures, f"{cpu:.2f}", f"{db_cpu:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        verify_child(args.chunk, args.profile)
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
        child = [sys.executable, __file__, "--child", "--chunk", str(args.chunk)]
        done = subprocess.run(
            child + (["--profile"] if args.profile else []),
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=True,
        )
        print(done.stderr)
        out = done.stdout.split()
        entries, problems, elapsed, peak, cpu, db_cpu = out[-6:]
        print(f"{'entries verified':<28}{entries:>12}")
        print(f"{'problems found':<28}{problems:>12}")
        print(f"{'verification time (s)':<28}{elapsed:>12}  (target < 30)")
        print(f"{'peak memory (MB, RSS)':<28}{peak:>12}  (target < 300)")
        # On a shared machine the wall time includes waiting for a core: CPU time does not.
        print(f"{'CPU time, verifier (s)':<28}{cpu:>12}")
        print(f"{'CPU time, PostgreSQL (s)':<28}{db_cpu:>12}")
        print(
            f"{'load average at the end':<28}{os.getloadavg()[0]:>12.1f}  ({os.cpu_count()} cores)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
