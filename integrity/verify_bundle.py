#!/usr/bin/env python3
"""Verify an AIMS portal evidence bundle offline, without trusting the server.

    python3 verify_bundle.py evidence-bundle.zip --public-key trusted.pem \\
        [--trusted-checkpoint checkpoint.txt ...] [--tsa-cert tsa.pem]

Needs Python 3.10+ and the ``cryptography`` package; checking the checkpoints' RFC 3161
time-stamp tokens also needs ``rfc3161-client``. It recomputes the hash of every record
version in the bundle, the hash chain and the Merkle tree of the ledger, checks every
checkpoint's Ed25519 signature and time-stamp token, proves that the log extends every
checkpoint you hold from earlier (``--trusted-checkpoint``, repeatable), and compares every
live record with its latest version. It prints OK or names each problem found (first
broken entry first) and exits 1; a key or checkpoint file that cannot be read exits 2.

Pass the ledger key your organisation published with ``--public-key``: without it the key
inside the bundle is used, and a bundle signed by another key proves nothing.

The portal imports the hashing functions from this file and from verify_receipt.py (shipped
beside it), so the server and this verifier can never disagree on how a record is hashed.
"""

import argparse
import collections
import datetime
import hashlib
import io
import json
import os
import sys
import zipfile

try:  # inside the portal
    from . import verify_current
    from . import verify_receipt as tlog
except ImportError:  # run from an unpacked bundle: the files sit side by side
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import verify_current
    import verify_receipt as tlog

GENESIS = "0" * 64
MAX_PROBLEMS = 50
RECENT_WINDOW = 1000
# How far a time-stamp may lie from the time a checkpoint says it was signed: the portal
# asks for the stamp right after signing, so minutes mean the checkpoint was made later.
ANCHOR_TOLERANCE = datetime.timedelta(minutes=5)

CHANGED, MISSING, INSERTED, REORDERED, SIGNATURE, ANCHOR, LIVE = (
    "changed",
    "missing",
    "inserted",
    "reordered",
    "signature",
    "anchor",
    "live",
)
PROBLEM_LABELS = {
    CHANGED: "Content changed",
    MISSING: "Entry missing",
    INSERTED: "Entry inserted",
    REORDERED: "Entries reordered",
    SIGNATURE: "Signature invalid",
    ANCHOR: "Time-stamp invalid",
    LIVE: "Live record differs",
}


class UsageError(Exception):
    """A file the verifier was given cannot be used (exit status 2, never a fallback)."""


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
    """An entry's chain hash binds it to the previous entry and to what it covers."""
    return hashlib.sha256(
        tlog.entry_text(prev_hash, kind, covered_model, covered_id, content)
    ).hexdigest()


def checkpoint_message(sequence, head_hash, signed_at):
    """What a checkpoint made before the Merkle log signed: the chain head and its time."""
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


load_public_key = tlog.load_public_key


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


def checkpoint_time(extensions):
    """The signing time a checkpoint states in its ``time`` extension line, or None."""
    for line in extensions:
        if line.startswith("time "):
            try:
                return datetime.datetime.fromisoformat(line[5:].replace("Z", "+00:00"))
            except ValueError:
                return None
    return None


def read_trusted_checkpoint(text, origin, public_key, where="the trusted checkpoint"):
    """(size, root) of a checkpoint someone holds; UsageError when it is not one signed by
    this log's key (a checkpoint that proves nothing must not count as checked)."""
    if not text.strip():
        raise UsageError(f"{where} is empty")
    try:
        found_origin, size, root, _ = tlog.open_checkpoint(text, origin, public_key)
    except tlog.NoteError as error:
        raise UsageError(f"{where} is not a checkpoint of this log: {error}") from None
    if found_origin != origin:
        raise UsageError(f"{where} is a checkpoint of another log ({found_origin})")
    return size, root


# Marker for "the record version this entry covers is not there any more".
ROW_MISSING = object()
# Marker for "this verifier was not given that record" (e.g. a bundle of one area).
ROW_NOT_INCLUDED = object()


class ChainChecker:
    """Walks ledger entries in sequence order with constant memory and collects problems.

    It checks the hash chain, rebuilds the Merkle tree (a compact range: O(log n) hashes),
    compares the root at the size of every checkpoint and every trusted checkpoint with the
    root that checkpoint signed, checks each checkpoint's signature and time-stamp token,
    and (when entries carry their stored ``tree_nodes``) the tree index the portal serves
    proofs from.

    Feed it every entry (``entry``), each covered row that has no entry (``uncovered``),
    then call ``finish``. Problems are dicts with kind, sequence and message; ``first``
    is the one with the lowest sequence.

    ``anchor_check(token, data)`` returns the time a token stamps ``data`` or raises with a
    message; None means time-stamps cannot be checked here. ``require_anchor`` makes a
    checkpoint without a token a problem (the portal requires one whenever a time-stamping
    authority is configured).
    """

    def __init__(
        self,
        checkpoints,
        public_key,
        max_problems=MAX_PROBLEMS,
        *,
        origin="",
        trusted=(),
        anchor_check=None,
        require_anchor=False,
    ):
        self.public_key = public_key
        self.fingerprint = key_fingerprint(public_key)
        self.origin = origin
        self.max_problems = max_problems
        self.anchor_check = anchor_check
        self.require_anchor = require_anchor
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
        self.tree = tlog.CompactRange()
        self.index_damaged = False
        self.anchored_size = 0
        self.anchored_count = 0
        self.unanchored_count = 0
        self.trusted_count = 0
        self.live_rows_checked = 0
        checkpoints = sorted(checkpoints, key=lambda c: c["sequence"])
        self.checkpoint_count = len(checkpoints)
        self.legacy = collections.deque()
        roots = []  # (size, root, description)
        for checkpoint in checkpoints:
            if checkpoint.get("note"):
                roots.extend(self._open_checkpoint(checkpoint))
            else:
                self._check_signature(checkpoint)
                self.legacy.append(checkpoint)
        for size, root, description in trusted:
            self.trusted_count += 1
            roots.append((size, root, description))
        self.roots = collections.deque(sorted(roots, key=lambda r: r[0]))

    def problem(self, kind, sequence, message, *, consequence=False):
        """Record a problem; a ``consequence`` (a stale tree index, a root that no longer
        matches) is listed after the causes found at the same entry."""
        if len(self.problems) >= self.max_problems:
            self.truncated = True
            return
        self.problems.append(
            {
                "kind": kind,
                "label": PROBLEM_LABELS[kind],
                "sequence": sequence,
                "message": message,
                "consequence": consequence,
            }
        )

    # --- checkpoints -------------------------------------------------------------------

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

    def _open_checkpoint(self, checkpoint):
        """Check a signed-note checkpoint; returns [(size, root, description)] to compare."""
        sequence, note = checkpoint["sequence"], checkpoint["note"]
        try:
            _, size, root, extensions = tlog.open_checkpoint(note, self.origin, self.public_key)
        except tlog.NoteError as error:
            self.problem(SIGNATURE, sequence, f"Checkpoint of {sequence} entries: {error}.")
            return []
        if size != sequence:
            self.problem(
                CHANGED,
                sequence,
                f"A checkpoint row says it covers {sequence} entries, its signed note {size}.",
            )
        signed = checkpoint_time(extensions)
        description = f"the checkpoint of {size} entries signed {signed or 'at an unknown time'}"
        self._check_anchor(checkpoint, size, signed, note)
        return [(size, root, description)]

    def _check_anchor(self, checkpoint, size, signed, note):
        token = checkpoint.get("tsa_token")
        if not token:
            self.unanchored_count += 1
            if self.require_anchor:
                self.problem(
                    ANCHOR,
                    size,
                    f"The checkpoint of {size} entries has no time-stamp token: it was "
                    "removed, or the checkpoint was made outside the portal.",
                )
            return
        if self.anchor_check is None:
            self.unanchored_count += 1
            return
        try:
            stamped = self.anchor_check(_token_bytes(token), note.encode())
        except Exception as error:  # the checker's message names what is wrong
            self.problem(
                ANCHOR,
                size,
                f"The time-stamp token of the checkpoint of {size} entries does not hold: {error}.",
            )
            return
        if signed is None or abs(stamped - signed) > ANCHOR_TOLERANCE:
            self.problem(
                ANCHOR,
                size,
                f"The checkpoint of {size} entries says it was signed {signed}, but it was "
                f"time-stamped {stamped}: it was made or re-signed later.",
            )
            return
        self.anchored_count += 1
        self.anchored_size = max(self.anchored_size, size)

    # --- entries -----------------------------------------------------------------------

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
        text = tlog.entry_text(
            entry["prev_hash"],
            entry["kind"],
            entry["covered_model"],
            entry["covered_id"],
            entry["content_hash"],
        )
        what = f"{entry['covered_model']} #{entry['covered_id']}"
        if hashlib.sha256(text).hexdigest() != entry["entry_hash"]:
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
        self._covered_row(entry, seq, what, row_hash)
        self._grow_tree(entry, seq, text)
        while self.legacy and self.legacy[0]["sequence"] <= seq:
            checkpoint = self.legacy.popleft()
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

    def _covered_row(self, entry, seq, what, row_hash):
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

    def _grow_tree(self, entry, seq, text):
        made = b"".join(self.tree.append(tlog.leaf_hash(text)))
        stored = entry.get("tree_nodes")
        if stored is not None and bytes(stored) != made and not self.index_damaged:
            self.index_damaged = True  # one report: every later node depends on it
            self.problem(
                CHANGED,
                seq,
                f"The tree index stored with ledger entry {seq} does not match the log: "
                "proofs served from it would fail.",
                consequence=True,
            )
        size = self.tree.size
        while self.roots and self.roots[0][0] <= size:
            want, root, description = self.roots.popleft()
            if want == size and root != self.tree.root():
                self.problem(
                    CHANGED,
                    seq,
                    f"The log's first {size} entries are not the ones {description} "
                    "covered: history was rewritten.",
                    consequence=self.entries > size or bool(self.problems),
                )

    def uncovered(self, covered_model, covered_id):
        self.problem(
            INSERTED,
            None,
            f"The record version {covered_model} #{covered_id} is not in the ledger: "
            "it was inserted outside the portal.",
        )

    def live(self, problem):
        """A live-record problem found by the current-state check (listed after problems of
        the log itself, which explain it when there are any)."""
        self.problem(LIVE, None, problem["message"], consequence=True)

    def finish(self):
        for seq in self.pending.values():
            self.problem(INSERTED, seq, f"Ledger entry {seq} was inserted: it links to no entry.")
        self.pending = {}
        for checkpoint in self.legacy:
            self.problem(
                MISSING,
                checkpoint["sequence"],
                f"A checkpoint signed {checkpoint['sequence']} entries but the ledger ends at "
                f"entry {self.expected - 1}: entries were deleted.",
            )
        self.legacy.clear()
        for size, _, description in self.roots:
            self.problem(
                MISSING,
                size,
                f"The log has {self.entries} entries, fewer than the {size} of {description}: "
                "entries were deleted.",
            )
        self.roots.clear()
        if self.entries and not self.checkpoint_count:
            self.problem(
                MISSING,
                None,
                f"The log has {self.entries} entries and no checkpoint: its checkpoints were "
                "deleted, or none was ever made.",
            )
        self.problems.sort(
            key=lambda p: (p["sequence"] is None, p["consequence"], p["sequence"] or 0)
        )
        return self.problems

    @property
    def first(self):
        return self.problems[0] if self.problems else None

    @property
    def unanchored_entries(self):
        """Entries after the last checkpoint whose time-stamp was checked."""
        return max(0, self.entries - self.anchored_size)

    def summary_lines(self):
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.rows_by_kind.items()))
        lines = [
            f"Checked {self.entries} ledger entries, {self.rows_checked} covered rows"
            f"{f' ({kinds})' if kinds else ''}, {self.live_rows_checked} live records, "
            f"{self.checkpoint_count} signed checkpoint(s), "
            f"{self.trusted_count} checkpoint(s) held outside.",
            f"Anchored: {self.anchored_count} checkpoint(s) with a valid time-stamp; "
            f"{self.unanchored_entries} entries lie after the last anchored checkpoint.",
        ]
        if self.unanchored_count:
            lines.append(f"{self.unanchored_count} checkpoint(s) carry no checked time-stamp.")
        return lines


def _token_bytes(token):
    if isinstance(token, str):
        import base64

        return base64.b64decode(token)
    return bytes(token)


def _lines(archive, name):
    with archive.open(name) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


def _tsa_verifier():
    """The time-stamp checking module, or None when rfc3161-client is not installed."""
    try:
        from . import tsa_verify
    except ImportError:
        try:
            import tsa_verify
        except ImportError:
            return None
    return tsa_verify


def anchor_checker(tsa_certificate_pem):
    """``anchor_check`` for ChainChecker from a TSA certificate (PEM bytes), or None."""
    module = _tsa_verifier()
    if not tsa_certificate_pem or module is None:
        return None

    def check(token, data):
        return module.verify_timestamp_token(token, data, tsa_certificate_pem)

    return check


def verify_archive(archive, trusted_pem=None, trusted_checkpoints=(), tsa_pem=None):
    """Verify an open ZipFile; returns (checker, manifest).

    ``trusted_pem``: the ledger key the auditor trusts (else the bundled one);
    ``trusted_checkpoints``: [(name, text)] of checkpoints held outside the portal;
    ``tsa_pem``: the time-stamping authority's certificate the auditor trusts (else the
    bundled one, if any; with it, every checkpoint must carry a valid token).
    """
    manifest = json.loads(archive.read("manifest.json"))
    bundled_pem = archive.read("public_key.pem")
    try:
        public_key = load_public_key(trusted_pem or bundled_pem)
    except ValueError as error:
        raise UsageError(f"the public key cannot be used: {error}") from None
    origin = manifest.get("origin", "")
    trusted = []
    for name, text in trusted_checkpoints:
        where = f"--trusted-checkpoint {name}"
        size, root = read_trusted_checkpoint(text, origin, public_key, where)
        trusted.append((size, root, f"your checkpoint {name}"))
    names = set(archive.namelist())
    if tsa_pem and _tsa_verifier() is None:
        raise UsageError("checking time-stamp tokens needs the rfc3161-client package")
    bundled_tsa = archive.read("tsa-certificate.pem") if "tsa-certificate.pem" in names else None
    checker = ChainChecker(
        json.loads(archive.read("checkpoints.json")),
        public_key,
        origin=origin,
        trusted=trusted,
        anchor_check=anchor_checker(tsa_pem or bundled_tsa),
        require_anchor=bool(tsa_pem) or bool(manifest.get("anchoring_required")),
    )
    if trusted_pem and key_fingerprint(load_public_key(bundled_pem)) != checker.fingerprint:
        checker.problem(SIGNATURE, None, "The bundle's public key is not the trusted key.")
    included = set(manifest["record_models"])
    live = None
    if "current.jsonl" in names:  # live records, each naming the version it must equal
        live = verify_current.CurrentStateChecker(
            _lines(archive, "current.jsonl"), report=checker.live, max_problems=MAX_PROBLEMS
        )
    # records.jsonl lists the record versions in ledger order, then those with no entry,
    # so the files are read side by side without holding any in memory.
    records = _lines(archive, "records.jsonl")
    pending_record = next(records, None)
    for entry in _lines(archive, "ledger.jsonl"):
        row_hash = ROW_NOT_INCLUDED
        if entry["covered_model"] in included:
            row_hash = ROW_MISSING
            if pending_record is not None and pending_record.get("sequence") == entry["sequence"]:
                row_hash = content_hash(pending_record["row"])
                if live is not None:
                    # A version hashed before fields were added is compared with the live
                    # row as it reads now: with the values those fields took.
                    live.history_row(
                        entry["sequence"],
                        pending_record["model"],
                        pending_record["id"],
                        {**pending_record["row"], **pending_record.get("added_since", {})},
                    )
                pending_record = next(records, None)
        checker.entry(entry, row_hash)
    if live is not None:
        live.finish()
        checker.live_rows_checked = live.rows_checked
    while pending_record is not None:
        if pending_record.get("sequence") is None:
            checker.uncovered(pending_record["model"], pending_record["id"])
        pending_record = next(records, None)
    checker.finish()
    return checker, manifest


def read_file(path, what):
    """The bytes of a file the user named; UsageError when missing or empty (never a
    silent fallback to what the bundle carries)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise UsageError(f"cannot read {what} {path}: {error.strerror or error}") from None
    if not data.strip():
        raise UsageError(f"{what} {path} is empty")
    return data


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify an AIMS portal evidence bundle.")
    parser.add_argument("bundle", help="the evidence bundle ZIP file")
    parser.add_argument("--public-key", help="PEM file of the ledger key you trust (recommended)")
    parser.add_argument(
        "--trusted-checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="a checkpoint you saved earlier: the log must extend it (repeatable)",
    )
    parser.add_argument("--tsa-cert", help="PEM certificate of the time-stamping authority")
    args = parser.parse_args(argv)
    try:
        trusted = read_file(args.public_key, "--public-key") if args.public_key else None
        if trusted is not None:
            load_public_key(trusted)
        held = [
            (name, read_file(name, "--trusted-checkpoint").decode("utf-8", "replace"))
            for name in args.trusted_checkpoint
        ]
        tsa = read_file(args.tsa_cert, "--tsa-cert") if args.tsa_cert else None
        with zipfile.ZipFile(args.bundle) as archive:
            checker, manifest = verify_archive(archive, trusted, held, tsa)
    except UsageError as error:
        print(f"ERROR: {error}")
        return 2
    except ValueError as error:
        print(f"ERROR: --public-key is not an Ed25519 public key in PEM form ({error})")
        return 2
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        print(f"FAILED: the bundle cannot be read ({error})")
        return 2
    print(f"Bundle: {manifest.get('title', '')} exported {manifest.get('exported_at', '')}")
    print(f"Log: {manifest.get('origin', '(unnamed)')}")
    print(f"Public key fingerprint (SHA-256): {checker.fingerprint}")
    for line in checker.summary_lines():
        print(line)
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
