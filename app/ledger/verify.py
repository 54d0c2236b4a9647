"""``custody verify``: recompute everything the ledger claims and name the first row that lies.

Checks, in order: every EPCIS event hash from its stored event, every unit's hop chain,
every leaf (hash, data, hops it lists, no gaps), every stored subtree hash, the tree state,
and every checkpoint (signature, root at its size, consistency with the one before).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger import core
from app.ledger import repository as repo
from app.models import CustodyHop, EpcisEvent, LedgerCheckpoint, LedgerLeaf, LedgerNode

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``."""


@dataclass(frozen=True)
class Mismatch:
    """The first stored row that does not match its recomputation."""

    table: str
    row: str
    expected: str
    found: str
    message: str


@dataclass
class VerifyReport:
    """What was checked, and the first mismatch if any."""

    counts: dict[str, int] = field(default_factory=dict)
    tree_size: int = 0
    root_hash: str = ""
    mismatch: Mismatch | None = None

    @property
    def ok(self) -> bool:
        return self.mismatch is None

    def to_dict(self) -> dict:
        return {"ok": self.ok, **asdict(self)}


class _Found(Exception):
    def __init__(self, mismatch: Mismatch) -> None:
        self.mismatch = mismatch


def _fail(table: str, row: object, expected: object, found: object, message: str) -> None:
    show = lambda v: v.hex() if isinstance(v, bytes) else str(v)  # noqa: E731
    raise _Found(Mismatch(table, str(row), show(expected), show(found), message))


async def verify(
    session: AsyncSession, verifier_key: str | None, progress: Progress | None = None
) -> VerifyReport:
    """Run every check; stop at the first mismatch."""
    report = VerifyReport()
    tick = progress or (lambda stage, done, total: None)
    total = {
        name: await session.scalar(select(func.count()).select_from(model))
        for name, model in (
            ("epcis_events", EpcisEvent),
            ("custody_hops", CustodyHop),
            ("ledger_checkpoints", LedgerCheckpoint),
        )
    }
    size = (await repo.read_state(session)).size  # for the progress totals only
    total["ledger_leaves"] = size
    total["ledger_nodes"] = sum(size >> level for level in range(1, size.bit_length()))
    try:
        report.counts["epcis_events"] = await _events(session, total["epcis_events"], tick)
        hops_by_leaf, report.counts["custody_hops"] = await _hops(
            session, total["custody_hops"], tick
        )
        tree = await _leaves(session, hops_by_leaf, total["ledger_leaves"], tick)
        report.counts["ledger_leaves"] = tree.size
        report.counts["ledger_nodes"] = await _nodes(session, tree, total["ledger_nodes"], tick)
        await _state(session, tree)
        report.counts["ledger_checkpoints"] = await _checkpoints(
            session, tree, verifier_key, total["ledger_checkpoints"], tick
        )
        report.tree_size, report.root_hash = tree.size, tree.root().hex()
    except _Found as found:
        report.mismatch = found.mismatch
    return report


async def _events(session: AsyncSession, total: int, tick: Progress) -> int:
    if not total:
        return 0
    from epcis.hashing import event_hash
    from epcis.read import read_document

    done = 0
    query = select(EpcisEvent.id, EpcisEvent.event_hash, EpcisEvent.body).order_by(EpcisEvent.id)
    async with aclosing(repo.batches(session, query, size=1000)) as batches:
        async for rows in batches:
            for row_id, stored, body in rows:
                events = read_document(body.encode(), format="2.0-jsonld").events
                computed = event_hash(events[0]) if len(events) == 1 else f"{len(events)} events"
                if computed != stored:
                    _fail(
                        "epcis_events",
                        row_id,
                        computed,
                        stored,
                        "event hash does not match the stored event",
                    )
            done += len(rows)
            tick("events", done, total)
    return done


async def _hops(session: AsyncSession, total: int, tick: Progress) -> tuple[dict[int, bytes], int]:
    """Walk every chain in (unit, seq) order; return each leaf's hop hashes.

    The hashes of a leaf's hops are kept back to back in one ``bytes``: a million small
    lists would keep the garbage collector busy for longer than the hashing takes.
    """
    by_leaf: dict[int, bytes] = {}
    unit, expected_seq, prev, done = None, 0, core.GENESIS, 0
    h = CustodyHop
    time = h.time
    if session.bind.dialect.name == "postgresql":
        # Whole microseconds since the epoch (exact, as PostgreSQL stores them): decoding a
        # timestamptz costs more per row than the rest of the hop; each value is formatted once.
        time = cast(func.extract("epoch", h.time) * 1_000_000, BigInteger)
    query = select(
        h.unit,
        h.seq,
        h.id,
        h.event_hash,
        h.kind,
        h.from_party,
        h.to_party,
        h.location,
        time,
        h.prev_hop_hash,
        h.hop_hash,
        h.leaf_index,
    ).order_by(h.unit, h.seq)
    canonical_hop, times = core.canonical_hop_fields, _TimeFormats()
    async with aclosing(repo.batches(session, query, keys=2)) as batches:
        async for rows in batches:
            for (
                row_unit,
                seq,
                row_id,
                event_hash,
                kind,
                src,
                dst,
                location,
                time,
                prev_stored,
                stored,
                leaf,
            ) in rows:
                if row_unit != unit:
                    unit, expected_seq, prev = row_unit, 0, core.GENESIS
                if seq != expected_seq or prev_stored != prev:
                    where = f"{row_id} (unit {row_unit}, seq {seq})"
                    if seq != expected_seq:
                        _fail(
                            "custody_hops",
                            where,
                            f"seq {expected_seq}",
                            f"seq {seq}",
                            "gap in the chain",
                        )
                    _fail(
                        "custody_hops",
                        where,
                        prev,
                        prev_stored,
                        "prev_hop_hash does not link to the previous hop",
                    )
                try:
                    canonical = canonical_hop(
                        row_unit, seq, event_hash, kind, src, dst, location, times[time]
                    )
                except (core.LedgerCoreError, TypeError) as exc:
                    _fail(
                        "custody_hops",
                        f"{row_id} (unit {row_unit}, seq {seq})",
                        "a well-formed hop",
                        str(exc),
                        "hop row is malformed",
                    )
                computed = sha256(canonical + prev).digest()
                if computed != stored:
                    _fail(
                        "custody_hops",
                        f"{row_id} (unit {row_unit}, seq {seq})",
                        computed,
                        stored,
                        "hop_hash does not match the hop",
                    )
                hops = by_leaf.get(leaf)
                by_leaf[leaf] = computed if hops is None else hops + computed
                expected_seq, prev = seq + 1, computed
            done += len(rows)
            tick("hops", done, total)
    tick("hops", done, total)
    return by_leaf, done


class _TimeFormats(dict):
    """``core.format_time`` of each distinct time once: the hops of one event share its time.

    Keys are datetimes, or whole microseconds since the Unix epoch.
    """

    def __missing__(self, time: datetime | int) -> str:
        if len(self) >= 100_000:
            self.clear()
        when = EPOCH + timedelta(microseconds=time) if isinstance(time, int) else time
        text = self[time] = core.format_time(when)
        return text


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _leaves(
    session: AsyncSession, hops_by_leaf: dict[int, bytes], total: int, tick: Progress
) -> core.MerkleTree:
    hashes: list[bytes] = []
    query = select(
        LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash, LedgerLeaf.data, LedgerLeaf.event_hash
    ).order_by(LedgerLeaf.leaf_index)
    leaf_hash, leaf_data_prefix = core.leaf_hash, core.leaf_data_prefix
    async with aclosing(repo.batches(session, query)) as batches:
        async for rows in batches:
            for index, stored, data, event_hash in rows:
                if index != len(hashes):
                    _fail(
                        "ledger_leaves",
                        index,
                        f"leaf_index {len(hashes)}",
                        f"leaf_index {index}",
                        "gap in the log",
                    )
                data = data.encode() if isinstance(data, str) else data  # a tampered SQLite cell
                computed = leaf_hash(data)
                if computed != stored:
                    _fail(
                        "ledger_leaves",
                        index,
                        computed,
                        stored,
                        "leaf_hash does not match the leaf data",
                    )
                hops = hops_by_leaf.pop(index, b"")
                hops = (hops,) if len(hops) == core.HASH_SIZE else _split(hops)
                if not data.startswith(leaf_data_prefix(event_hash, hops)):
                    claimed = _claims(data)
                    if claimed.get("event_hash") != event_hash:
                        _fail(
                            "ledger_leaves",
                            index,
                            claimed.get("event_hash"),
                            event_hash,
                            "event_hash column differs from the leaf data",
                        )
                    _fail(
                        "ledger_leaves",
                        index,
                        sorted(h.hex() for h in hops),
                        claimed.get("hop_hashes"),
                        "leaf data lists other hops than the hops recorded with it",
                    )
                hashes.append(stored)
            tick("leaves", len(hashes), total)
    if hops_by_leaf:
        orphan = min(hops_by_leaf)
        _fail(
            "custody_hops",
            f"leaf_index {orphan}",
            "a leaf recording the hop",
            "none",
            "hops point at a leaf that does not exist",
        )
    tick("leaves", len(hashes), total)
    return core.MerkleTree(hashes)


def _split(hashes: bytes) -> list[bytes]:
    return [hashes[i : i + core.HASH_SIZE] for i in range(0, len(hashes), core.HASH_SIZE)]


def _claims(data: bytes) -> dict:
    try:
        claimed = json.loads(data)
    except ValueError:
        return {}
    return claimed if isinstance(claimed, dict) else {}


async def _nodes(session: AsyncSession, tree: core.MerkleTree, total: int, tick: Progress) -> int:
    """Stored nodes must be exactly the tree's complete subtrees, in (level, idx) order.

    Where the database can hand over each level whole, equal levels prove every node at
    once; otherwise (or to name the first wrong node) walk the rows.
    """
    levels = tree.size.bit_length()
    expected = [_level(tree, level) for level in range(1, levels)]
    if await repo.node_levels(session) == expected:
        done = sum(count for _, count, *_ in expected)
        tick("nodes", done, total)
        return done
    done, level, idx = 0, 1, 0
    query = select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).order_by(
        LedgerNode.level, LedgerNode.idx
    )
    subtree_hash = tree.subtree_hash
    async with aclosing(repo.batches(session, query, keys=2)) as batches:
        async for rows in batches:
            for row_level, row_idx, stored in rows:
                if row_level != level or row_idx != idx:
                    _fail(
                        "ledger_nodes",
                        f"({row_level}, {row_idx})",
                        f"node {(level, idx) if level < levels else None}",
                        f"node ({row_level}, {row_idx})",
                        "stored nodes do not match the tree's complete subtrees",
                    )
                computed = subtree_hash(idx << level, (idx + 1) << level)
                if computed != stored:
                    _fail(
                        "ledger_nodes",
                        f"({level}, {idx})",
                        computed,
                        stored,
                        "subtree hash does not match the leaves below it",
                    )
                idx += 1
                if idx == tree.size >> level:
                    level, idx = level + 1, 0
            done += len(rows)
            tick("nodes", done, total)
    if level < levels:
        _fail(
            "ledger_nodes",
            f"{(level, idx)}",
            "a stored node",
            "missing",
            "a complete subtree has no stored hash",
        )
    tick("nodes", done, total)
    return done


def _level(tree: core.MerkleTree, level: int) -> tuple[int, int, int, int, bytes]:
    """The nodes of one level as :func:`repo.node_levels` reports them."""
    count, width = tree.size >> level, 1 << level
    starts = range(0, count * width, width)
    hashes = b"".join(map(tree.subtree_hash, starts, range(width, (count + 1) * width, width)))
    return level, count, 0, count - 1, hashes


async def _state(session: AsyncSession, tree: core.MerkleTree) -> None:
    state = await repo.read_state(session)
    if state.size != tree.size:
        _fail(
            "ledger_state",
            1,
            f"size {tree.size}",
            f"size {state.size}",
            "tree size differs from the leaf count",
        )
    if state.root_hash != tree.root():
        _fail("ledger_state", 1, tree.root(), state.root_hash, "root hash differs from the leaves")
    frontier = b"".join(tree.subtree_hash(s, e) for s, e in core.complete_subtrees(0, tree.size))
    if state.frontier != frontier:
        _fail("ledger_state", 1, frontier, state.frontier, "frontier differs from the leaves")


async def _checkpoints(
    session: AsyncSession,
    tree: core.MerkleTree,
    verifier_key: str | None,
    total: int,
    tick: Progress,
) -> int:
    previous: core.Checkpoint | None = None
    done = 0
    c = LedgerCheckpoint
    query = select(c.id, c.note, c.tree_size, c.root_hash).order_by(c.id)
    async with aclosing(repo.batches(session, query, size=1000)) as batches:
        async for rows in batches:
            for row_id, note, tree_size, root_hash in rows:
                if verifier_key is None:
                    _fail(
                        "ledger_checkpoints",
                        row_id,
                        "a verifier key",
                        "none",
                        "checkpoints exist but no public key was given (--key)",
                    )
                try:
                    checkpoint = core.open_checkpoint(note, verifier_key)
                except core.LedgerCoreError as exc:
                    _fail(
                        "ledger_checkpoints",
                        row_id,
                        "a note signed by the given key",
                        str(exc),
                        "signature does not verify",
                    )
                if (checkpoint.size, checkpoint.root_hash) != (tree_size, root_hash):
                    _fail(
                        "ledger_checkpoints",
                        row_id,
                        f"{checkpoint.size} {checkpoint.root_hash.hex()}",
                        f"{tree_size} {root_hash.hex()}",
                        "columns differ from the signed note",
                    )
                if checkpoint.size > tree.size:
                    _fail(
                        "ledger_checkpoints",
                        row_id,
                        f"size <= {tree.size}",
                        checkpoint.size,
                        "checkpoint is beyond the log",
                    )
                computed = tree.root(checkpoint.size)
                if computed != checkpoint.root_hash:
                    _fail(
                        "ledger_checkpoints",
                        row_id,
                        computed,
                        checkpoint.root_hash,
                        "signed root differs from the log at that size",
                    )
                if previous is not None and previous.size:
                    try:
                        proof = tree.consistency_proof(previous.size, checkpoint.size)
                        core.verify_consistency(
                            previous.size,
                            checkpoint.size,
                            proof,
                            previous.root_hash,
                            checkpoint.root_hash,
                        )
                    except core.LedgerCoreError as exc:
                        _fail(
                            "ledger_checkpoints",
                            row_id,
                            "consistent with the previous checkpoint",
                            str(exc),
                            "checkpoints are inconsistent",
                        )
                previous, done = checkpoint, done + 1
    tick("checkpoints", done, total)
    return done
