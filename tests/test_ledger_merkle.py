"""The transparency-log primitives against a plain transcription of RFC 9162's definitions
(recursive MTH, PATH and PROOF), for every tree size up to 70 and random larger ones."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from integrity import verify_receipt as tlog


def leaves(n):
    return [tlog.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def mth(hashes):
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = tlog.split_point(len(hashes))
    return tlog.node_hash(mth(hashes[:k]), mth(hashes[k:]))


def path(m, hashes):
    if len(hashes) <= 1:
        return []
    k = tlog.split_point(len(hashes))
    if m < k:
        return [*path(m, hashes[:k]), mth(hashes[k:])]
    return [*path(m - k, hashes[k:]), mth(hashes[:k])]


def subproof(m, hashes, whole):
    n = len(hashes)
    if m == n:
        return [] if whole else [mth(hashes)]
    k = tlog.split_point(n)
    if m <= k:
        return [*subproof(m, hashes[:k], whole), mth(hashes[k:])]
    return [*subproof(m - k, hashes[k:], False), mth(hashes[:k])]


def from_ranges(ranges, hashes):
    return [mth(hashes[a:b]) for a, b in ranges]


def test_compact_range_root_and_stored_nodes_match_the_definition():
    hashes = leaves(70)
    compact = tlog.CompactRange()
    stored = {}
    for i, leaf in enumerate(hashes):
        for level, node in enumerate(compact.append(leaf)):
            stored[(i + 1, level)] = node
        assert compact.root() == mth(hashes[: i + 1])
    # every complete subtree's hash is where stored_at says it is
    for level in range(7):
        for index in range(70 >> level):
            expected = mth(hashes[index << level : (index + 1) << level])
            assert stored[tlog.stored_at(level, index)] == expected


def test_compact_range_resumes_from_a_frontier():
    hashes = leaves(45)
    frontier = [mth(hashes[a << lv : (a + 1) << lv]) for lv, a in tlog.subtree_nodes(0, 29)]
    compact = tlog.CompactRange(29, frontier)
    for leaf in hashes[29:]:
        compact.append(leaf)
    assert compact.root() == mth(hashes)


@pytest.mark.parametrize("size", range(1, 71))
def test_inclusion_proofs_for_every_leaf(size):
    hashes = leaves(size)
    root = mth(hashes)
    for m in range(size):
        proof = from_ranges(tlog.inclusion_ranges(m, size), hashes)
        assert proof == path(m, hashes)
        assert tlog.verify_inclusion(m, size, hashes[m], proof, root)
        assert not tlog.verify_inclusion(m, size, tlog.leaf_hash(b"other"), proof, root)
        if proof:
            bad = [*proof[:-1], tlog.leaf_hash(b"x")]
            assert not tlog.verify_inclusion(m, size, hashes[m], bad, root)


@pytest.mark.parametrize("new", range(1, 40))
def test_consistency_proofs_between_every_pair(new):
    hashes = leaves(new)
    for old in range(1, new + 1):
        proof = from_ranges(tlog.consistency_ranges(old, new), hashes)
        assert proof == subproof(old, hashes, True)
        assert tlog.verify_consistency(old, new, mth(hashes[:old]), mth(hashes), proof)
        other = [*leaves(old - 1), tlog.leaf_hash(b"rewritten")]
        assert not tlog.verify_consistency(old, new, mth(other), mth(hashes), proof)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3000), st.data())
def test_proofs_at_random_sizes(size, data):
    hashes = leaves(size)
    root = mth(hashes)
    m = data.draw(st.integers(0, size - 1))
    proof = from_ranges(tlog.inclusion_ranges(m, size), hashes)
    assert tlog.verify_inclusion(m, size, hashes[m], proof, root)
    old = data.draw(st.integers(1, size))
    proof = from_ranges(tlog.consistency_ranges(old, size), hashes)
    assert tlog.verify_consistency(old, size, mth(hashes[:old]), root, proof)


def test_signed_checkpoint_round_trip_and_forgery():
    key = Ed25519PrivateKey.generate()
    body = tlog.checkpoint_body("portal.example/aims-ledger", 12, b"\x07" * 32, ["time 2026"])
    root_text = base64.b64encode(b"\x07" * 32).decode()
    assert body == f"portal.example/aims-ledger\n12\n{root_text}\ntime 2026\n"
    note = tlog.sign_note(body, "portal.example/aims-ledger", key)
    assert note.startswith(body + "\n\u2014 portal.example/aims-ledger ")
    origin, size, root, ext = tlog.open_checkpoint(
        note, "portal.example/aims-ledger", key.public_key()
    )
    assert (origin, size, root, ext) == (
        "portal.example/aims-ledger",
        12,
        b"\x07" * 32,
        ["time 2026"],
    )
    with pytest.raises(tlog.NoteError, match="invalid"):
        tlog.open_note(
            note.replace("\n12\n", "\n13\n"), "portal.example/aims-ledger", key.public_key()
        )
    other = Ed25519PrivateKey.generate()
    with pytest.raises(tlog.NoteError, match="no signature"):
        tlog.open_note(note, "portal.example/aims-ledger", other.public_key())
    vkey = tlog.verifier_key("portal.example/aims-ledger", key.public_key())
    name, kid, _ = vkey.split("+", 2)
    assert name == "portal.example/aims-ledger" and len(kid) == 8
