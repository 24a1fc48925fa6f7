"""Attestation receipts: how long an offline check of receipt + proof + checkpoint takes, and
how many attestations per second the batch API registers now that each answer is signed.

    .venv/bin/python bench/receipts.py [--batches 10] [--verifications 300] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims_bench_receipts .venv/bin/python \\
        bench/receipts.py

Uses a throw-away test database. On a shared machine wall-clock figures swing with the load:
the last column, attestations per second of this process's CPU (the PostgreSQL server's
work not included), is the steadier one. Batches of 1,000 go through the whole stack a gateway meets
(middleware, DRF, token authentication, validation, insert, ledger append, receipts), with
and without an Idempotency-Key, but not a network (the Django test client). Then a
checkpoint is signed, proofs are fetched, and verify_receipt.py's check (the one its command
line runs: read four files, check the receipt's signature, recompute content hash, entry and
leaf, check the checkpoint's signature and the inclusion proof) is timed on them. Targets:
verification < 2 ms, batches >= 5,000 attestations/s on PostgreSQL. ``--profile`` prints
where one batch call spends its time.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attestations import URL, run, setup
from django.db import connection
from django.test.utils import setup_test_environment

from integrity import receipts, signing
from integrity import services as ledger
from integrity import verify_receipt as tlog
from integrity.models import Attestation, LedgerEntry

BATCH = 1000
TARGET = 5000


def load():
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def throughput(client, items, calls, keyed):
    authorization = client._credentials["HTTP_AUTHORIZATION"]

    def body():
        if keyed:
            client.credentials(
                HTTP_AUTHORIZATION=authorization, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
            )
        return URL + "batch/", {"attestations": items.batch(BATCH)}, BATCH

    cpu = time.process_time()
    try:
        count, seconds, times, _, _ = run(client, calls, body)
    finally:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return count, seconds, statistics.median(times), time.process_time() - cpu


def receipt_cost(items):
    """How long signing the receipts of one batch takes, apart from the rest of the call."""
    newest = list(
        Attestation.objects.select_related("system", "model_version").order_by("-pk")[:BATCH]
    )[::-1]
    positions = list(
        LedgerEntry.objects.filter(
            covered_model="registry.attestation", covered_id__in=[a.pk for a in newest]
        )
        .order_by("sequence")
        .values_list("sequence", "entry_hash")
    )
    subjects = [
        receipts.ReceiptSubject(a.recorded_at, a.system.slug, a.model_version.label) for a in newest
    ]
    started, cpu = time.perf_counter(), time.process_time()
    receipts.receipts_build("attestation", newest, positions, subjects)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"receipts for {BATCH:,} attestations: {wall * 1000:.0f} ms "
        f"({cpu * 1000:.0f} ms CPU) = {wall / BATCH * 1e6:.0f} us each"
    )


def verification(client, items, count, folder):
    response = client.post(URL + "batch/", {"attestations": items.batch(50)}, format="json")
    receipts = [a["receipt"] for a in response.json()["attestations"]]
    ledger.checkpoint_create()
    key = folder / "key.pem"
    key.write_text(signing.public_key_pem())
    cases = []
    for n, receipt in enumerate(receipts[:10]):
        proof = client.get(f"{URL}{receipt['covered_id']}/proof/").json()
        paths = [folder / f"receipt-{n}.json", folder / f"proof-{n}.json"]
        paths[0].write_text(json.dumps(receipt))
        paths[1].write_text(json.dumps(proof))
        note = folder / f"checkpoint-{n}.txt"
        note.write_text(proof["checkpoint"]["note"])
        cases.append((*paths, note, key))
    times = []
    for i in range(count):
        t0 = time.perf_counter()
        problems = tlog.verify_receipt_files(*cases[i % len(cases)])
        times.append(time.perf_counter() - t0)
        if problems:
            raise SystemExit(f"a genuine receipt failed: {problems}")
    return statistics.median(times), max(times), len(proof["proof"])


def profile(client, items):
    profiler = cProfile.Profile()
    payload = {"attestations": items.batch(BATCH)}
    profiler.enable()
    client.post(URL + "batch/", payload, format="json")
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(18)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10, help="batch calls per mode")
    parser.add_argument("--verifications", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        client, items = setup()
        run(client, 2, lambda: (URL + "batch/", {"attestations": items.batch(100)}, 100))
        print(f"database: {connection.vendor}; {load()}")
        print(
            f"{'batches of 1,000':<28}{'calls':>6}{'median call':>13}{'/s at median':>14}"
            f"{'/s overall':>12}{'client CPU/s':>14}{'CPU/item':>10}"
        )
        best = 0
        for label, keyed in (("with receipts", False), ("with receipts + idem. key", True)):
            count, seconds, median, cpu = throughput(client, items, args.batches, keyed)
            best = max(best, BATCH / median)
            print(
                f"{label:<28}{args.batches:>6}{median * 1000:>11.1f}ms"
                f"{BATCH / median:>14.0f}{count / seconds:>12.0f}{count / cpu:>14.0f}"
                f"{cpu / count * 1e6:>8.0f}us"
            )
        verdict = "met" if best >= TARGET else "NOT met"
        print(
            f"target >= {TARGET:,} attestations/s wall on PostgreSQL: {verdict} ({best:,.0f}/s at "
            f"the median call; {load()}: on a loaded machine the client CPU/s column is the "
            "steadier figure)"
        )
        receipt_cost(items)
        if args.profile:
            profile(client, items)
        with tempfile.TemporaryDirectory() as folder:
            median, worst, length = verification(client, items, args.verifications, Path(folder))
        print(
            f"verify_receipt (4 files, {length}-hash proof): median {median * 1000:.2f} ms, "
            f"worst {worst * 1000:.2f} ms over {args.verifications} runs (target < 2 ms)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
