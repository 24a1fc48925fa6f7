"""Writes to the ledger.

Rules enforced here:
- every history row of every model is appended to the hash chain in the transaction that
  wrote it (signal handler ``history_row_created``);
- appends are serialised: on PostgreSQL a transaction-level advisory lock, on SQLite the
  IMMEDIATE transactions the settings configure, so concurrent writers never fork or gap
  the chain;
- history written before the ledger existed is adopted once (``ledger_adopt_existing``),
  and never after the first checkpoint;
- ``append(kind, instance)`` / ``append_many(kind, instances)`` are the one way in: rows of
  ledgered models (``coverage.register``, e.g. attestations) use them in the transaction
  that inserts the rows, one lock for a whole batch;
- checkpoints sign the current chain head with the configured Ed25519 key; only roles with
  "create" on the ledger area may ask for one (the beat task signs as nobody);
- verification recomputes every entry, every covered row and every signature, streaming
  the chain in chunks, and records the problems it found; any role that may view the
  ledger may run it (it only reads).
"""

import logging

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone

from .. import jobs, roles
from . import selectors, signing
from .canonical import _datetime, canonical_instance
from .models import Checkpoint, LedgerEntry, VerificationRun
from .verify_bundle import (
    GENESIS,
    MAX_PROBLEMS,
    ROW_MISSING,
    ChainChecker,
    checkpoint_message,
    content_hash,
    entry_hash,
)

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 4200142001  # any fixed bigint: "the ledger append lock"


HEAD_SQL = (
    f"SELECT sequence, entry_hash FROM {LedgerEntry._meta.db_table} ORDER BY sequence DESC LIMIT 1"
)


def _lock_and_read_head(cursor, vendor):
    if vendor == "postgresql":
        # One round trip, two statements: each takes its own snapshot (READ COMMITTED), so
        # the head is read after the lock is held, never before.
        cursor.execute(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY}); {HEAD_SQL}")
        cursor.nextset()
    else:
        cursor.execute(HEAD_SQL)
    return cursor.fetchone() or (0, GENESIS)


def append_rows(kind, label, rows, using=None):
    """Append entries covering ``rows`` [(pk, canonical dict)] of model ``label``.

    Three queries (lock, read head, insert; on SQLite one insert per 1,000 rows).
    Returns the last (sequence, entry hash).
    """
    positions = _append(kind, label, rows, using)
    return positions[-1] if positions else _head_position(using)


def _head_position(using):
    top = LedgerEntry.objects.using(using or router.db_for_write(LedgerEntry))
    top = top.order_by("-sequence").values_list("sequence", "entry_hash").first()
    return top or (0, GENESIS)


def _append(kind, label, rows, using=None):
    """Append the entries; returns [(sequence, entry hash)] in the order of ``rows``."""
    if not rows:
        return []
    using = using or router.db_for_write(LedgerEntry)
    connection = connections[using]
    # Content hashes do not depend on the chain: computed before the lock is taken.
    digests = [(pk, content_hash(row)) for pk, row in rows]
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        sequence, prev = _lock_and_read_head(cursor, connection.vendor)
        params, positions = [], []
        for pk, digest in digests:
            sequence += 1
            this = entry_hash(prev, kind, label, pk, digest)
            params.append((sequence, kind, label, pk, digest, prev, this))
            positions.append((sequence, this))
            prev = this
        _insert(cursor, connection.vendor, params)
    return positions


ENTRY_COLUMNS = "sequence, kind, covered_model, covered_id, content_hash, prev_hash, entry_hash"
INSERT_ROWS = 1000  # SQLite: 7,000 parameters per statement, well under its limit
ROW_MARKS = "(%s, %s, %s, %s, %s, %s, %s)"
UNNEST_SQL = (
    f"INSERT INTO {LedgerEntry._meta.db_table} ({ENTRY_COLUMNS}) SELECT * FROM unnest("
    "%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[], %s::varchar[], %s::varchar[], "
    "%s::varchar[])"
)


def _insert(cursor, vendor, params):
    """Insert the entry rows in as few statements as the database allows: on PostgreSQL one
    INSERT of seven arrays (client-side binding of thousands of parameters costs more than
    the insert), elsewhere multi-row INSERTs of up to INSERT_ROWS rows."""
    if vendor == "postgresql" and len(params) > 1:
        cursor.execute(UNNEST_SQL, [list(column) for column in zip(*params, strict=True)])
        return
    for start in range(0, len(params), INSERT_ROWS):
        chunk = params[start : start + INSERT_ROWS]
        cursor.execute(
            f"INSERT INTO {LedgerEntry._meta.db_table} ({ENTRY_COLUMNS}) VALUES "
            + ", ".join([ROW_MARKS] * len(chunk)),
            [value for row in chunk for value in row],
        )


def append(kind, instance, using=None):
    """Append one entry covering a saved row; returns (sequence, entry hash)."""
    label = instance._meta.label_lower
    return append_rows(kind, label, [(instance.pk, canonical_instance(instance))], using)


def append_many(kind, instances, using=None):
    """Append one entry per saved row (all of one model), under one lock, in the order
    given; returns [(sequence, entry hash)] in that order. Call it inside the transaction
    that inserted the rows, so rows and entries commit or vanish together."""
    instances = list(instances)
    if not instances:
        return []
    label = instances[0]._meta.label_lower
    if any(i._meta.label_lower != label or i.pk is None for i in instances):
        raise ValueError("append_many takes saved rows of one model")
    return _append(kind, label, [(i.pk, canonical_instance(i)) for i in instances], using)


def history_row_created(sender, history_instance, using=None, **kwargs):
    """post_create_historical_record: chain the history row in the same transaction."""
    append(LedgerEntry.Kind.HISTORY, history_instance, using)


def history_m2m_rows_created(sender, created_rows, **kwargs):
    """post_create_historical_m2m_records: chain each m2m history row."""
    if created_rows:
        label = sender._meta.label_lower
        append_rows(
            LedgerEntry.Kind.HISTORY, label, [(r.pk, canonical_instance(r)) for r in created_rows]
        )


def ledger_adopt_existing(chunk_size=1000):
    """Chain history rows written before the ledger was installed; returns how many.

    Only before the first checkpoint: after it, a history row with no entry can only have
    been inserted behind the portal's back, and adopting it would hide the tampering.
    """
    if Checkpoint.objects.exists():
        raise ValidationError(
            "The ledger already has signed checkpoints: history rows without an entry are "
            "tampering to report, not rows to adopt."
        )
    adopted = 0
    for model in selectors.historical_models():
        label = model._meta.label_lower
        while True:
            pks = list(selectors.uncovered(model).values_list("pk", flat=True)[:chunk_size])
            if not pks:
                break
            rows = selectors.canonical_rows(label, pks)
            append_rows(LedgerEntry.Kind.HISTORY, label, sorted(rows.items()))
            adopted += len(rows)
    return adopted


def checkpoint_create(*, actor=None, only_if_new=False):
    """Sign the chain head. ``actor`` None is the scheduled task; ``only_if_new`` skips
    signing when the latest checkpoint already covers the head with the current key."""
    if actor is not None:
        roles.require(actor, "create", "ledger")
    head = selectors.head()
    if head is None:
        raise ValidationError("The ledger is empty: there is nothing to sign yet.")
    fingerprint = signing.fingerprint()
    if only_if_new:
        latest = Checkpoint.objects.first()
        if latest and latest.sequence == head["sequence"] and latest.key_fingerprint == fingerprint:
            return latest
    signed_at = timezone.now()
    message = checkpoint_message(head["sequence"], head["entry_hash"], _datetime(signed_at))
    return Checkpoint.objects.create(
        sequence=head["sequence"],
        head_hash=head["entry_hash"],
        signed_at=signed_at,
        signature=signing.sign(message),
        key_fingerprint=fingerprint,
        made_by=actor,
    )


def checkpoint_dict(checkpoint):
    return {
        "sequence": checkpoint.sequence,
        "head_hash": checkpoint.head_hash,
        "signed_at": _datetime(checkpoint.signed_at),
        "signature": checkpoint.signature,
        "key_fingerprint": checkpoint.key_fingerprint,
    }


def chain_check(*, chunk_size=5000, on_chunk=None):
    """Recompute the whole chain from the tables; returns the finished ChainChecker.

    Memory stays constant: one chunk of entries and the rows they cover at a time.
    """
    checkpoints = [checkpoint_dict(c) for c in Checkpoint.objects.order_by("sequence")]
    checker = ChainChecker(checkpoints, signing.public_key())
    for chunk, hashes in _chunks_with_row_hashes(chunk_size):
        for entry in chunk:
            found = hashes[entry["covered_model"]].get(entry["covered_id"], ROW_MISSING)
            checker.entry(entry, found)
        if on_chunk:
            on_chunk(checker)
    for label, pk in selectors.uncovered_rows(MAX_PROBLEMS):
        checker.uncovered(label, pk)
    checker.finish()
    return checker


def _row_hashes_for(chunk):
    wanted = {}
    for entry in chunk:
        wanted.setdefault(entry["covered_model"], []).append(entry["covered_id"])
    return {label: selectors.row_hashes(label, ids) for label, ids in wanted.items()}


def _chunks_with_row_hashes(chunk_size):
    for chunk in selectors.entry_chunks(chunk_size):
        yield chunk, _row_hashes_for(chunk)


def verification_start(*, actor):
    """Queue a verification run (inline when there is no broker); aims_portal.jobs says
    how a run that cannot be queued or whose worker dies ends."""
    roles.require(actor, "view", "ledger")
    run = VerificationRun.objects.create(
        triggered_by=actor, status=VerificationRun.Status.QUEUED, deadline=jobs.queue_deadline()
    )
    from .tasks import verify_ledger

    jobs.enqueue(run, verify_ledger)
    return run


def verification_run(run=None):
    """Run a verification and store its outcome on ``run`` (a new one when None)."""
    run = run or VerificationRun.objects.create()

    def progress(checker):  # lets the page show how far a long run has got
        VerificationRun.objects.filter(pk=run.pk).update(entries_checked=checker.entries)

    try:
        checker = chain_check(on_chunk=progress)
    except Exception as error:  # stored for the page, then re-raised for the logs
        run.status, run.error = VerificationRun.Status.ERROR, str(error)[:2000]
        run.finished_at = timezone.now()
        run.save()
        raise
    run.entries_checked = checker.entries
    run.rows_checked = checker.rows_checked
    run.checkpoints_checked = checker.checkpoint_count
    run.problems = checker.problems
    run.more_problems = checker.truncated
    run.status = VerificationRun.Status.FAILED if checker.problems else VerificationRun.Status.OK
    run.finished_at = timezone.now()
    run.save()
    if checker.problems:
        log.error("Ledger verification failed: %s", checker.first["message"])
    return run
