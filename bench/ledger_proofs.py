"""Proofs and checkpoints on a large log: inclusion proof generation, proof verification,
and the cost of signing and time-stamping a checkpoint, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench .venv/bin/python \\
        bench/ledger_proofs.py [--leaves 10000000] [--proofs 2000] [--checkpoints 20]

Creates a throw-away test database (test_<name>) and seeds ``--leaves`` ledger entries with
COPY: a valid hash chain and a valid tree index (each entry's ``tree_nodes`` computed with
``verify_receipt.CompactRange``, as ``services`` appends them). No history rows are written:
proofs and checkpoints read only the ledger table. Then it measures, for random leaves:

- ``services.inclusion_proof(index)``: wall time per proof (target < 5 ms), over random
  leaves, then over the same leaves again (database pages cached);
- ``verify_receipt.verify_inclusion`` plus the Ed25519 signature check of the checkpoint
  the proof is against (``open_checkpoint``): wall time per verification (target < 2 ms);
- ``services.checkpoint_create`` with the local TSA (started here): CPU seconds per
  checkpoint of this process, of the PostgreSQL backend serving it and of the TSA with its
  openssl runs, as a share of one core at one checkpoint a minute (target < 1 %).

Every proof is checked against the tree's root, so a wrong index would fail the run.
"""

import argparse
import hashlib
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from integrity import local_tsa, services, signing  # noqa: E402
from integrity import verify_receipt as tlog  # noqa: E402
from integrity.models import Checkpoint, LedgerEntry  # noqa: E402

LABEL = "aims_portal.historicaluser"
BATCH = 100_000
TICKS = os.sysconf("SC_CLK_TCK")


def seed(total):
    """``total`` entries with a valid chain and tree index, streamed into COPY."""
    LedgerEntry.objects.all().delete()
    tree, prev = tlog.CompactRange(), "0" * 64
    started = time.perf_counter()
    sql = (
        f"COPY {LedgerEntry._meta.db_table} (sequence, kind, covered_model, covered_id, "
        "content_hash, prev_hash, entry_hash, tree_nodes) FROM STDIN"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for batch_start in range(1, total + 1, BATCH):
            with raw.copy(sql) as copy:
                for sequence in range(batch_start, min(total, batch_start + BATCH - 1) + 1):
                    content = hashlib.sha256(b"row %d" % sequence).hexdigest()
                    text = tlog.entry_text(prev, "history", LABEL, sequence, content)
                    this = hashlib.sha256(text).hexdigest()
                    nodes = b"".join(tree.append(tlog.leaf_hash(text)))
                    row = (sequence, "history", LABEL, sequence, content, prev, this, nodes)
                    copy.write_row(row)
                    prev = this
            done = min(total, batch_start + BATCH - 1)
            if done % 1_000_000 == 0:
                print(f"  {done:>12,} entries", flush=True)
        cursor.execute(f"ANALYZE {LedgerEntry._meta.db_table}")
    return time.perf_counter() - started, tree.root()


def leaf_of(sequence):
    """The leaf hash of entry ``sequence``, read back from the table."""
    e = LedgerEntry.objects.get(sequence=sequence)
    return tlog.leaf_hash(
        tlog.entry_text(e.prev_hash, e.kind, e.covered_model, e.covered_id, e.content_hash)
    )


def ms(values):
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms"


def proofs(total, count, expected_root):
    rng = random.Random(42)
    indices = [rng.randrange(total) for _ in range(count)]
    leaves = {index: leaf_of(index + 1) for index in indices}
    services.inclusion_proof(0)  # warm-up: connection, imports
    made, timings = [], []
    for index in indices:
        started = time.perf_counter()
        size, root, proof = services.inclusion_proof(index)
        timings.append(time.perf_counter() - started)
        if root != expected_root:
            sys.exit("the proof's root is not the seeded tree's root")
        made.append((index, size, root, proof))
    return made, leaves, timings


def verifications(made, leaves):
    note = Checkpoint.objects.exclude(note="").latest().note
    public_key = signing.public_key()
    timings = []
    for index, size, _, proof in made:
        started = time.perf_counter()
        _, signed_size, root, _ = tlog.open_checkpoint(note, settings.LEDGER_ORIGIN, public_key)
        ok = signed_size == size and tlog.verify_inclusion(index, size, leaves[index], proof, root)
        timings.append(time.perf_counter() - started)
        if not ok:
            sys.exit(f"the inclusion proof of leaf {index} did not verify")
    return timings


def process_cpu(pid):
    """CPU seconds of a process and of the children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / TICKS


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def checkpoints(count, tsa):
    """CPU per checkpoint_create (this process, its database backend, the TSA). The log
    grows by one entry before each, as it would between two scheduled checkpoints."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    head = LedgerEntry.objects.order_by("-sequence").first()
    tree = services._frontier(connection.cursor(), head.sequence)
    walls, cpu = [], {"portal": 0.0, "database": 0.0, "tsa": 0.0}
    prev, sequence = head.entry_hash, head.sequence
    for _ in range(count):
        sequence += 1  # one new entry, appended with its tree nodes as services does
        text = tlog.entry_text(prev, "history", LABEL, sequence, "a" * 64)
        this = hashlib.sha256(text).hexdigest()
        LedgerEntry.objects.create(
            sequence=sequence,
            kind="history",
            covered_model=LABEL,
            covered_id=sequence,
            content_hash="a" * 64,
            prev_hash=prev,
            entry_hash=this,
            tree_nodes=b"".join(tree.append(tlog.leaf_hash(text))),
        )
        prev = this
        before = own_cpu(), process_cpu(backend), process_cpu(tsa.process.pid)
        started = time.perf_counter()
        made = services.checkpoint_create()
        walls.append(time.perf_counter() - started)
        after = own_cpu(), process_cpu(backend), process_cpu(tsa.process.pid)
        for name, b, a in zip(cpu, before, after, strict=True):
            cpu[name] += a - b
        if made.sequence != sequence or made.tsa_token is None:
            sys.exit("the checkpoint did not cover the new entry or was not time-stamped")
    return walls, {name: seconds / count for name, seconds in cpu.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--checkpoints", type=int, default=20)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: this bench measures PostgreSQL.")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seconds, root = seed(args.leaves)
        print(f"seeded {args.leaves:,} entries with their tree index in {seconds:.0f} s")
        with tempfile.TemporaryDirectory() as scratch, local_tsa.start(Path(scratch)) as tsa:
            values = {"LEDGER_TSA_URL": tsa.url, "LEDGER_TSA_CERT_FILE": str(tsa.cert_file)}
            with override_settings(**values, LEDGER_TSA_CERT=""):
                services.checkpoint_create()  # the checkpoint the proofs are checked against
                made, leaves, cold_times = proofs(args.leaves, args.proofs, root)
                _, _, proof_times = proofs(args.leaves, args.proofs, root)
                verify_times = verifications(made, leaves)
                walls, cpu = checkpoints(args.checkpoints, tsa)
        depth = statistics.mean(len(proof) for *_, proof in made)
        print(f"inclusion_proof at {args.leaves:,} leaves ({args.proofs} random leaves, ")
        print(f"  {depth:.1f} hashes each), target < 5 ms:")
        print(f"  first pass (pages partly read from disk): {ms(cold_times)}")
        print(f"  same leaves again (pages cached):         {ms(proof_times)}")
        print(f"verify_inclusion + checkpoint signature: {ms(verify_times)}  (target < 2 ms)")
        per = sum(cpu.values())
        print(f"checkpoint_create with the local TSA ({args.checkpoints} runs): wall {ms(walls)}")
        print(
            f"  CPU per checkpoint {per * 1000:.1f} ms (portal {cpu['portal'] * 1000:.1f}, "
            f"PostgreSQL backend {cpu['database'] * 1000:.1f}, TSA {cpu['tsa'] * 1000:.1f})"
        )
        print(f"  one checkpoint a minute: {per / 60 * 100:.3f} % of one core (target < 1 %)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
