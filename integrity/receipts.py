"""Signed receipts of ledger entries, and the inclusion proof that follows each one.

Rules enforced here (the attestation API, its pages and the benchmark call these functions):
- a receipt names the entry's leaf index, its hash, the previous entry's hash, the content
  hash and the row itself as the ledger hashed it, so that anyone can recompute content hash
  -> entry text -> leaf without the portal; plus the time, the AI system, the model version
  and the log's origin;
- the ledger's Ed25519 key signs the canonical JSON of every other field of the receipt.
  Ed25519 is deterministic, so rebuilding a receipt from the stored rows gives the same
  bytes as the answer the gateway received;
- a receipt's proof is taken against the FIRST signed checkpoint whose tree covers the entry
  (tree size >= its sequence), so every later request returns the same proof; until such a
  checkpoint exists the answer says when the next one is due, never a proof against an
  unsigned tree.
"""

import base64
import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from . import evolution, services, signing
from .canonical import _datetime, canonical_instance
from .labels import ledger_label
from .models import Checkpoint, LedgerEntry
from .verify_bundle import canonical_json

RECEIPT_FORMAT = "aims-portal-receipt/1"


@dataclass(frozen=True)
class ReceiptSubject:
    """What a receipt says about the row besides its ledger position."""

    time: datetime.datetime
    system: str
    model_version: str


def receipts_build(
    kind: str,
    instances: list,
    positions: list[tuple[int, str]],
    subjects: list[ReceiptSubject],
    *,
    first_prev_hash: str | None = None,
    hashed: list[tuple[dict, str, bytes]] | None = None,
) -> list[dict]:
    """Signed receipts of ``instances``, whose entries ``positions`` [(sequence, entry hash)]
    were appended in this order (consecutive sequences, as ``append_many`` writes them).

    The previous hash of the first entry is read from the ledger (one query) unless given;
    each following entry's previous hash is the entry before it. ``hashed`` gives, per
    row, the canonical dict its entry hashed, that hash and the dict's canonical JSON (as
    ``append_many_hashed`` returns them; else computed from the rows).
    """
    if not instances:
        return []
    if len(instances) != len(positions) or len(instances) != len(subjects):
        raise ValueError("one position and one subject per row")
    if first_prev_hash is None:
        first_prev_hash = (
            LedgerEntry.objects.filter(sequence=positions[0][0])
            .values_list("prev_hash", flat=True)
            .get()
        )
    origin = settings.LEDGER_ORIGIN
    label = ledger_label(instances[0])
    key = signing.private_key()
    if hashed is None:
        hashed = [_hashed(row) for row in map(canonical_instance, instances)]
    texts = _Texts()  # a batch repeats its origin, model, system, version and time
    receipts, prev = [], first_prev_hash
    for instance, (sequence, entry_hash), subject, (row, digest, encoded) in zip(
        instances, positions, subjects, hashed, strict=True
    ):
        when = texts.time(subject.time)
        fields = {
            "format": RECEIPT_FORMAT,
            "origin": origin,
            "leaf_index": sequence - 1,
            "kind": kind,
            "covered_model": label,
            "covered_id": instance.pk,
            "prev_hash": prev,
            "entry_hash": entry_hash,
            "content_hash": digest,
            "row": row,
            "time": when,
            "system": subject.system,
            "model_version": subject.model_version,
        }
        signed = _signed_bytes(fields, encoded, texts)
        signature = base64.b64encode(key.sign(signed)).decode()
        receipt = SignedReceipt(fields, signature=signature)
        receipt.json = b"".join((signed[:-1], b',"signature":"', signature.encode(), b'"}'))
        receipts.append(receipt)
        prev = entry_hash
    return receipts


class SignedReceipt(dict):
    """A receipt (a plain dict, as the API returns it) that also keeps its JSON text, so
    that a batch answer embeds the bytes already built for the signature rather than
    encoding 1,000 receipts again. The text has the same keys and values, in sorted order
    with "signature" last."""

    __slots__ = ("json",)


def _hashed(row):
    encoded = canonical_json(row)
    return row, hashlib.sha256(encoded).hexdigest(), encoded


class _Texts:
    """Canonical JSON of the strings a batch of receipts repeats, each encoded once."""

    def __init__(self):
        self.known, self.times = {}, {}

    def __call__(self, value):
        if value.isalnum():  # a hex hash, most often: nothing to escape, nothing to keep
            return b'"' + value.encode() + b'"'
        found = self.known.get(value)
        if found is None:
            found = self.known[value] = canonical_json(value)
        return found

    def time(self, moment):
        found = self.times.get(moment)
        if found is None:
            found = self.times[moment] = _datetime(moment)
        return found


# The signed fields in canonical (sorted) order, "row" among them: checked in the tests
# against canonical_json of the whole dict.
SIGNED_FIELDS = (
    "content_hash",
    "covered_id",
    "covered_model",
    "entry_hash",
    "format",
    "kind",
    "leaf_index",
    "model_version",
    "origin",
    "prev_hash",
    "row",
    "system",
    "time",
)


def _signed_bytes(fields, row_json, texts=None):
    """canonical_json(fields), built from the parts: the row's canonical JSON spliced in
    rather than encoded again, integers written directly and every string through
    canonical_json (once per distinct value within a batch)."""
    texts = texts or _Texts()
    parts = []
    for name, prefix in _PREFIXES:
        value = fields[name]
        if name == "row":
            encoded = row_json
        elif type(value) is int:
            encoded = str(value).encode()
        else:
            encoded = texts(value)
        parts += (prefix, encoded)
    parts.append(b"}")
    return b"".join(parts)


_PREFIXES = tuple(
    (name, (b"{" if i == 0 else b",") + canonical_json(name) + b":")
    for i, name in enumerate(SIGNED_FIELDS)
)


def receipt_for(instance, subject: ReceiptSubject) -> dict | None:
    """The receipt of one row already in the ledger, rebuilt from its entry (two queries);
    None when no entry covers the row."""
    entry = (
        LedgerEntry.objects.filter(covered_model=ledger_label(instance), covered_id=instance.pk)
        .values("sequence", "entry_hash", "prev_hash", "kind", "content_hash")
        .first()
    )
    if entry is None:
        return None
    # The row as its entry hashed it, should fields have been added to the model since.
    row, _ = evolution.hashed_form(
        ledger_label(instance), canonical_instance(instance), entry["content_hash"]
    )
    return receipts_build(
        entry["kind"],
        [instance],
        [(entry["sequence"], entry["entry_hash"])],
        [subject],
        first_prev_hash=entry["prev_hash"],
        hashed=[_hashed(row)],
    )[0]


class NotCoveredYet(Exception):
    """No signed checkpoint covers the entry yet; ``details`` say when the next is due."""

    def __init__(self, message, details):
        super().__init__(message)
        self.details = details


def first_covering_checkpoint(sequence: int) -> Checkpoint | None:
    """The earliest signed checkpoint whose tree holds entry ``sequence``."""
    return (
        Checkpoint.objects.exclude(note="")
        .filter(sequence__gte=sequence)
        .order_by("sequence", "signed_at", "pk")
        .first()
    )


def _next_checkpoint_due(now):
    latest = Checkpoint.objects.exclude(note="").order_by("-signed_at", "-pk").first()
    interval = datetime.timedelta(seconds=settings.LEDGER_CHECKPOINT_INTERVAL)
    if latest is None:
        return now + interval
    return max(now, latest.signed_at + interval)


def receipt_proof(covered_model: str, covered_id: int) -> dict | None:
    """The inclusion proof of the entry covering (``covered_model``, ``covered_id``) in the
    first checkpoint that covers it, with that checkpoint's signed note and time-stamp
    token. None when no entry covers the row; NotCoveredYet when no checkpoint does yet."""
    sequence = (
        LedgerEntry.objects.filter(covered_model=covered_model, covered_id=covered_id)
        .values_list("sequence", flat=True)
        .first()
    )
    if sequence is None:
        return None
    checkpoint = first_covering_checkpoint(sequence)
    if checkpoint is None:
        now = timezone.now()
        due = _next_checkpoint_due(now)
        raise NotCoveredYet(
            f"Entry {sequence} is not covered by a signed checkpoint yet. Checkpoints are "
            f"made every {settings.LEDGER_CHECKPOINT_INTERVAL} seconds while the log grows: "
            f"ask again after {_datetime(due)}.",
            {
                "leaf_index": sequence - 1,
                "next_checkpoint_due": _datetime(due),
                "retry_after": max(1, int((due - now).total_seconds() + 0.999)),
            },
        )
    size, root, proof = services.inclusion_proof(sequence - 1, checkpoint.sequence)
    token = bytes(checkpoint.tsa_token) if checkpoint.tsa_token else None
    return {
        "leaf_index": sequence - 1,
        "tree_size": size,
        "root_hash": root.hex(),
        "proof": [node.hex() for node in proof],
        "checkpoint": {
            "id": checkpoint.pk,
            "tree_size": checkpoint.sequence,
            "signed_at": _datetime(checkpoint.signed_at),
            "note": checkpoint.note,
            "tsa_token": base64.b64encode(token).decode() if token else None,
            "tsa_time": _datetime(checkpoint.tsa_time) if checkpoint.tsa_time else None,
        },
    }
