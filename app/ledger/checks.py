"""What ``custody verify`` recomputes, as pure checks of rows: no database needed.

Each check takes rows as plain tuples (the columns ``app/ledger/repository.py`` reads for
verify, in the order named on each check) and returns the first :class:`Mismatch`, or
``None`` when the rows hold. Standard library, ``epcis`` and the ledger core only, so an
offline verifier can run the same checks on rows read from a file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

from app.ledger import core
from epcis.errors import EpcisError
from epcis.hashing import event_hash
from epcis.read import read_document

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""PostgreSQL keeps a ``timestamptz`` as whole microseconds since this instant."""

Row = Sequence[Any]
"""A stored row as a driver reads it: its cells are of any type once tampered with."""


@dataclass(frozen=True)
class Mismatch:
    """The first stored row that does not match its recomputation."""

    table: str
    row: str
    expected: str
    found: str
    message: str


def mismatch(table: str, row: object, expected: object, found: object, message: str) -> Mismatch:
    """A :class:`Mismatch`, with bytes shown as hex and everything else as text.

    >>> mismatch("ledger_state", 1, b"\\x01", None, "root hash differs from the leaves")
    Mismatch(table='ledger_state', row='1', expected='01', found='None', message='root hash differs from the leaves')
    """
    return Mismatch(table, str(row), _show(expected), _show(found), message)


def _show(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def check_event(row: Row) -> Mismatch | None:
    """Recompute an event's hash from its stored body: ``(id, event_hash, JSON-LD body)``."""
    row_id, stored, body = row
    try:
        events = read_document(body.encode(), format="2.0-jsonld").events
    except (EpcisError, AttributeError) as exc:  # AttributeError: a body that is not text
        return mismatch("epcis_events", row_id, "an EPCIS 2.0 JSON-LD event", str(body)[:200],
                        f"stored event is not a readable EPCIS event: {exc}")
    computed = event_hash(events[0]) if len(events) == 1 else f"{len(events)} events"
    if computed != stored:
        return mismatch(
            "epcis_events", row_id, computed, stored, "event hash does not match the stored event"
        )
    return None


class Walk:
    """The reference row checks: hop chains in (unit, seq) order, then leaves by index.

    Hop rows are ``(unit, seq, id, event_hash, kind, from_party, to_party, location, time,
    prev_hop_hash, hop_hash, leaf_index)``, leaf rows ``(leaf_index, leaf_hash, data,
    event_hash)``. The compiled ``Verifier`` (``app/ledger/_accel.c``) must hold and refuse
    exactly the rows this does; where it stops, a ``Walk`` set to its state names the row.
    """

    def __init__(
        self, unit: str | None = None, seq: int = 0, prev: bytes = core.GENESIS, next_leaf: int = 0
    ) -> None:
        """Start at a chain position: the compiled checks' ``state`` resumes there."""
        self.unit, self.seq, self.prev, self.next_leaf = unit, seq, prev, next_leaf
        self.by_leaf: dict[int, bytes] = {}  # hop hashes back to back: no list per leaf
        self.hashes: list[bytes] = []
        self.times = TimeFormats()

    def hop(self, row: Row) -> Mismatch | None:
        """Check the next hop; its hash is kept for the leaf that records it."""
        unit, seq, _, event_hash, kind, src, dst, location, time, prev, stored, leaf = row
        if unit != self.unit:
            self.unit, self.seq, self.prev = unit, 0, core.GENESIS
        if seq != self.seq:
            return _hop_mismatch(row, f"seq {self.seq}", f"seq {seq}", "gap in the chain")
        if prev != self.prev:
            return _hop_mismatch(
                row, self.prev, prev, "prev_hop_hash does not link to the previous hop"
            )
        try:
            canonical = core.canonical_hop_fields(
                unit, seq, event_hash, kind, src, dst, location, self.times[time]
            )
        except (core.LedgerCoreError, TypeError, OverflowError) as exc:
            return _hop_mismatch(row, "a well-formed hop", str(exc), "hop row is malformed")
        computed = sha256(canonical + self.prev).digest()
        if computed != stored:
            return _hop_mismatch(row, computed, stored, "hop_hash does not match the hop")
        self.by_leaf[leaf] = self.by_leaf.get(leaf, b"") + computed
        self.seq, self.prev = seq + 1, computed
        return None

    def leaf(self, row: Row, hops: bytes) -> Mismatch | None:
        """Check the next leaf against ``hops``, the hashes of the hops recorded with it."""
        index, stored, data, event_hash = row
        if index != self.next_leaf:
            return mismatch(
                "ledger_leaves",
                index,
                f"leaf_index {self.next_leaf}",
                f"leaf_index {index}",
                "gap in the log",
            )
        data = data.encode() if isinstance(data, str) else data  # a tampered SQLite cell
        computed = core.leaf_hash(data)
        if computed != stored:
            return mismatch(
                "ledger_leaves", index, computed, stored, "leaf_hash does not match the leaf data"
            )
        hashes = [hops[i : i + core.HASH_SIZE] for i in range(0, len(hops), core.HASH_SIZE)]
        if not data.startswith(core.leaf_data_prefix(event_hash, hashes)):
            claimed = _claims(data)
            if claimed.get("event_hash") != event_hash:
                return mismatch(
                    "ledger_leaves",
                    index,
                    claimed.get("event_hash"),
                    event_hash,
                    "event_hash column differs from the leaf data",
                )
            return mismatch(
                "ledger_leaves",
                index,
                sorted(h.hex() for h in hashes),
                claimed.get("hop_hashes"),
                "leaf data lists other hops than the hops recorded with it",
            )
        self.hashes.append(computed)
        self.next_leaf += 1
        return None


def _hop_mismatch(row: Row, expected: object, found: object, message: str) -> Mismatch:
    unit, seq, row_id = row[:3]
    return mismatch("custody_hops", f"{row_id} (unit {unit}, seq {seq})", expected, found, message)


def _claims(data: bytes) -> dict[str, Any]:
    try:
        claimed = json.loads(data)
    except ValueError:
        return {}
    return claimed if isinstance(claimed, dict) else {}


def orphan_hop(leaf_index: int) -> Mismatch:
    """Hops name ``leaf_index``, but no leaf recorded them."""
    return mismatch(
        "custody_hops",
        f"leaf_index {leaf_index}",
        "a leaf recording the hop",
        "none",
        "hops point at a leaf that does not exist",
    )


class TimeFormats(dict[datetime | int, str]):
    """``core.format_time`` of each distinct time once: the hops of one event share its time.

    Keys are datetimes, or PostgreSQL's whole microseconds since :data:`PG_EPOCH`.

    >>> TimeFormats()[86_400_000_001_000]
    '2002-09-27T00:00:00.001Z'
    """

    def __missing__(self, time: datetime | int) -> str:
        if len(self) >= 100_000:
            self.clear()
        when = PG_EPOCH + timedelta(microseconds=time) if isinstance(time, int) else time
        text = self[time] = core.format_time(when)
        return text


class Tree:
    """The log's complete-subtree hashes, one blob per level (a ``core.SubtreeSource``)."""

    def __init__(self, levels: list[bytes]) -> None:
        """Take ``core.subtree_levels`` of the leaf hashes."""
        self.levels = levels
        self.size = len(levels[0]) // core.HASH_SIZE

    def subtree_hash(self, start: int, end: int) -> bytes:
        """The hash of the complete subtree over leaves ``[start, end)``."""
        level, idx = core.subtree_coords(start, end)
        return self.levels[level][idx * core.HASH_SIZE : (idx + 1) * core.HASH_SIZE]

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (all by default)."""
        return core.tree_root(self.size if size is None else size, self.subtree_hash)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 6962's proof that the tree at ``size2`` extends the tree at ``size1``."""
        return core.consistency_proof(size1, size2, self.subtree_hash)

    def node_levels(self) -> list[tuple[int, int, int, int, bytes]]:
        """The stored nodes each level must hold: ``(level, count, first idx, last idx, hashes)``.

        >>> Tree(core.subtree_levels(bytes(3 * core.HASH_SIZE))).node_levels()[0][:4]
        (1, 1, 0, 0)
        """
        return [
            (level, len(hashes) // core.HASH_SIZE, 0, len(hashes) // core.HASH_SIZE - 1, hashes)
            for level, hashes in enumerate(self.levels[1:], start=1)
        ]


class NodeWalk:
    """Stored nodes ``(level, idx, hash)`` in (level, idx) order: exactly the complete subtrees."""

    def __init__(self, tree: Tree) -> None:
        """Expect the nodes of ``tree``, from (1, 0)."""
        self.tree, self.level, self.idx = tree, 1, 0
        self.levels = tree.size.bit_length()

    def node(self, row: Row) -> Mismatch | None:
        """Check the next stored node."""
        level, idx = self.level, self.idx
        row_level, row_idx, stored = row
        if row_level != level or row_idx != idx:
            return mismatch(
                "ledger_nodes",
                f"({row_level}, {row_idx})",
                f"node {(level, idx) if level < self.levels else None}",
                f"node ({row_level}, {row_idx})",
                "stored nodes do not match the tree's complete subtrees",
            )
        computed = self.tree.subtree_hash(idx << level, (idx + 1) << level)
        if computed != stored:
            return mismatch(
                "ledger_nodes",
                f"({level}, {idx})",
                computed,
                stored,
                "subtree hash does not match the leaves below it",
            )
        self.idx += 1
        if self.idx == self.tree.size >> level:
            self.level, self.idx = level + 1, 0
        return None

    def end(self) -> Mismatch | None:
        """After the last stored node: no complete subtree may be left without one."""
        if self.level < self.levels:
            return mismatch(
                "ledger_nodes",
                f"{(self.level, self.idx)}",
                "a stored node",
                "missing",
                "a complete subtree has no stored hash",
            )
        return None


def check_state(tree: Tree, size: int, root_hash: bytes, frontier: bytes) -> Mismatch | None:
    """The stored tree state (size, root, frontier hashes back to back) against the leaves."""
    if size != tree.size:
        return mismatch(
            "ledger_state",
            1,
            f"size {tree.size}",
            f"size {size}",
            "tree size differs from the leaf count",
        )
    if root_hash != tree.root():
        return mismatch(
            "ledger_state", 1, tree.root(), root_hash, "root hash differs from the leaves"
        )
    computed = b"".join(tree.subtree_hash(s, e) for s, e in core.complete_subtrees(0, tree.size))
    if frontier != computed:
        return mismatch(
            "ledger_state", 1, computed, frontier, "frontier differs from the leaves"
        )
    return None


class CheckpointWalk:
    """Checkpoint rows ``(id, note, tree_size, root_hash)`` in the order they were signed."""

    def __init__(self, tree: Tree, verifier_key: str | None) -> None:
        """Check against ``tree`` with the log's public key (``None``: no key was given)."""
        self.tree, self.verifier_key = tree, verifier_key
        self.previous: core.Checkpoint | None = None

    def checkpoint(self, row: Row) -> Mismatch | None:
        """Check the signature, the columns, the root at its size and consistency."""
        row_id, note, tree_size, root_hash = row
        if self.verifier_key is None:
            return mismatch(
                "ledger_checkpoints",
                row_id,
                "a verifier key",
                "none",
                "checkpoints exist but no public key was given (--key)",
            )
        try:
            checkpoint = core.open_checkpoint(note, self.verifier_key)
        except core.LedgerCoreError as exc:
            return mismatch(
                "ledger_checkpoints",
                row_id,
                "a note signed by the given key",
                str(exc),
                "signature does not verify",
            )
        if (checkpoint.size, checkpoint.root_hash) != (tree_size, root_hash):
            return mismatch(
                "ledger_checkpoints",
                row_id,
                f"{checkpoint.size} {checkpoint.root_hash.hex()}",
                f"{tree_size} {root_hash.hex()}",
                "columns differ from the signed note",
            )
        if checkpoint.size > self.tree.size:
            return mismatch(
                "ledger_checkpoints",
                row_id,
                f"size <= {self.tree.size}",
                checkpoint.size,
                "checkpoint is beyond the log",
            )
        computed = self.tree.root(checkpoint.size)
        if computed != checkpoint.root_hash:
            return mismatch(
                "ledger_checkpoints",
                row_id,
                computed,
                checkpoint.root_hash,
                "signed root differs from the log at that size",
            )
        previous, self.previous = self.previous, checkpoint
        if previous is not None and previous.size:
            try:
                proof = self.tree.consistency_proof(previous.size, checkpoint.size)
                core.verify_consistency(
                    previous.size, checkpoint.size, proof, previous.root_hash, checkpoint.root_hash
                )
            except core.LedgerCoreError as exc:
                return mismatch(
                    "ledger_checkpoints",
                    row_id,
                    "consistent with the previous checkpoint",
                    str(exc),
                    "checkpoints are inconsistent",
                )
        return None
