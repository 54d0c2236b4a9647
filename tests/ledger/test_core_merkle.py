"""Merkle proofs: exhaustive small sizes against an independent RFC 6962 reference, properties."""

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger import core

MAX = 300
LEAVES = [core.leaf_hash(i.to_bytes(4, "big")) for i in range(MAX)]
TREE = core.MerkleTree(LEAVES)


def _h(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


@cache
def mth(lo: int, hi: int) -> bytes:
    """RFC 6962 section 2.1 MTH, written from the definition (split at largest 2**k < n)."""
    n = hi - lo
    if n == 0:
        return _h()
    if n == 1:
        return LEAVES[lo]
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01", mth(lo, lo + k), mth(lo + k, hi))


def ref_path(m: int, lo: int, hi: int) -> list[bytes]:
    """RFC 6962 section 2.1.1 PATH(m, D[lo:hi]), m absolute."""
    if hi - lo == 1:
        return []
    k = 1
    while k * 2 < hi - lo:
        k *= 2
    if m < lo + k:
        return ref_path(m, lo, lo + k) + [mth(lo + k, hi)]
    return ref_path(m, lo + k, hi) + [mth(lo, lo + k)]


def ref_subproof(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    """RFC 6962 section 2.1.2 SUBPROOF(m, D[lo:hi], b), m relative to lo."""
    if m == hi - lo:
        return [] if whole else [mth(lo, hi)]
    k = 1
    while k * 2 < hi - lo:
        k *= 2
    if m <= k:
        return ref_subproof(m, lo, lo + k, whole) + [mth(lo + k, hi)]
    return ref_subproof(m - k, lo + k, hi, False) + [mth(lo, lo + k)]


def test_roots_equal_reference_for_every_size_up_to_max():
    for n in range(MAX + 1):
        assert core.root(LEAVES[:n]) == mth(0, n), n
        assert TREE.root(n) == mth(0, n), n


def test_every_inclusion_proof_up_to_max_matches_reference_and_verifies():
    for n in range(1, MAX + 1):
        want_root = mth(0, n)
        for i in range(n):
            proof = TREE.inclusion_proof(i, n)
            assert proof == ref_path(i, 0, n), (i, n)
            core.verify_inclusion(LEAVES[i], i, n, proof, want_root)


def test_every_consistency_proof_up_to_max_matches_reference_and_verifies():
    for n in range(1, MAX + 1):
        for m in range(1, n + 1):
            proof = TREE.consistency_proof(m, n)
            assert proof == ref_subproof(m, 0, n, True), (m, n)
            core.verify_consistency(m, n, proof, mth(0, m), mth(0, n))


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@st.composite
def index_and_size(draw):
    size = draw(st.integers(1, MAX))
    return draw(st.integers(0, size - 1)), size


@given(index_and_size(), st.integers(0, 255), st.data())
def test_inclusion_fails_after_any_bit_flip(pos, bit, data):
    index, size = pos
    proof, root = TREE.inclusion_proof(index, size), mth(0, size)
    target = data.draw(st.integers(-2, len(proof) - 1), label="target")
    leaf = _flip(LEAVES[index], bit) if target == -1 else LEAVES[index]
    root = _flip(root, bit) if target == -2 else root
    if target >= 0:
        proof[target] = _flip(proof[target], bit)
    with pytest.raises(core.ProofError, match="does not match"):
        core.verify_inclusion(leaf, index, size, proof, root)


@given(index_and_size(), st.integers(0, MAX - 1))
def test_inclusion_fails_at_another_index(pos, other):
    index, size = pos
    other %= size
    proof = TREE.inclusion_proof(index, size)
    if other != index:
        with pytest.raises(core.ProofError):
            core.verify_inclusion(LEAVES[index], other, size, proof, mth(0, size))


@st.composite
def two_sizes(draw):
    size2 = draw(st.integers(2, MAX))
    return draw(st.integers(1, size2 - 1)), size2


@given(two_sizes(), st.integers(0, 255), st.data())
def test_consistency_fails_after_any_bit_flip(sizes, bit, data):
    size1, size2 = sizes
    proof, root1, root2 = TREE.consistency_proof(size1, size2), mth(0, size1), mth(0, size2)
    target = data.draw(st.integers(-2, len(proof) - 1), label="target")
    root1 = _flip(root1, bit) if target == -1 else root1
    root2 = _flip(root2, bit) if target == -2 else root2
    if target >= 0:
        proof[target] = _flip(proof[target], bit)
    with pytest.raises(core.ProofError, match="does not match"):
        core.verify_consistency(size1, size2, proof, root1, root2)


@given(two_sizes(), st.integers(1, 3))
def test_consistency_fails_for_other_sizes(sizes, delta):
    size1, size2 = sizes
    proof = TREE.consistency_proof(size1, size2)
    for s1, s2 in [(size1 + delta, size2), (size1, size2 + delta)]:
        if s1 < s2 <= MAX:
            with pytest.raises(core.ProofError):
                core.verify_consistency(s1, s2, proof, mth(0, s1), mth(0, s2))


@settings(max_examples=60)
@given(st.lists(st.integers(0, 40), max_size=8), st.integers(0, 40))
def test_extend_frontier_emits_every_stored_node_and_the_root(batches, first):
    """Storage's append path: frontier in, new complete-subtree rows and frontier out."""
    size, frontier = 0, []
    stored = {}
    for count in [first, *batches]:
        new = LEAVES[size : size + count]
        nodes, frontier = core.extend_frontier(size, frontier, new)
        size += len(new)
        for start, end, h in nodes:
            assert (start, end) not in stored
            assert h == TREE.subtree_hash(start, end)
            stored[(start, end)] = h
        assert core.fold_subtrees(frontier) == mth(0, size)
    complete = {(i << lv, (i + 1) << lv) for lv in range(10) for i in range(size >> lv)}
    assert set(stored) == complete


@given(index_and_size(), two_sizes())
def test_storage_style_proofs_from_fetched_nodes(pos, sizes):
    """Fetch exactly subtrees_needed(ranges) (one query), then assemble with proof_hashes."""
    index, size = pos
    size1, size2 = sizes
    for ranges, want in [
        (core.inclusion_proof_ranges(index, size), ref_path(index, 0, size)),
        (core.consistency_proof_ranges(size1, size2), ref_subproof(size1, 0, size2, True)),
    ]:
        needed = core.subtrees_needed(ranges)
        fetched = {r: TREE.subtree_hash(*r) for r in needed}
        assert core.proof_hashes(ranges, lambda s, e, f=fetched: f[(s, e)]) == want
        assert len(needed) <= 2 * max(size, size2).bit_length()


def test_incremental_append_equals_bulk_build():
    tree = core.MerkleTree()
    for i, leaf in enumerate(LEAVES[:130]):
        assert tree.append(leaf) == i
        assert tree.root() == mth(0, i + 1)
    assert tree.inclusion_proof(77) == TREE.inclusion_proof(77, 130)


def test_from_data_hashes_leaves():
    tree = core.MerkleTree.from_data([b"a", b"b"])
    assert tree.root() == _h(b"\x01", _h(b"\x00a"), _h(b"\x00b"))


def test_ranges_and_coordinates():
    assert core.inclusion_proof_ranges(5, 6) == [(4, 5), (0, 4)]
    assert core.consistency_proof_ranges(6, 8) == [(4, 6), (6, 8), (0, 4)]
    assert core.complete_subtrees(0, 13) == [(0, 8), (8, 12), (12, 13)]
    assert core.subtree_coords(12, 13) == (0, 12)
    assert core.subtree_coords(0, 8) == (3, 0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: core.inclusion_proof_ranges(3, 3), "leaf index 3 is outside a tree of size 3"),
        (lambda: core.complete_subtrees(4, 3), "range [4, 3) is invalid: expected 0 <= start <= end"),
        (lambda: core.subtree_coords(0, 3), "range [0, 3) is not a complete subtree"),
        (lambda: TREE.subtree_hash(256, 512), "range [256, 512) is beyond the tree size 300"),
        (lambda: TREE.root(301), "tree size 301 is outside 0..300"),
        (
            lambda: core.extend_frontier(3, [LEAVES[0]], []),
            "frontier for size 3 must have 2 hashes, got 1",
        ),
        (
            lambda: core.verify_inclusion(LEAVES[0], 0, 2, [], mth(0, 2)),
            "inclusion of leaf 0 in tree size 2: proof has 0 hashes, expected 1",
        ),
        (
            lambda: core.verify_inclusion(LEAVES[0][:31], 0, 1, [], LEAVES[0]),
            "leaf hash must be 32 bytes, got 31 bytes",
        ),
        (
            lambda: core.verify_inclusion(LEAVES[0], 0, 2, [b""], mth(0, 2)),
            "proof[0] must be 32 bytes, got 0 bytes",
        ),
        (
            lambda: core.verify_inclusion(LEAVES[1], 0, 1, [], LEAVES[0]),
            "inclusion of leaf 0 in tree size 1: computed root 15f2...38b4"
            " does not match expected root 8855...39a4",
        ),
        (
            lambda: core.verify_consistency(3, 2, [], mth(0, 3), mth(0, 2)),
            "consistency from size 3 to 2: expected 0 <= size1 <= size2",
        ),
        (
            lambda: core.verify_consistency(0, 2, [], core.EMPTY_ROOT, mth(0, 2)),
            "consistency from size 0 to 2: every tree extends the empty tree; nothing to verify",
        ),
        (
            lambda: core.verify_consistency(2, 2, [LEAVES[0]], mth(0, 2), mth(0, 2)),
            "consistency from size 2 to 2: proof has 1 hashes, expected 0",
        ),
        (
            lambda: core.verify_consistency(0, 0, [], LEAVES[0], LEAVES[0]),
            "consistency from size 0 to 0: root 8855...39a4 is not the empty-tree hash",
        ),
        (
            lambda: core.verify_consistency(3, 4, [LEAVES[2]], mth(0, 3), mth(0, 4)),
            "consistency from size 3 to 4: proof has 1 hashes, expected 3",
        ),
        (
            lambda: core.verify_consistency(
                2, 4, TREE.consistency_proof(2, 4), mth(0, 2), mth(0, 3)
            ),
            "consistency from size 2 to 4: computed new root 8e21...9607"
            " does not match root2 e4b0...3484",
        ),
    ],
)
def test_error_messages(call, message):
    with pytest.raises(core.ProofError) as err:
        call()
    assert str(err.value) == message
