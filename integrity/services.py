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

from __future__ import annotations

import base64
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, router, transaction
from django.utils import timezone

from aims_portal import roles

from . import selectors, signing, timestamping, tsa_verify
from . import verify_receipt as tlog
from .canonical import _datetime, canonical_instance
from .current_state import check_current_state
from .labels import ledger_label
from .models import Checkpoint, HeldCheckpoint, LedgerEntry, VerificationRun
from .verify_bundle import (
    GENESIS,
    MAX_PROBLEMS,
    ROW_MISSING,
    ChainChecker,
    UsageError,
    anchor_checker,
    canonical_json,
    content_hash,
    read_trusted_checkpoint,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from datetime import datetime

    from django.db.backends.utils import CursorWrapper
    from django.db.models import Model

    from aims_portal.models import User

# (pk, canonical dict) of one covered row; (pk, content hash) once hashed.
CanonicalRow = tuple[int, dict[str, Any]]
Digest = tuple[int, str]
# (sequence, entry hash) of one entry.
Position = tuple[int, str]
# (canonical dict, content hash, canonical JSON) of one row.
HashedRow = tuple[dict[str, Any], str, bytes]
# (tree size, root, description) of a checkpoint the log must still extend.
HeldRoot = tuple[int, bytes, str]
EntryDict = dict[str, Any]

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 4200142001  # any fixed bigint: "the ledger append lock"


HEAD_SQL = (
    f"SELECT sequence, entry_hash FROM {LedgerEntry._meta.db_table} ORDER BY sequence DESC LIMIT 1"
)


def _lock_and_read_head(cursor: CursorWrapper, vendor: str) -> Position:
    if vendor == "postgresql":
        # One round trip, two statements: each takes its own snapshot (READ COMMITTED), so
        # the head is read after the lock is held, never before.
        cursor.execute(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY}); {HEAD_SQL}")
        cursor.nextset()
    else:
        cursor.execute(HEAD_SQL)
    return cursor.fetchone() or (0, GENESIS)


class TreeDamaged(RuntimeError):
    """The stored tree index does not hold a node the next append needs."""


def _stored_nodes(
    cursor: CursorWrapper, plans: Sequence[Sequence[tuple[int, int]]]
) -> list[list[bytes]]:
    """The stored hashes of the nodes of each plan [[(level, index)]], read from the
    entries that store them (one query for all); TreeDamaged when one is missing."""
    places = {tlog.stored_at(level, index) for plan in plans for level, index in plan}
    if not places:
        return [[] for _ in plans]
    sequences = sorted({sequence for sequence, _ in places})
    marks = ", ".join(["%s"] * len(sequences))
    cursor.execute(
        f"SELECT sequence, tree_nodes FROM {LedgerEntry._meta.db_table} "
        f"WHERE sequence IN ({marks})",
        sequences,
    )
    stored = {sequence: bytes(blob or b"") for sequence, blob in cursor.fetchall()}
    found = []
    for plan in plans:
        nodes = []
        for level, index in plan:
            sequence, position = tlog.stored_at(level, index)
            node = stored.get(sequence, b"")[position * 32 : (position + 1) * 32]
            if len(node) != 32:
                raise TreeDamaged(
                    f"The ledger's tree index is damaged at entry {sequence}: nothing can "
                    "be appended until `manage.py verify_ledger` has been run and the "
                    "cause found."
                )
            nodes.append(node)
        found.append(nodes)
    return found


def _frontier(cursor: CursorWrapper, size: int) -> tlog.CompactRange:
    """The right edge of the tree of ``size`` leaves, from the stored index (one query)."""
    nodes = tlog.subtree_nodes(0, size)
    if not nodes:
        return tlog.CompactRange()
    return tlog.CompactRange(size, _stored_nodes(cursor, [nodes])[0])


def _current_frontier(cursor: CursorWrapper, size: int) -> tlog.CompactRange:
    """The right edge of the tree, from the stored index; when that index has been damaged
    (by someone editing the table), rebuilt from the entries themselves so that the portal
    keeps recording. Verification reports the damage either way."""
    try:
        return _frontier(cursor, size)
    except TreeDamaged as error:
        log.error("%s Rebuilding the tree's right edge from the entries.", error)
    tree = tlog.CompactRange()
    for chunk in selectors.entry_chunks(5000, using=cursor.db.alias):
        for e in chunk:
            tree.append(
                tlog.leaf_hash(
                    tlog.entry_text(
                        e["prev_hash"],
                        e["kind"],
                        e["covered_model"],
                        e["covered_id"],
                        e["content_hash"],
                    )
                )
            )
    return tree


def append_rows(
    kind: str,
    label: str,
    rows: Sequence[CanonicalRow],
    using: str | None = None,
    *,
    with_tree: bool = True,
) -> Position:
    """Append entries covering ``rows`` [(pk, canonical dict)] of model ``label``.

    Four queries (lock, read head, read the tree's right edge, insert; on SQLite one
    insert per 1,000 rows). Returns the last (sequence, entry hash). ``with_tree`` False
    is for data migrations that run before the tree column exists.
    """
    positions = _append(kind, label, rows, using, with_tree=with_tree)
    return positions[-1] if positions else _head_position(using)


def _head_position(using: str | None) -> Position:
    top = LedgerEntry.objects.using(using or router.db_for_write(LedgerEntry))
    top = top.order_by("-sequence").values_list("sequence", "entry_hash").first()
    return top or (0, GENESIS)


def _append(
    kind: str,
    label: str,
    rows: Sequence[CanonicalRow | Digest],
    using: str | None = None,
    *,
    with_tree: bool = True,
    digests: Sequence[Digest] | None = None,
) -> list[Position]:
    """Append the entries; returns [(sequence, entry hash)] in the order of ``rows``.
    ``digests`` [(pk, content hash)] when the caller has hashed the rows already."""
    if not rows:
        return []
    using = using or router.db_for_write(LedgerEntry)
    connection = connections[using]
    # Content hashes do not depend on the chain: computed before the lock is taken.
    if digests is None:
        digests = [(pk, content_hash(row)) for pk, row in rows]
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        sequence, prev = _lock_and_read_head(cursor, connection.vendor)
        tree = _current_frontier(cursor, sequence) if with_tree else None
        params, positions = [], []
        for pk, digest in digests:
            sequence += 1
            text = tlog.entry_text(prev, kind, label, pk, digest)
            this = hashlib.sha256(text).hexdigest()
            nodes = b"".join(tree.append(tlog.leaf_hash(text))) if tree else b""
            params.append((sequence, kind, label, pk, digest, prev, this, nodes))
            positions.append((sequence, this))
            prev = this
        _insert(cursor, connection.vendor, params, with_tree)
    return positions


ENTRY_COLUMNS = "sequence, kind, covered_model, covered_id, content_hash, prev_hash, entry_hash"
INSERT_ROWS = 1000  # SQLite: 8,000 parameters per statement, well under its limit
UNNEST_TYPES = "%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[], %s::varchar[], " + (
    "%s::varchar[], %s::varchar[]"
)


def _pg_element(value: int | str | bytes) -> str:
    if isinstance(value, bytes):
        return f'"\\\\x{value.hex()}"'
    if isinstance(value, int):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pg_array(values: Iterable[int | str | bytes]) -> str:
    """A PostgreSQL array literal of ints, strings or bytes (no NULLs), for a parameter cast
    to an array type: one text value that the server parses, instead of a Python list that
    the driver converts element by element (most of an append's time at 1,000 entries)."""
    return "{" + ",".join(map(_pg_element, values)) + "}"


def _insert(
    cursor: CursorWrapper, vendor: str, params: list[tuple[Any, ...]], with_tree: bool = True
) -> None:
    """Insert the entry rows in as few statements as the database allows: on PostgreSQL one
    INSERT of arrays (client-side binding of thousands of parameters costs more than the
    insert), elsewhere multi-row INSERTs of up to INSERT_ROWS rows."""
    columns, types = ENTRY_COLUMNS, UNNEST_TYPES
    if with_tree:
        columns, types = f"{columns}, tree_nodes", f"{types}, %s::bytea[]"
    else:
        params = [row[:-1] for row in params]
    table = LedgerEntry._meta.db_table
    if vendor == "postgresql" and len(params) > 1:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({types})",
            [pg_array(column) for column in zip(*params, strict=True)],
        )
        return
    marks = "(" + ", ".join(["%s"] * len(params[0])) + ")"
    for start in range(0, len(params), INSERT_ROWS):
        chunk = params[start : start + INSERT_ROWS]
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([marks] * len(chunk)),
            [value for row in chunk for value in row],
        )


def append(kind: str, instance: Model, using: str | None = None) -> Position:
    """Append one entry covering a saved row; returns (sequence, entry hash)."""
    label = ledger_label(instance)
    return append_rows(kind, label, [(instance.pk, canonical_instance(instance))], using)


def append_many(kind: str, instances: Iterable[Model], using: str | None = None) -> list[Position]:
    """Append one entry per saved row (all of one model), under one lock, in the order
    given; returns [(sequence, entry hash)] in that order. Call it inside the transaction
    that inserted the rows, so rows and entries commit or vanish together."""
    return append_many_hashed(kind, instances, using)[0]


def append_many_hashed(
    kind: str, instances: Iterable[Model], using: str | None = None
) -> tuple[list[Position], list[HashedRow]]:
    """``append_many``, also returning each row as it was hashed: ([(sequence, entry
    hash)], [(canonical dict, content hash, canonical JSON)]), so that receipts reuse them
    instead of encoding every row again."""
    instances = list(instances)
    if not instances:
        return [], []
    label = ledger_label(instances[0])
    if any(ledger_label(i) != label or i.pk is None for i in instances):
        raise ValueError("append_many takes saved rows of one model")
    rows = [(i.pk, canonical_instance(i)) for i in instances]
    return append_rows_hashed(kind, label, rows, using)


def append_rows_hashed(
    kind: str, label: str, rows: Sequence[CanonicalRow], using: str | None = None
) -> tuple[list[Position], list[HashedRow]]:
    """``append_many_hashed`` for rows [(pk, canonical dict)] of model ``label``."""
    hashed = rows_hashed([row for _, row in rows])
    return append_hashed(kind, label, [pk for pk, _ in rows], hashed, using), hashed


def rows_hashed(rows: Iterable[dict[str, Any]]) -> list[HashedRow]:
    """[(canonical dict, content hash, canonical JSON)] of canonical ``rows``."""
    hashed = []
    for row in rows:
        encoded = canonical_json(row)
        hashed.append((row, hashlib.sha256(encoded).hexdigest(), encoded))
    return hashed


def append_hashed(
    kind: str,
    label: str,
    pks: Iterable[int],
    hashed: Iterable[HashedRow],
    using: str | None = None,
) -> list[Position]:
    """Append entries for rows already hashed (``rows_hashed``); returns [(sequence, entry
    hash)] in the order given."""
    digests = [(pk, digest) for pk, (_, digest, _) in zip(pks, hashed, strict=True)]
    return _append(kind, label, digests, using, digests=digests)


def history_row_created(
    sender: type[Model],
    history_instance: Model,
    using: str | None = None,
    **kwargs: Any,
) -> None:
    """post_create_historical_record: chain the history row in the same transaction."""
    append(LedgerEntry.Kind.HISTORY, history_instance, using)


def history_m2m_rows_created(
    sender: type[Model], created_rows: Sequence[Model], **kwargs: Any
) -> None:
    """post_create_historical_m2m_records: chain each m2m history row."""
    if created_rows:
        label = ledger_label(sender)
        append_rows(
            LedgerEntry.Kind.HISTORY, label, [(r.pk, canonical_instance(r)) for r in created_rows]
        )


def ledger_adopt_existing(chunk_size: int = 1000) -> int:
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
        label = ledger_label(model)
        while True:
            pks = list(selectors.uncovered(model).values_list("pk", flat=True)[:chunk_size])
            if not pks:
                break
            rows = selectors.canonical_rows(label, pks)
            append_rows(LedgerEntry.Kind.HISTORY, label, sorted(rows.items()))
            adopted += len(rows)
    return adopted


def tree_head(size: int | None = None) -> tuple[int, bytes]:
    """(size, root bytes) of the log's Merkle tree now, or at ``size`` entries, from the
    stored tree index (two queries)."""
    with connection.cursor() as cursor:
        if size is None:
            size = _lock_free_head(cursor)
        return size, _frontier(cursor, size).root()


def _lock_free_head(cursor: CursorWrapper) -> int:
    cursor.execute(HEAD_SQL)
    row = cursor.fetchone()
    return row[0] if row else 0


def checkpoint_create(*, actor: User | None = None, only_if_new: bool = False) -> Checkpoint:
    """Sign the log's tree head as a C2SP checkpoint and have it time-stamped.

    ``actor`` None is the scheduled task. ``only_if_new`` (the schedule) signs only when
    the log has grown since the latest checkpoint and that one is older than
    LEDGER_CHECKPOINT_INTERVAL; it returns the latest checkpoint otherwise. When a
    time-stamping authority is configured, a checkpoint it cannot stamp is not made: the
    request fails with the authority's error and the schedule tries again next time.
    """
    if actor is not None:
        roles.require(actor, "create", "ledger")
    head = selectors.head()
    if head is None:
        raise ValidationError("The ledger is empty: there is nothing to sign yet.")
    fingerprint = signing.fingerprint()
    if only_if_new:
        latest = Checkpoint.objects.exclude(note="").first()
        if latest and latest.key_fingerprint == fingerprint:
            age = (timezone.now() - latest.signed_at).total_seconds()
            if latest.sequence == head["sequence"] or age < settings.LEDGER_CHECKPOINT_INTERVAL:
                return latest
    size, root = tree_head(head["sequence"])
    signed_at = timezone.now()
    body = tlog.checkpoint_body(
        settings.LEDGER_ORIGIN, size, root, [f"time {_datetime(signed_at)}"]
    )
    note = tlog.sign_note(body, settings.LEDGER_ORIGIN, signing.private_key())
    token, stamped = _time_stamp(note)
    return Checkpoint.objects.create(
        sequence=size,
        head_hash=head["entry_hash"],
        signed_at=signed_at,
        key_fingerprint=fingerprint,
        root_hash=root.hex(),
        note=note,
        tsa_token=token,
        tsa_time=stamped,
        made_by=actor,
    )


def _time_stamp(note: str) -> tuple[bytes, datetime] | tuple[None, None]:
    """(token, time) from the configured time-stamping authority, or (None, None)."""
    if not timestamping.is_configured():
        return None, None
    try:
        token = timestamping.request_token(note.encode())
        stamped = tsa_verify.verify_timestamp_token(
            token, note.encode(), timestamping.tsa_certificate_pem()
        )
    except tsa_verify.TimestampError as error:
        log.warning("Checkpoint not made: the time-stamping authority failed: %s", error)
        raise ValidationError(
            f"The checkpoint was not made: the time-stamping authority did not stamp it ({error})."
        ) from error
    return token, stamped


def checkpoint_dict(checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as the verifiers read it (checkpoints.json in bundles)."""
    token = bytes(checkpoint.tsa_token) if checkpoint.tsa_token else None
    return {
        "sequence": checkpoint.sequence,
        "head_hash": checkpoint.head_hash,
        "signed_at": _datetime(checkpoint.signed_at),
        "signature": checkpoint.signature,
        "key_fingerprint": checkpoint.key_fingerprint,
        "note": checkpoint.note,
        "tsa_token": base64.b64encode(token).decode() if token else None,
    }


def held_checkpoint_roots() -> list[HeldRoot]:
    """(size, root, description) of every checkpoint users took away or brought: the log
    must still extend each one."""
    held = HeldCheckpoint.objects.select_related("user").order_by("tree_size", "pk")
    return [
        (
            h.tree_size,
            bytes.fromhex(h.root_hash),
            f"the checkpoint {h.user} {h.get_source_display().lower()} on {h.held_at:%d %b %Y}",
        )
        for h in held
    ]


def read_checkpoint(text: str, where: str = "the checkpoint") -> tuple[int, bytes]:
    """(size, root) of a checkpoint text signed by this log's key; ValidationError if not."""
    try:
        return read_trusted_checkpoint(
            text, settings.LEDGER_ORIGIN, signing.public_key(), where=where
        )
    except UsageError as error:
        raise ValidationError(str(error)[0].upper() + str(error)[1:] + ".") from None


def checkpoint_hold(
    *, actor: User, text: str, source: str = HeldCheckpoint.Source.UPLOADED
) -> tuple[HeldCheckpoint, bool]:
    """Keep a checkpoint a user downloaded or brought, so every verification proves the log
    still extends it; returns (held, consistent now)."""
    roles.require(actor, "view", "ledger")
    size, root = read_checkpoint(text)
    held, _ = HeldCheckpoint.objects.get_or_create(
        user=actor,
        tree_size=size,
        root_hash=root.hex(),
        defaults={"note": text, "source": source},
    )
    return held, consistency_holds(size, root)


def consistency_proof(old_size: int, new_size: int | None = None) -> tuple[int, bytes, list[bytes]]:
    """(new size, new root, proof hashes) proving the tree of ``old_size`` entries is a
    prefix of the tree of ``new_size`` (default: now). One query for the whole proof."""
    with connection.cursor() as cursor:
        current = _lock_free_head(cursor)
        new_size = current if new_size is None else new_size
        if not 0 < old_size <= new_size <= current:
            raise ValidationError(
                f"A consistency proof needs 0 < from ≤ to ≤ {current} (the log's size)."
            )
        ranges = tlog.consistency_ranges(old_size, new_size)
        hashes = _range_hashes(cursor, [*ranges, (0, new_size)])
    return new_size, hashes[-1], hashes[:-1]


def inclusion_proof(index: int, size: int | None = None) -> tuple[int, bytes, list[bytes]]:
    """(size, root, proof hashes) proving leaf ``index`` (entry ``index + 1``) is in the
    tree of ``size`` entries (default: now)."""
    with connection.cursor() as cursor:
        current = _lock_free_head(cursor)
        size = current if size is None else size
        if not 0 <= index < size <= current:
            raise ValidationError(f"An inclusion proof needs 0 ≤ index < size ≤ {current}.")
        ranges = tlog.inclusion_ranges(index, size)
        hashes = _range_hashes(cursor, [*ranges, (0, size)])
    return size, hashes[-1], hashes[:-1]


def _range_hashes(cursor: CursorWrapper, ranges: Iterable[tuple[int, int]]) -> list[bytes]:
    """The Merkle hash of each leaf range [a, b), from the stored nodes (one query)."""
    plans = [tlog.subtree_nodes(a, b) for a, b in ranges]
    return [tlog.fold(nodes) for nodes in _stored_nodes(cursor, plans)]


def consistency_holds(size: int, root: bytes) -> bool:
    """Whether today's log extends the tree (size, root), by a consistency proof."""
    try:
        new_size, new_root, proof = consistency_proof(size)
    except ValidationError:
        return False
    return tlog.verify_consistency(size, new_size, root, new_root, proof)


def chain_check(
    *,
    chunk_size: int = 5000,
    on_chunk: Callable[[ChainChecker], None] | None = None,
    trusted: Iterable[HeldRoot] = (),
    current_state: bool = True,
) -> ChainChecker:
    """Recompute the whole log from the tables; returns the finished ChainChecker.

    Checks the hash chain, the Merkle tree against every checkpoint, every checkpoint held
    outside (``trusted``: [(size, root, description)]) and every checkpoint users keep on
    the integrity page, the checkpoints' signatures and time-stamps, every covered row,
    and (``current_state``) every live record against its latest version. Memory stays
    constant: one chunk of entries and the rows they cover at a time.
    """
    checkpoints = [checkpoint_dict(c) for c in Checkpoint.objects.order_by("sequence")]
    checker = ChainChecker(
        checkpoints,
        signing.public_key(),
        origin=settings.LEDGER_ORIGIN,
        trusted=[*held_checkpoint_roots(), *trusted],
        anchor_check=anchor_checker(timestamping.tsa_certificate_pem()),
        require_anchor=timestamping.is_configured(),
    )
    for chunk, hashes in _chunks_with_row_hashes(chunk_size):
        for entry in chunk:
            found = hashes[entry["covered_model"]].get(entry["covered_id"], ROW_MISSING)
            checker.entry(entry, found)
        if on_chunk:
            on_chunk(checker)
    for label, pk in selectors.uncovered_rows(MAX_PROBLEMS):
        checker.uncovered(label, pk)
    if current_state:
        stats = check_current_state(checker.live)
        checker.live_rows_checked = stats.records
    checker.finish()
    return checker


def _row_hashes_for(chunk: Iterable[EntryDict]) -> dict[str, dict[int, str]]:
    wanted = {}
    for entry in chunk:
        wanted.setdefault(entry["covered_model"], {})[entry["covered_id"]] = entry["content_hash"]
    return {label: selectors.row_hashes(label, expected) for label, expected in wanted.items()}


def _chunks_with_row_hashes(
    chunk_size: int,
) -> Iterator[tuple[list[EntryDict], dict[str, dict[int, str]]]]:
    for chunk in selectors.entry_chunks(chunk_size, with_tree=True):
        yield chunk, _row_hashes_for(chunk)


def verification_run(
    run: VerificationRun | None = None, *, trusted: Iterable[HeldRoot] = ()
) -> VerificationRun:
    """Run a verification and store its outcome on ``run`` (a new one when None);
    ``trusted``: [(size, root, description)] of checkpoints held outside the portal."""
    run = run or VerificationRun.objects.create()

    def progress(checker: ChainChecker) -> None:  # lets the page show how far a long run has got
        VerificationRun.objects.filter(pk=run.pk).update(entries_checked=checker.entries)

    try:
        checker = chain_check(on_chunk=progress, trusted=trusted)
    except Exception as error:  # stored for the page, then re-raised for the logs
        run.status, run.error = VerificationRun.Status.ERROR, str(error)[:2000]
        run.finished_at = timezone.now()
        run.save()
        raise
    run.entries_checked = checker.entries
    run.rows_checked = checker.rows_checked
    run.checkpoints_checked = checker.checkpoint_count
    run.anchored_size = checker.anchored_size
    run.records_checked = checker.live_rows_checked
    run.problems = checker.problems
    run.more_problems = checker.truncated
    run.status = VerificationRun.Status.FAILED if checker.problems else VerificationRun.Status.OK
    run.finished_at = timezone.now()
    run.save()
    if checker.problems:
        log.error("Ledger verification failed: %s", checker.first["message"])
    run.checker = checker  # the caller may print its summary
    return run
