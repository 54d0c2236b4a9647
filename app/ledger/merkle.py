"""RFC 6962 Merkle tree hashing, proof shapes, proof generation and verification.

Pure: standard library only. Import it through :mod:`app.ledger.core`.

Ranges are half-open leaf ranges ``(start, end)``. A *complete subtree* is a range
``(i * 2**k, (i + 1) * 2**k)``; storage keeps one hash per complete subtree, so every
proof hash is either a stored node or the right fold of a few of them
(:func:`complete_subtrees`, :func:`fold_subtrees`).

Storage recipe (one row per complete subtree, keyed by :func:`subtree_coords`):

* append: read the frontier, the hashes of ``complete_subtrees(0, size)`` (at most
  ``log2(size) + 1`` rows); ``nodes, frontier = extend_frontier(size, frontier, leaves)``;
  insert ``nodes``; the new tree head is ``fold_subtrees(frontier)``.
* prove: ``ranges = inclusion_proof_ranges(index, size)`` (or
  ``consistency_proof_ranges(size1, size2)``); fetch ``subtrees_needed(ranges)`` in one
  query; ``proof = proof_hashes(ranges, lambda s, e: fetched[(s, e)])``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256

Range = tuple[int, int]
SubtreeHash = Callable[[int, int], bytes]
"""``get(start, end) -> hash`` of one complete subtree (the only ranges ever asked for)."""


class LedgerCoreError(ValueError):
    """Base of every error raised by the pure ledger core."""


class ProofError(LedgerCoreError):
    """A Merkle proof, its parameters or the hashes it is checked against are wrong."""


class SubtreeSource(Protocol):
    """Anything that can hand out the hash of a complete subtree (``MerkleTree``, SQL storage)."""

    def subtree_hash(self, start: int, end: int) -> bytes:
        """The hash of the complete subtree over leaves ``[start, end)``."""


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash ``SHA-256(0x00 || data)``.

    >>> leaf_hash(b"").hex()[:16]
    '6e340b9cffb37a98'
    """
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash ``SHA-256(0x01 || left || right)``.

    >>> node_hash(b"N123", b"N456").hex()[:16]
    'aa217fe888e47007'
    """
    return _sha256(b"\x01" + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree head over ``leaf_hashes`` (already leaf-hashed), any size.

    Bottom-up: pair neighbours level by level, an odd last node moves up unchanged,
    which is exactly RFC 6962's split at the largest power of two.

    >>> root([]) == EMPTY_ROOT
    True
    >>> root([leaf_hash(b"")]).hex()[:16]
    '6e340b9cffb37a98'
    >>> root([leaf_hash(b""), leaf_hash(b"\\x00")]).hex()[:16]
    'fac54203e7cc696c'
    """
    level = leaf_hashes
    if not level:
        return EMPTY_ROOT
    sha = _sha256
    while len(level) > 1:
        pairs = iter(level)
        upper = [sha(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        if len(level) & 1:
            upper.append(level[-1])
        level = upper
    return level[0]


def fold_subtrees(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of :func:`complete_subtrees` of a range into the range's hash.

    The fold is from the right: ``h0, h1, h2 -> node(h0, node(h1, h2))``; no hashes give
    the empty-tree hash.

    >>> a, b, c = (leaf_hash(bytes([i])) for i in range(3))
    >>> fold_subtrees([node_hash(a, b), c]) == root([a, b, c])
    True
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = _sha256(b"\x01" + h + acc).digest()
    return acc


def complete_subtrees(start: int, end: int) -> list[Range]:
    """Split a proof-shaped range into complete subtrees, largest first.

    A range is proof-shaped when ``start`` is a multiple of the largest power of two
    not above ``end - start`` (every range a proof or a tree head needs, and every
    ``(0, size)``). Its hash is :func:`fold_subtrees` of the parts' hashes.

    >>> complete_subtrees(0, 7)
    [(0, 4), (4, 6), (6, 7)]
    >>> complete_subtrees(8, 16)
    [(8, 16)]
    >>> complete_subtrees(0, 0)
    []
    >>> complete_subtrees(2, 6)
    Traceback (most recent call last):
    ...
    app.ledger.merkle.ProofError: range [2, 6) is not proof-shaped: start must be a multiple of 4
    """
    if not 0 <= start <= end:
        raise ProofError(f"range [{start}, {end}) is invalid: expected 0 <= start <= end")
    width = end - start
    if width and start % (top := 1 << (width.bit_length() - 1)):
        raise ProofError(
            f"range [{start}, {end}) is not proof-shaped: start must be a multiple of {top}"
        )
    parts = []
    while start < end:
        step = 1 << ((end - start).bit_length() - 1)
        parts.append((start, start + step))
        start += step
    return parts


def subtree_coords(start: int, end: int) -> tuple[int, int]:
    """Return ``(level, index)`` of a complete subtree: it spans ``2**level`` leaves.

    Storage can key node rows by ``(level, index)``; the inverse is
    ``(index << level, (index + 1) << level)``.

    >>> subtree_coords(8, 12)
    (2, 2)
    >>> subtree_coords(3, 5)
    Traceback (most recent call last):
    ...
    app.ledger.merkle.ProofError: range [3, 5) is not a complete subtree
    """
    width = end - start
    level = width.bit_length() - 1
    if width <= 0 or width != 1 << level or start % width:
        raise ProofError(f"range [{start}, {end}) is not a complete subtree")
    return level, start >> level


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")


def inclusion_proof_ranges(index: int, size: int) -> list[Range]:
    """List the ranges whose hashes form the inclusion proof of leaf ``index``, in proof order.

    Proof order is bottom-up (the leaf's sibling first), as RFC 6962 ``PATH``.

    >>> inclusion_proof_ranges(0, 8)
    [(1, 2), (2, 4), (4, 8)]
    >>> inclusion_proof_ranges(6, 7)
    [(4, 6), (0, 4)]
    >>> inclusion_proof_ranges(0, 1)
    []
    """
    _check_index(index, size)
    lo, hi, path = 0, size, []
    while hi - lo > 1:
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_proof_ranges(size1: int, size2: int) -> list[Range]:
    """List the ranges whose hashes form the consistency proof from ``size1`` to ``size2``.

    RFC 6962 ``SUBPROOF`` order; empty when the sizes are equal.

    >>> consistency_proof_ranges(3, 7)
    [(2, 3), (3, 4), (0, 2), (4, 7)]
    >>> consistency_proof_ranges(4, 7)
    [(4, 7)]
    >>> consistency_proof_ranges(0, 7)
    Traceback (most recent call last):
    ...
    app.ledger.merkle.ProofError: consistency proof from size 0 to 7: expected 1 <= size1 <= size2
    """
    if not 0 < size1 <= size2:
        raise ProofError(
            f"consistency proof from size {size1} to {size2}: expected 1 <= size1 <= size2"
        )
    if size1 == size2:
        return []
    lo, hi, m, whole, suffix = 0, size2, size1, True, []
    while m != hi - lo:
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m <= k:
            suffix.append((lo + k, hi))
            hi = lo + k
        else:
            suffix.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        suffix.append((lo, hi))
    suffix.reverse()
    return suffix


def subtrees_needed(ranges: Iterable[Range]) -> list[Range]:
    """Return the distinct complete subtrees that the hashes of ``ranges`` are built from.

    Storage fetches exactly these (one query), then calls :func:`proof_hashes`.

    >>> subtrees_needed(inclusion_proof_ranges(0, 7))
    [(1, 2), (2, 4), (4, 6), (6, 7)]
    """
    return sorted({part for rng in ranges for part in complete_subtrees(*rng)})


def proof_hashes(ranges: Iterable[Range], get: SubtreeHash) -> list[bytes]:
    """Return the hash of each range, built from complete-subtree hashes given by ``get``.

    >>> leaves = [leaf_hash(bytes([i])) for i in range(3)]
    >>> stored = {(0, 2): node_hash(leaves[0], leaves[1]), (2, 3): leaves[2]}
    >>> proof_hashes([(2, 3), (0, 3)], lambda s, e: stored[(s, e)]) == [leaves[2], root(leaves)]
    True
    """
    return [fold_subtrees([get(*p) for p in complete_subtrees(*rng)]) for rng in ranges]


def inclusion_proof(index: int, size: int, get: SubtreeHash) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return proof_hashes(inclusion_proof_ranges(index, size), get)


def consistency_proof(size1: int, size2: int, get: SubtreeHash) -> list[bytes]:
    """Return the consistency proof from the tree of ``size1`` leaves to ``size2``."""
    return proof_hashes(consistency_proof_ranges(size1, size2), get)


def tree_root(size: int, get: SubtreeHash) -> bytes:
    """Return the tree head of the first ``size`` leaves from complete-subtree hashes."""
    return proof_hashes([(0, size)], get)[0]


def extend_frontier(
    size: int, frontier: Sequence[bytes], new_leaf_hashes: Iterable[bytes]
) -> tuple[list[tuple[int, int, bytes]], list[bytes]]:
    """Append leaves to a log known only by its frontier; return new nodes and new frontier.

    The frontier of a tree is the hashes of ``complete_subtrees(0, size)`` (at most
    ``log2(size) + 1`` rows). Returns every complete subtree the new leaves complete, as
    ``(start, end, hash)`` including the leaves themselves (the rows storage inserts),
    and the new frontier, whose :func:`fold_subtrees` is the new tree head.

    >>> leaves = [leaf_hash(bytes([i])) for i in range(3)]
    >>> nodes, front = extend_frontier(0, [], leaves)
    >>> [(s, e) for s, e, _ in nodes]
    [(0, 1), (1, 2), (0, 2), (2, 3)]
    >>> fold_subtrees(front) == root(leaves)
    True
    """
    ranges = complete_subtrees(0, size)
    if len(ranges) != len(frontier):
        raise ProofError(
            f"frontier for size {size} must have {len(ranges)} hashes, got {len(frontier)}"
        )
    stack = [(s, e, h) for (s, e), h in zip(ranges, frontier, strict=True)]
    nodes = []
    for h in new_leaf_hashes:
        top = (size, size + 1, h)
        size += 1
        nodes.append(top)
        while stack and stack[-1][1] - stack[-1][0] == top[1] - top[0]:
            left = stack.pop()
            top = (left[0], top[1], _sha256(b"\x01" + left[2] + top[2]).digest())
            nodes.append(top)
        stack.append(top)
    return nodes, [h for _, _, h in stack]


def _check_hash(what: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, bytes | bytearray) else repr(value)
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {got}")


def _check_proof(proof: Sequence[bytes], want: int, context: str) -> None:
    if len(proof) != want:
        raise ProofError(f"{context}: proof has {len(proof)} hashes, expected {want}")
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Return the tree head that ``proof`` implies for leaf hash ``leaf`` at ``index``.

    Raises:
        ProofError: bad index or size, wrong proof length, or a hash that is not 32 bytes.

    >>> leaves = [leaf_hash(bytes([i])) for i in range(5)]
    >>> root_from_inclusion_proof(leaves[4], 4, 5, [root(leaves[:4])]) == root(leaves)
    True
    """
    _check_hash("leaf hash", leaf)
    _check_index(index, size)
    inner = (index ^ (size - 1)).bit_length()
    want = inner + (index >> inner).bit_count()
    _check_proof(proof, want, f"inclusion of leaf {index} in tree size {size}")
    acc = leaf
    for i, p in enumerate(proof):
        if i < inner and not (index >> i) & 1:
            acc = _sha256(b"\x01" + acc + p).digest()
        else:
            acc = _sha256(b"\x01" + p + acc).digest()
    return acc


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that leaf hash ``leaf`` is leaf ``index`` of the tree with head ``root_hash``.

    Raises:
        ProofError: naming what does not match.

    >>> leaves = [leaf_hash(bytes([i])) for i in range(3)]
    >>> verify_inclusion(leaves[0], 0, 3, [leaves[1], leaves[2]], root(leaves))
    >>> verify_inclusion(leaves[1], 0, 3, [leaves[1], leaves[2]], root(leaves))
    Traceback (most recent call last):
    ...
    app.ledger.merkle.ProofError: inclusion of leaf 0 in tree size 3: computed root ad6c...5dc2 does not match expected root 3b6c...f688
    """  # noqa: E501
    _check_hash("root hash", root_hash)
    got = root_from_inclusion_proof(leaf, index, size, proof)
    if got != root_hash:
        raise ProofError(
            f"inclusion of leaf {index} in tree size {size}: computed root {_short(got)}"
            f" does not match expected root {_short(root_hash)}"
        )


def roots_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """Return the (old, new) tree heads that a consistency proof implies.

    ``root1`` is only used when ``size1`` is a power of two (the proof then omits it).

    Raises:
        ProofError: bad sizes, wrong proof length, or a hash that is not 32 bytes.
    """
    context = f"consistency from size {size1} to {size2}"
    if not 0 < size1 < size2:
        raise ProofError(f"{context}: expected 1 <= size1 < size2")
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length() - shift
    mask = (size1 - 1) >> shift
    seeded = size1 != 1 << shift
    _check_proof(proof, seeded + inner + (mask >> inner).bit_count(), context)
    if seeded:
        seed, proof = proof[0], proof[1:]
    else:
        _check_hash("root1", root1)
        seed = root1
    old = new = seed
    for i, p in enumerate(proof):
        if i >= inner or (mask >> i) & 1:
            old = _sha256(b"\x01" + p + old).digest()
            new = _sha256(b"\x01" + p + new).digest()
        else:
            new = _sha256(b"\x01" + new + p).digest()
    return old, new


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` leaves with head ``root2`` extends ``size1``/``root1``.

    Equal sizes need an empty proof and equal heads (size 0: the empty-tree hash);
    a proof from size 0 to a larger tree proves nothing and is refused.

    Raises:
        ProofError: naming what does not match.

    >>> leaves = [leaf_hash(bytes([i])) for i in range(3)]
    >>> verify_consistency(2, 3, [leaves[2]], root(leaves[:2]), root(leaves))
    >>> verify_consistency(2, 3, [leaves[1]], root(leaves[:2]), root(leaves))
    Traceback (most recent call last):
    ...
    app.ledger.merkle.ProofError: consistency from size 2 to 3: computed new root e5ce...c883 does not match root2 3b6c...f688
    """  # noqa: E501
    context = f"consistency from size {size1} to {size2}"
    if not 0 <= size1 <= size2:
        raise ProofError(f"{context}: expected 0 <= size1 <= size2")
    if size1 == size2:
        if proof:
            raise ProofError(f"{context}: proof has {len(proof)} hashes, expected 0")
        if root1 != root2:
            raise ProofError(f"{context}: root1 {_short(root1)} differs from root2 {_short(root2)}")
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise ProofError(f"{context}: root {_short(root1)} is not the empty-tree hash")
        return
    if size1 == 0:
        raise ProofError(f"{context}: every tree extends the empty tree; nothing to verify")
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    old, new = roots_from_consistency_proof(size1, size2, proof, root1)
    if old != root1:
        raise ProofError(
            f"{context}: computed old root {_short(old)} does not match root1 {_short(root1)}"
        )
    if new != root2:
        raise ProofError(
            f"{context}: computed new root {_short(new)} does not match root2 {_short(root2)}"
        )


def _short(h: bytes) -> str:
    x = bytes(h).hex()
    return x if len(x) <= 12 else f"{x[:4]}...{x[-4:]}"


def subtree_levels(leaf_hashes: bytes) -> list[bytes]:
    """Every complete-subtree hash of a tree, one level per item, hashes back to back.

    Level 0 is ``leaf_hashes`` itself (32 bytes per leaf); level ``k`` holds the
    ``size >> k`` subtrees of ``2**k`` leaves, left to right.

    >>> levels = subtree_levels(b"".join(leaf_hash(d) for d in (b"a", b"b", b"c")))
    >>> [len(level) // HASH_SIZE for level in levels]
    [3, 1]
    """
    if len(leaf_hashes) % HASH_SIZE:
        raise ValueError(f"leaf hashes must be {HASH_SIZE} bytes each")
    levels, level = [leaf_hashes], leaf_hashes
    while len(level) > HASH_SIZE:
        level = b"".join(
            _sha256(b"\x01" + level[i : i + 2 * HASH_SIZE]).digest()
            for i in range(0, len(level) - HASH_SIZE, 2 * HASH_SIZE)
        )
        levels.append(level)
    return levels


class MerkleTree:
    """In-memory append-only tree keeping every complete-subtree hash (for tests and verify).

    >>> t = MerkleTree.from_data([b"a", b"b", b"c"])
    >>> t.size, t.root() == root([leaf_hash(d) for d in (b"a", b"b", b"c")])
    (3, True)
    >>> verify_inclusion(t.leaf(1), 1, 3, t.inclusion_proof(1), t.root())
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        level = list(leaf_hashes)
        self._levels: list[list[bytes]] = [level]
        sha = _sha256
        while len(level) > 1:
            pairs = iter(level)
            level = [sha(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
            self._levels.append(level)

    @classmethod
    def from_data(cls, items: Iterable[bytes]) -> MerkleTree:
        """Build a tree from leaf data (each item is leaf-hashed)."""
        return cls(_sha256(b"\x00" + d).digest() for d in items)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    def leaf(self, index: int) -> bytes:
        """Return the hash of leaf ``index``."""
        _check_index(index, self.size)
        return self._levels[0][index]

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash; return its index."""
        _check_hash("leaf hash", leaf)
        index = self.size
        self._levels[0].append(leaf)
        level, n = 0, index + 1
        while not n & 1:
            below = self._levels[level]
            level, n = level + 1, n >> 1
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(node_hash(below[-2], below[-1]))
        return index

    def subtree_hash(self, start: int, end: int) -> bytes:
        """Return the stored hash of a complete subtree inside the tree (:class:`SubtreeSource`)."""
        level, index = subtree_coords(start, end)
        if end > self.size:
            raise ProofError(f"range [{start}, {end}) is beyond the tree size {self.size}")
        return self._levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        """Return the tree head at ``size`` (default: the whole tree)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ProofError(f"tree size {size} is outside 0..{self.size}")
        return tree_root(size, self.subtree_hash)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the inclusion proof of leaf ``index`` in the tree at ``size``."""
        size = self.size if size is None else size
        if size > self.size:
            raise ProofError(f"tree size {size} is outside 0..{self.size}")
        return inclusion_proof(index, size, self.subtree_hash)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Return the consistency proof from ``size1`` to ``size2`` (default: whole tree)."""
        size2 = self.size if size2 is None else size2
        if size2 > self.size:
            raise ProofError(f"tree size {size2} is outside 0..{self.size}")
        return consistency_proof(size1, size2, self.subtree_hash)
