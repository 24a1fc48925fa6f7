#!/usr/bin/env python3
"""Verify an AIMS portal attestation receipt offline; and the transparency-log primitives.

    python3 verify_receipt.py receipt.json --proof proof.json --checkpoint checkpoint.txt \\
        --public-key ledger-public-key.pem

Needs Python 3.10+ and the ``cryptography`` package, nothing else. This one file is both the
receipt verifier an AI gateway's operator runs and the transparency-log code that the portal
and the evidence-bundle verifier import, so that all three compute the same bytes:

- the log is a Merkle tree over the ledger entries with RFC 9162 hashing: a leaf is
  SHA-256(0x00 || entry text), an inner node SHA-256(0x01 || left || right);
- inclusion proofs (an entry is in the tree of a given size) and consistency proofs (the
  tree of one size is a prefix of the tree of a larger size), generated and checked with
  RFC 9162's algorithms;
- checkpoints are C2SP signed notes: a body of origin, tree size and base64 root hash (and
  extension lines), then a blank line and one signature line per key, Ed25519.
"""

import base64
import hashlib

# ---------------------------------------------------------------------------------------
# Entries and RFC 9162 hashing
# ---------------------------------------------------------------------------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()


def entry_text(prev_hash, kind, covered_model, covered_id, content):
    """The bytes of a ledger entry: ``prev|kind|app_label.model|id|content`` (hex hashes,
    lower-case names and an integer id, so no part can contain the separator). The hash
    chain hashes these bytes as they are; the Merkle tree hashes them as a leaf."""
    return f"{prev_hash}|{kind}|{covered_model}|{int(covered_id)}|{content}".encode()


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size):
    """The largest power of two smaller than ``size`` (> 1): where RFC 9162 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def subtree_nodes(start, end):
    """The complete subtrees, as (level, index), that make up leaves [start, end), left to
    right. A node (level, index) covers leaves [index * 2**level, (index + 1) * 2**level).
    Every range that RFC 9162's recursions visit is aligned so that this is exact."""
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes):
    """The root of a range given the hashes of its complete subtrees, left to right."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


class CompactRange:
    """The right edge of a growing tree: one hash per complete subtree of the tree so far,
    largest first. Appending a leaf costs on average two hashes; memory is O(log n)."""

    def __init__(self, size=0, hashes=()):
        self.size = size
        self.levels = [level for level, _ in subtree_nodes(0, size)]
        self.hashes = list(hashes)
        if len(self.hashes) != len(self.levels):
            raise ValueError("a compact range needs one hash per complete subtree")

    def append(self, leaf):
        """Add a leaf hash; returns the hashes of the subtrees that end at this leaf, from
        the leaf itself (level 0) upwards."""
        made = [leaf]
        self.levels.append(0)
        self.hashes.append(leaf)
        while len(self.levels) > 1 and self.levels[-1] == self.levels[-2]:
            right, left = self.hashes.pop(), self.hashes.pop()
            level = self.levels.pop() + 1
            self.levels[-1] = level
            parent = node_hash(left, right)
            self.hashes.append(parent)
            made.append(parent)
        self.size += 1
        return made

    def root(self):
        return fold(self.hashes)


def stored_at(level, index):
    """Where the portal keeps the hash of node (level, index): in the ledger entry whose
    sequence number (leaf index + 1) is the last leaf it covers, at position ``level``."""
    return (index + 1) << level, level


# ---------------------------------------------------------------------------------------
# Proofs (RFC 9162 section 2.1.3 and 2.1.4)
# ---------------------------------------------------------------------------------------


def inclusion_ranges(index, size):
    """The leaf ranges whose subtree hashes form the inclusion proof of leaf ``index`` in
    the tree of ``size`` leaves, in proof order (nearest the leaf first)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges, low, high = [], 0, size
    while high - low > 1:
        k = split_point(high - low)
        if index < low + k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
    return ranges[::-1]


def consistency_ranges(old_size, new_size):
    """The leaf ranges whose subtree hashes prove that the tree of ``old_size`` leaves is a
    prefix of the tree of ``new_size`` leaves, in proof order."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size} leaves")
    ranges, low, high, m, whole = [], 0, new_size, old_size, True
    while True:
        n = high - low
        if m == n:
            if not whole:
                ranges.append((low, high))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low, m, whole = low + k, m - k, False
    return ranges[::-1]


def _shift_until_odd(fn, sn):
    while not fn & 1 and fn:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(index, size, leaf, proof, root):
    """True when ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree with ``root``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_until_odd(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old_size, new_size, old_root, new_root, proof):
    """True when ``proof`` shows the tree (old_size, old_root) is a prefix of (new_size,
    new_root)."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if old_size > new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_until_odd(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


# ---------------------------------------------------------------------------------------
# Checkpoints as C2SP signed notes
# ---------------------------------------------------------------------------------------

SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space start every signature line
ED25519 = b"\x01"


class NoteError(ValueError):
    """A checkpoint that is malformed or not signed by the expected key."""


def checkpoint_body(origin, size, root, extensions=()):
    """The signed text of a checkpoint: origin, tree size, base64 root, extension lines."""
    lines = [origin, str(int(size)), base64.b64encode(root).decode(), *extensions]
    if any(not line or "\n" in line for line in lines):
        raise ValueError("checkpoint lines must be non-empty single lines")
    return "".join(f"{line}\n" for line in lines)


def parse_checkpoint(body):
    """(origin, size, root bytes, extension lines) of a checkpoint body."""
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or "" in lines[:-1]:
        raise NoteError("a checkpoint body is at least three non-empty lines, each ending '\\n'")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"the tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError as error:
        raise NoteError("the root hash is not base64") from error
    if len(root) != 32:
        raise NoteError("the root hash is not 32 bytes")
    return origin, int(size_text), root, extensions


def _raw_public_key(public_key):
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name, public_key):
    """The 4-byte key ID of an Ed25519 note key: SHA-256(name, newline, 0x01, key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw_public_key(public_key)).digest()[
        :4
    ]


def verifier_key(name, public_key):
    """The note verifier key string ``name+hexid+base64(0x01 || key)`` that note tools read."""
    raw = base64.b64encode(ED25519 + _raw_public_key(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{raw}"


def sign_note(body, name, private_key):
    """A signed note: the body, a blank line and one Ed25519 signature line."""
    if not body.endswith("\n") or " " in name or "+" in name:
        raise ValueError("a note body ends with a newline; a key name has no space or '+'")
    public_key = private_key.public_key()
    signature = private_key.sign(body.encode())
    line = base64.b64encode(key_id(name, public_key) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {line}\n"


def open_note(text, name, public_key):
    """The body of a signed note after checking it carries a valid signature by ``name``'s
    ``public_key``; raises NoteError otherwise. Other keys' signatures are ignored."""
    from cryptography.exceptions import InvalidSignature

    body, separator, signatures = text.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise NoteError("not a signed note: no blank line before the signatures")
    body += "\n"
    wanted = key_id(name, public_key)
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line does not start with an em dash")
        signer, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except ValueError as error:
            raise NoteError("a signature is not base64") from error
        if signer != name or blob[:4] != wanted:
            continue
        try:
            public_key.verify(blob[4:], body.encode())
        except InvalidSignature as error:
            raise NoteError(f"the signature by {name} is invalid: forged or altered") from error
        return body
    raise NoteError(f"the note carries no signature by the key {name}")


def open_checkpoint(text, name, public_key):
    """(origin, size, root, extensions) of a signed checkpoint, signature checked."""
    return parse_checkpoint(open_note(text, name, public_key))


def load_public_key(pem):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = serialization.load_pem_public_key(pem if isinstance(pem, bytes) else pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


# ---------------------------------------------------------------------------------------
# The receipt verifier (command line)
# ---------------------------------------------------------------------------------------

RECEIPT_FORMAT = "aims-portal-receipt/1"
RECEIPT_FIELDS = {
    "format": str,
    "origin": str,
    "leaf_index": int,
    "kind": str,
    "covered_model": str,
    "covered_id": int,
    "prev_hash": str,
    "entry_hash": str,
    "content_hash": str,
    "row": dict,
    "time": str,
    "system": str,
    "model_version": str,
    "signature": str,
}


class UnusableInput(Exception):
    """A file that cannot be read or is not what it claims to be (exit status 2)."""


def canonical_json(value):
    """The portal's canonical JSON (sorted keys, no spaces, UTF-8, no NaN): the bytes of
    every content hash and receipt signature."""
    import json

    encoder = json.JSONEncoder(
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return encoder.encode(value).encode("utf-8")


def _read(path, what):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise UnusableInput(f"cannot read {what} {path}: {error.strerror or error}") from None
    if not data.strip():
        raise UnusableInput(f"{what} {path} is empty")
    return data


def _read_json(path, what):
    import json

    try:
        value = json.loads(_read(path, what).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UnusableInput(f"{what} {path} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise UnusableInput(f"{what} {path} is not a JSON object")
    return value


def _check_receipt_shape(receipt):
    for name, kind in RECEIPT_FIELDS.items():
        value = receipt.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise UnusableInput(f"the receipt has no valid {name!r} field")
    if receipt["format"] != RECEIPT_FORMAT:
        raise UnusableInput(f"the receipt's format {receipt['format']!r} is not {RECEIPT_FORMAT}")
    unknown = set(receipt) - set(RECEIPT_FIELDS)
    if unknown:
        raise UnusableInput(f"the receipt has unknown fields: {', '.join(sorted(unknown))}")


def _proof_hashes(proof):
    nodes = proof.get("proof")
    if not isinstance(nodes, list):
        raise UnusableInput("the proof has no 'proof' list of hashes")
    try:
        hashes = [bytes.fromhex(node) for node in nodes]
    except (TypeError, ValueError):
        raise UnusableInput("the proof's hashes are not hexadecimal") from None
    if any(len(node) != 32 for node in hashes):
        raise UnusableInput("the proof's hashes are not 32 bytes each")
    for name in ("leaf_index", "tree_size"):
        if type(proof.get(name)) is not int:
            raise UnusableInput(f"the proof has no whole number {name!r}")
    return hashes


def verify_receipt_files(receipt_path, proof_path, checkpoint_path, key_path):
    """The problems found (empty when the receipt holds); raises UnusableInput for a file
    that cannot be used."""
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

    receipt = _read_json(receipt_path, "the receipt")
    proof = _read_json(proof_path, "the proof")
    note = _read(checkpoint_path, "the checkpoint")
    try:
        public_key = load_public_key(_read(key_path, "the public key"))
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise UnusableInput(f"the public key {key_path} is not an Ed25519 key: {error}") from None
    try:
        note = note.decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableInput(f"the checkpoint {checkpoint_path} is not UTF-8 text") from None
    _check_receipt_shape(receipt)
    hashes = _proof_hashes(proof)

    problems = []
    fields = {name: value for name, value in receipt.items() if name != "signature"}
    try:
        signature = base64.b64decode(receipt["signature"], validate=True)
        public_key.verify(signature, canonical_json(fields))
    except (ValueError, InvalidSignature):
        problems.append(
            "receipt signature invalid: the receipt was altered or not signed by this key"
        )
    content = hashlib.sha256(canonical_json(receipt["row"])).hexdigest()
    if content != receipt["content_hash"]:
        problems.append(
            f"content hash mismatch: the row hashes to {content}, the receipt says "
            f"{receipt['content_hash']}"
        )
    if receipt["row"].get("id") != receipt["covered_id"]:
        problems.append(
            f"covered id mismatch: the row is {receipt['row'].get('id')!r}, the receipt "
            f"names {receipt['covered_id']}"
        )
    text = entry_text(
        receipt["prev_hash"],
        receipt["kind"],
        receipt["covered_model"],
        receipt["covered_id"],
        content,
    )
    if hashlib.sha256(text).hexdigest() != receipt["entry_hash"]:
        problems.append("entry hash mismatch: the entry recomputed from the row differs")
    try:
        origin, size, root, _ = open_checkpoint(note, receipt["origin"], public_key)
    except NoteError as error:
        problems.append(f"checkpoint signature invalid: {error}")
        return problems
    if origin != receipt["origin"]:
        problems.append(
            f"checkpoint origin mismatch: the checkpoint is of {origin}, the receipt of "
            f"{receipt['origin']}"
        )
    index = receipt["leaf_index"]
    if not 0 <= index < size:
        problems.append(
            f"checkpoint does not cover the entry: leaf {index} is not in a tree of {size} leaves"
        )
        return problems
    if proof["leaf_index"] != index or proof["tree_size"] != size:
        problems.append(
            f"proof is for leaf {proof['leaf_index']} in a tree of {proof['tree_size']}, "
            f"not for leaf {index} in the checkpoint's tree of {size}"
        )
    elif not verify_inclusion(index, size, leaf_hash(text), hashes, root):
        problems.append(
            f"inclusion proof invalid: leaf {index} does not lead to the checkpoint's root"
        )
    return problems


def main(argv=None):
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        description="Verify an AIMS portal attestation receipt offline: its signature, its "
        "entry, and its inclusion proof against a signed checkpoint."
    )
    parser.add_argument("receipt", help="the receipt (JSON) the portal answered")
    parser.add_argument("--proof", required=True, help="the inclusion proof (JSON)")
    parser.add_argument("--checkpoint", required=True, help="the signed checkpoint (text)")
    parser.add_argument("--public-key", required=True, help="the ledger's public key (PEM)")
    args = parser.parse_args(argv)
    try:
        problems = verify_receipt_files(args.receipt, args.proof, args.checkpoint, args.public_key)
    except UnusableInput as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}")
        return 1
    receipt = _read_json(args.receipt, "the receipt")
    print(
        f"OK: {receipt['covered_model']} {receipt['covered_id']} ({receipt['system']}, model "
        f"version {receipt['model_version']}, {receipt['time']}) is leaf "
        f"{receipt['leaf_index']} of the log {receipt['origin']}, inside its signed checkpoint."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
