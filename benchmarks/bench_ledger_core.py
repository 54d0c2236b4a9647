"""Benchmark the pure ledger core against bare hashlib measured in the same run.

Usage: python benchmarks/bench_ledger_core.py [--smoke]

Figures (each with its anchor and the ratio):
  * bare hashlib SHA-256 over the same leaf (0x00||data) and node (0x01||l||r) messages;
  * ``root`` over N leaf hashes, and leaf hashing + root (what ``custody verify`` does);
  * inclusion and consistency proof generation + verification from an in-memory tree,
    and from fetched complete-subtree hashes (the SQL storage path), median ms.
Targets (issue 4): proofs < 10 ms median at 1,000,000 leaves; verify >= 25% of bare rate.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.ledger import core  # noqa: E402

LEAF_BYTES = 200  # about one log leaf: event hash, record time, partner, a few hop hashes


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def _bare(messages: list[bytes]) -> None:
    sha = hashlib.sha256
    for m in messages:
        sha(m).digest()


def _folds(ranges: list[tuple[int, int]]) -> int:
    """Node hashes spent building proof hashes from complete subtrees."""
    return sum(len(core.complete_subtrees(*r)) - 1 for r in ranges)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10k leaves, fewer repeats (< 60 s)")
    args = parser.parse_args()
    n = 10_000 if args.smoke else 1_000_000
    proofs = 200 if args.smoke else 2_000
    rng = random.Random(6962)
    print(f"ledger core benchmark: {n:,} leaves of {LEAF_BYTES} bytes, Python {sys.version.split()[0]}")

    data = [rng.randbytes(LEAF_BYTES) for _ in range(n)]
    leaf_msgs = [b"\x00" + d for d in data]
    t_bare_leaf, _ = _timed(_bare, leaf_msgs)
    del leaf_msgs
    leaves = [core.leaf_hash(d) for d in data]
    node_msgs = [b"\x01" + leaves[i] + leaves[i + 1] for i in range(n - 1)]
    t_bare_node, _ = _timed(_bare, node_msgs)
    del node_msgs
    bare_leaf_rate, bare_node_rate = n / t_bare_leaf, (n - 1) / t_bare_node
    print(f"anchor  bare hashlib leaf hashes ({LEAF_BYTES + 1} B): {bare_leaf_rate:,.0f}/s")
    print(f"anchor  bare hashlib node hashes (65 B):  {bare_node_rate:,.0f}/s")

    t_root, head = _timed(core.root, leaves)
    rate = (n - 1) / t_root
    print(
        f"root over {n:,} leaf hashes: {t_root:.3f} s, {rate:,.0f} nodes/s"
        f" = {rate / bare_node_rate:.0%} of bare node rate"
    )

    def verify_all() -> bytes:
        return core.root([core.leaf_hash(d) for d in data])

    t_verify, again = _timed(verify_all)
    assert again == head
    bare_verify = n / bare_leaf_rate + (n - 1) / bare_node_rate
    print(
        f"verify (leaf hash + root) {n:,} leaves: {t_verify:.3f} s vs bare {bare_verify:.3f} s"
        f" = {bare_verify / t_verify:.0%} of bare hashlib rate (target >= 25%)"
    )

    t_tree, tree = _timed(core.MerkleTree, leaves)
    assert tree.root() == head
    print(f"MerkleTree build (all complete-subtree levels) {n:,} leaves: {t_tree:.3f} s")

    def bare_hashes(count: int) -> float:
        msgs = [b"\x01" + bytes(64)] * count
        start = time.perf_counter()
        _bare(msgs)
        return time.perf_counter() - start

    inc, inc_store, inc_anchor = [], [], []
    for _ in range(proofs):
        i = rng.randrange(n)
        start = time.perf_counter()
        proof = tree.inclusion_proof(i)
        core.verify_inclusion(leaves[i], i, n, proof, head)
        inc.append(time.perf_counter() - start)
        start = time.perf_counter()
        ranges = core.inclusion_proof_ranges(i, n)
        fetched = {r: tree.subtree_hash(*r) for r in core.subtrees_needed(ranges)}
        proof2 = core.proof_hashes(ranges, lambda s, e, f=fetched: f[(s, e)])
        core.verify_inclusion(leaves[i], i, n, proof2, head)
        inc_store.append(time.perf_counter() - start)
        inc_anchor.append(bare_hashes(_folds(ranges) + len(proof)))

    con, con_store, con_anchor = [], [], []
    for _ in range(proofs):
        m = rng.randrange(1, n)
        old = tree.root(m)
        start = time.perf_counter()
        proof = tree.consistency_proof(m)
        core.verify_consistency(m, n, proof, old, head)
        con.append(time.perf_counter() - start)
        start = time.perf_counter()
        ranges = core.consistency_proof_ranges(m, n)
        fetched = {r: tree.subtree_hash(*r) for r in core.subtrees_needed(ranges)}
        proof2 = core.proof_hashes(ranges, lambda s, e, f=fetched: f[(s, e)])
        core.verify_consistency(m, n, proof2, old, head)
        con_store.append(time.perf_counter() - start)
        con_anchor.append(bare_hashes(_folds(ranges) + 2 * len(proof)))

    for name, ours, store, anchor in [
        ("inclusion", inc, inc_store, inc_anchor),
        ("consistency", con, con_store, con_anchor),
    ]:
        a = _median_ms(anchor)
        print(
            f"{name} proof gen+verify at {n:,} leaves (median of {proofs}):"
            f" in-memory {_median_ms(ours):.3f} ms, storage-path {_median_ms(store):.3f} ms"
            f" (target < 10 ms); anchor: bare hashlib, same hash count {a:.4f} ms;"
            f" ratio {_median_ms(ours) / a:.1f}x / {_median_ms(store) / a:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
