#!/usr/bin/env python3
"""Verify an AIMS portal evidence bundle offline, without trusting the server.

    python3 verify_bundle.py evidence-bundle.zip [--public-key trusted.pem]

Needs Python 3.10+ and the ``cryptography`` package, nothing else. It recomputes the hash of
every record version in the bundle, the hash chain of the ledger and the Ed25519 signatures
of the checkpoints, then prints OK or names each problem found (first broken entry first)
and exits with status 1. Compare the public key fingerprint it prints with the one your
organisation published (or pass that key with --public-key): a bundle signed by another
key proves nothing.

The portal imports the hashing functions from this file, so the server and this verifier
can never disagree on how a record is hashed.
"""

import argparse
import collections
import hashlib
import io
import json
import sys
import zipfile

GENESIS = "0" * 64
MAX_PROBLEMS = 50
RECENT_WINDOW = 1000

CHANGED, MISSING, INSERTED, REORDERED, SIGNATURE = (
    "changed",
    "missing",
    "inserted",
    "reordered",
    "signature",
)
PROBLEM_LABELS = {
    CHANGED: "Content changed",
    MISSING: "Entry missing",
    INSERTED: "Entry inserted",
    REORDERED: "Entries reordered",
    SIGNATURE: "Signature invalid",
}


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value):
    """The one byte form that is hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return _CANONICAL.encode(value).encode("utf-8")


def content_hash(row):
    """SHA-256 of a record version given as its canonical dict (field name -> JSON value)."""
    return hashlib.sha256(canonical_json(row)).hexdigest()


def entry_hash(prev_hash, kind, covered_model, covered_id, content):
    """An entry's hash binds it to the previous entry and to what it covers.

    Hashed text: ``prev|kind|app_label.model|id|content`` (hex hashes, lower-case names
    and an integer id: no part can contain the separator).
    """
    return hashlib.sha256(
        f"{prev_hash}|{kind}|{covered_model}|{int(covered_id)}|{content}".encode()
    ).hexdigest()


def checkpoint_message(sequence, head_hash, signed_at):
    """The bytes a checkpoint signs: the chain head at ``sequence`` and when it was signed."""
    return canonical_json(
        {
            "purpose": "aims-portal ledger checkpoint",
            "sequence": sequence,
            "head_hash": head_hash,
            "signed_at": signed_at,
        }
    )


def key_fingerprint(public_key):
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(pem):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = serialization.load_pem_public_key(pem if isinstance(pem, bytes) else pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def signature_valid(public_key, checkpoint):
    from cryptography.exceptions import InvalidSignature

    message = checkpoint_message(
        checkpoint["sequence"], checkpoint["head_hash"], checkpoint["signed_at"]
    )
    try:
        public_key.verify(bytes.fromhex(checkpoint["signature"]), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# Marker for "the record version this entry covers is not there any more".
ROW_MISSING = object()
# Marker for "this verifier was not given that record" (e.g. a bundle of one area).
ROW_NOT_INCLUDED = object()


class ChainChecker:
    """Walks ledger entries in sequence order with constant memory and collects problems.

    Feed it every entry (``entry``), each record version that has no entry (``uncovered``),
    then call ``finish``. Problems are dicts with kind, sequence and message; ``first``
    is the one with the lowest sequence.
    """

    def __init__(self, checkpoints, public_key, max_problems=MAX_PROBLEMS):
        self.checkpoints = collections.deque(sorted(checkpoints, key=lambda c: c["sequence"]))
        self.checkpoint_count = len(self.checkpoints)
        self.public_key = public_key
        self.fingerprint = key_fingerprint(public_key)
        self.max_problems = max_problems
        self.problems = []
        self.truncated = False
        self.entries = 0
        self.rows_checked = 0
        self.rows_by_kind = collections.Counter()  # "history", "attestation", ...
        self.expected = 1
        self.prev = GENESIS
        self.prev2 = None
        self.recent = collections.OrderedDict()  # entry hash -> sequence, last N entries
        self.pending = {}  # prev hash nobody matched yet -> sequence of the entry pointing at it
        # After a break, the next links are broken by the same cause: one report is enough.
        self.quiet_until = 0
        for checkpoint in self.checkpoints:
            self._check_signature(checkpoint)

    def problem(self, kind, sequence, message):
        if len(self.problems) >= self.max_problems:
            self.truncated = True
            return
        self.problems.append(
            {"kind": kind, "label": PROBLEM_LABELS[kind], "sequence": sequence, "message": message}
        )

    def _check_signature(self, checkpoint):
        if checkpoint.get("key_fingerprint") not in (None, self.fingerprint):
            self.problem(
                SIGNATURE,
                checkpoint["sequence"],
                f"Checkpoint at entry {checkpoint['sequence']} was signed by another key "
                f"({checkpoint['key_fingerprint'][:16]}…), not the ledger key.",
            )
        elif not signature_valid(self.public_key, checkpoint):
            self.problem(
                SIGNATURE,
                checkpoint["sequence"],
                f"Checkpoint at entry {checkpoint['sequence']} has an invalid signature: "
                "it was forged or altered.",
            )

    def entry(self, entry, row_hash):
        """Check one entry; ``row_hash`` is the recomputed hash of what it covers, or one of
        ROW_MISSING / ROW_NOT_INCLUDED."""
        seq = entry["sequence"]
        self.entries += 1
        gap = seq != self.expected
        if gap:
            first, last = self.expected, seq - 1
            what = f"entry {first} is" if first == last else f"entries {first} to {last} are"
            self.problem(MISSING, first, f"Ledger {what} missing: deleted from the ledger.")
        recomputed = entry_hash(
            entry["prev_hash"],
            entry["kind"],
            entry["covered_model"],
            entry["covered_id"],
            entry["content_hash"],
        )
        what = f"{entry['covered_model']} #{entry['covered_id']}"
        if recomputed != entry["entry_hash"]:
            self.quiet_until = seq + 1
            self.problem(
                CHANGED,
                seq,
                f"Ledger entry {seq} ({what}) was altered: its stored hash does not match it.",
            )
        resolved = self.pending.pop(entry["entry_hash"], None)
        if resolved is not None:
            self.quiet_until = seq + 1
            self.problem(
                REORDERED,
                resolved,
                f"Ledger entry {resolved} is out of order: it links to "
                f"entry {seq}, which comes after it.",
            )
        if not gap and entry["prev_hash"] != self.prev and seq > self.quiet_until:
            self.quiet_until = seq + 1
            if entry["prev_hash"] == self.prev2:
                self.problem(
                    INSERTED,
                    seq - 1,
                    f"Ledger entry {seq - 1} was inserted: entry {seq} links to entry {seq - 2}.",
                )
            elif entry["prev_hash"] in self.recent:
                self.problem(
                    REORDERED,
                    seq,
                    f"Ledger entry {seq} is out of order: it links to entry "
                    f"{self.recent[entry['prev_hash']]} instead of entry {seq - 1}.",
                )
            elif len(self.pending) < self.max_problems:
                self.pending[entry["prev_hash"]] = seq
        if row_hash is ROW_MISSING:
            self.problem(
                MISSING,
                seq,
                f"The record version {what} that ledger entry {seq} covers was deleted.",
            )
        elif row_hash is not ROW_NOT_INCLUDED:
            self.rows_checked += 1
            self.rows_by_kind[entry["kind"]] += 1
            if row_hash != entry["content_hash"]:
                self.problem(
                    CHANGED,
                    seq,
                    f"The record version {what} was changed after ledger entry {seq} recorded it.",
                )
        while self.checkpoints and self.checkpoints[0]["sequence"] <= seq:
            checkpoint = self.checkpoints.popleft()
            if checkpoint["sequence"] == seq and checkpoint["head_hash"] != entry["entry_hash"]:
                self.problem(
                    CHANGED,
                    seq,
                    f"The chain up to entry {seq} is not the one the checkpoint of "
                    f"{checkpoint['signed_at']} signed.",
                )
        self.recent[entry["entry_hash"]] = seq
        if len(self.recent) > RECENT_WINDOW:
            self.recent.popitem(last=False)
        self.prev2, self.prev = self.prev, entry["entry_hash"]
        self.expected = seq + 1

    def uncovered(self, covered_model, covered_id):
        self.problem(
            INSERTED,
            None,
            f"The record version {covered_model} #{covered_id} is not in the ledger: "
            "it was inserted outside the portal.",
        )

    def finish(self):
        for seq in self.pending.values():
            self.problem(INSERTED, seq, f"Ledger entry {seq} was inserted: it links to no entry.")
        self.pending = {}
        for checkpoint in self.checkpoints:
            self.problem(
                MISSING,
                checkpoint["sequence"],
                f"A checkpoint signed {checkpoint['sequence']} entries but the ledger ends at "
                f"entry {self.expected - 1}: entries were deleted.",
            )
        self.checkpoints.clear()
        self.problems.sort(key=lambda p: (p["sequence"] is None, p["sequence"] or 0))
        return self.problems

    @property
    def first(self):
        return self.problems[0] if self.problems else None


def _lines(archive, name):
    with archive.open(name) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


def verify_archive(archive, trusted_pem=None):
    """Verify an open ZipFile; returns (checker, manifest)."""
    manifest = json.loads(archive.read("manifest.json"))
    bundled_pem = archive.read("public_key.pem")
    public_key = load_public_key(trusted_pem or bundled_pem)
    checkpoints = json.loads(archive.read("checkpoints.json"))
    checker = ChainChecker(checkpoints, public_key)
    if trusted_pem and key_fingerprint(load_public_key(bundled_pem)) != checker.fingerprint:
        checker.problem(SIGNATURE, None, "The bundle's public key is not the trusted key.")
    included = set(manifest["record_models"])
    # records.jsonl lists the record versions in ledger order, then those with no entry,
    # so both files are read side by side without holding either in memory.
    records = _lines(archive, "records.jsonl")
    pending_record = next(records, None)
    for entry in _lines(archive, "ledger.jsonl"):
        row_hash = ROW_NOT_INCLUDED
        if entry["covered_model"] in included:
            row_hash = ROW_MISSING
            if pending_record is not None and pending_record.get("sequence") == entry["sequence"]:
                row_hash = content_hash(pending_record["row"])
                pending_record = next(records, None)
        checker.entry(entry, row_hash)
    while pending_record is not None:
        if pending_record.get("sequence") is None:
            checker.uncovered(pending_record["model"], pending_record["id"])
        pending_record = next(records, None)
    checker.finish()
    return checker, manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify an AIMS portal evidence bundle.")
    parser.add_argument("bundle", help="the evidence bundle ZIP file")
    parser.add_argument("--public-key", help="PEM file of the key you trust (recommended)")
    args = parser.parse_args(argv)
    trusted = None
    if args.public_key:
        with open(args.public_key, "rb") as key_file:
            trusted = key_file.read()
    try:
        with zipfile.ZipFile(args.bundle) as archive:
            checker, manifest = verify_archive(archive, trusted)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        print(f"FAILED: the bundle cannot be read ({error})")
        return 2
    print(f"Bundle: {manifest.get('title', '')} exported {manifest.get('exported_at', '')}")
    print(f"Public key fingerprint (SHA-256): {checker.fingerprint}")
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(checker.rows_by_kind.items()))
    print(
        f"Checked {checker.entries} ledger entries, {checker.rows_checked} covered rows"
        f"{f' ({kinds})' if kinds else ''}, {checker.checkpoint_count} signed checkpoint(s)."
    )
    if not checker.problems:
        print("OK: every record version matches the ledger and every signature is valid.")
        return 0
    print(f"FAILED: {len(checker.problems)} problem(s), first broken entry first:")
    for problem in checker.problems:
        where = f"entry {problem['sequence']}" if problem["sequence"] else "outside the chain"
        print(f"- {PROBLEM_LABELS[problem['kind']]} ({where}): {problem['message']}")
    if checker.truncated:
        print(f"- (stopped listing after {MAX_PROBLEMS} problems)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
