"""``custody verify``: recompute everything the ledger claims and name the first row that lies.

Checks, in order: every EPCIS event hash from its stored event, every unit's hop chain,
every leaf (hash, data, hops it lists, no gaps), every stored subtree hash, the tree state,
every checkpoint (signature, root at its size, consistency with the one before), the last
signed checkpoint kept outside the database (:mod:`app.ledger.anchor`), and every unit's
stored state against its chain (:mod:`app.ledger.unit_state`).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing, closing
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from hashlib import sha256

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger import anchor, core, unit_state
from app.ledger import repository as repo
from app.models import CustodyHop, EpcisEvent, LedgerCheckpoint, LedgerLeaf, LedgerNode, Unit
from epcis.hashing import event_hash
from epcis.read import read_document

try:
    from app.ledger._accel import Verifier as Compiled
    from app.ledger._accel import levels as compiled_levels
except ImportError:  # built without a C compiler or OpenSSL's headers: pure Python only
    Compiled = compiled_levels = None

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
    compiled: bool = False  # rows checked by app/ledger/_accel.c, not the Python reference
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
    session: AsyncSession,
    verifier_key: str | None,
    progress: Progress | None = None,
    *,
    compiled: bool | None = None,
    latest: str | None = None,
) -> VerifyReport:
    """Run every check; stop at the first mismatch.

    ``latest`` is the last signed checkpoint kept outside the database (``anchor.latest``):
    the log must still extend it. On PostgreSQL the row checks run compiled (``app/ledger/_accel.c``) when it was built;
    ``compiled=False`` forces the pure-Python reference, ``True`` requires the compiled one.
    """
    if compiled and Compiled is None:
        raise RuntimeError("the compiled verifier (app/ledger/_accel.c) is not built")
    if compiled is None:
        compiled = Compiled is not None
    fast = Compiled() if compiled and session.bind.dialect.name == "postgresql" else None
    report = VerifyReport(compiled=fast is not None)
    total = await _totals(session) if progress else defaultdict(int)
    tick = progress or (lambda stage, done, total: None)
    try:
        report.counts["epcis_events"] = await _events(session, total["epcis_events"], tick)
        report.counts["custody_hops"], tree, stored_levels = await _hops_and_leaves(
            session, fast, (total["custody_hops"], total["ledger_leaves"]), tick
        )
        report.counts["ledger_leaves"] = tree.size
        report.counts["ledger_nodes"] = await _nodes(
            session, tree, stored_levels, total["ledger_nodes"], tick
        )
        await _state(session, tree)
        report.counts["ledger_checkpoints"] = await _checkpoints(
            session, tree, verifier_key, total["ledger_checkpoints"], tick
        )
        if latest and (rolled_back := anchor.check(latest, verifier_key, tree.size, tree.root)):
            raise _Found(Mismatch(*rolled_back))
        report.counts["units"], differs = await unit_state.first_difference(
            session, lambda done: tick("units", done, total["units"])
        )
        if differs:
            raise _Found(Mismatch(*differs))
        report.tree_size, report.root_hash = tree.size, tree.root().hex()
    except _Found as found:
        report.mismatch = found.mismatch
    return report


async def _totals(session: AsyncSession) -> dict[str, int]:
    """Rows per stage, for progress bars only (counting a big table is not free)."""
    total = {
        name: await session.scalar(select(func.count()).select_from(model))
        for name, model in (
            ("epcis_events", EpcisEvent),
            ("custody_hops", CustodyHop),
            ("ledger_checkpoints", LedgerCheckpoint),
            ("units", Unit),
        )
    }
    size = total["ledger_leaves"] = (await repo.read_state(session)).size
    total["ledger_nodes"] = sum(size >> level for level in range(1, size.bit_length()))
    return total


async def _events(session: AsyncSession, total: int, tick: Progress) -> int:
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


HOP_QUERY = select(
    CustodyHop.unit,
    CustodyHop.seq,
    CustodyHop.id,
    CustodyHop.event_hash,
    CustodyHop.kind,
    CustodyHop.from_party,
    CustodyHop.to_party,
    CustodyHop.location,
    CustodyHop.time,
    CustodyHop.prev_hop_hash,
    CustodyHop.hop_hash,
    CustodyHop.leaf_index,
).order_by(CustodyHop.unit, CustodyHop.seq)


# The compiled checks take hops as the table stores them. Walking the (unit, seq) index
# reads a table of randomized serials at random: 3.8 s of server time at 1M hops against
# 0.8 s for a scan (decision 0007).
STORED_HOPS = HOP_QUERY.order_by(None)

LEAF_QUERY = select(
    LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash, LedgerLeaf.data, LedgerLeaf.event_hash
).order_by(LedgerLeaf.leaf_index)


async def _hops_and_leaves(
    session: AsyncSession, fast: Compiled | None, totals: tuple[int, int], tick: Progress
) -> tuple[int, _Tree, list | None]:
    """Walk every chain in (unit, seq) order, then every leaf in index order.

    The compiled checks take the hops in stored order and walk the chains once all are in
    (``Verifier.links``). On a session that has written nothing, they read the rows in a
    worker thread on the session's snapshot (see ``repo.snapshot_batches``).
    """
    walk, done, stages = _Walk(), [0, 0], ("hops", "leaves")
    queries = (STORED_HOPS if fast else HOP_QUERY, LEAF_QUERY)
    checks = (_check_hops, _check_leaves)
    linked = False

    def link() -> None:
        """Walk the chains of every hop the compiled checks took: once, before any leaf."""
        nonlocal linked
        if fast and not linked:
            linked = True
            if (stopped := fast.links()) is not None:
                raise _Unlinked(stopped[1])

    def check(number: int, rows: list) -> None:
        if number:
            link()
        checks[number](walk, fast, rows)
        done[number] += len(rows)
        tick(stages[number], done[number], totals[number])

    snapshot = await repo.export_snapshot(session) if fast else None
    stored_levels = None
    try:
        if snapshot:
            read = repo.snapshot_batches(session, snapshot, queries)
            levels = asyncio.create_task(repo.node_levels(session))
            try:
                await asyncio.to_thread(_pipelined, read(), check)
            finally:
                stored_levels = await levels
        else:
            for number, query in enumerate(queries):
                async with aclosing(repo.batches(session, query, keys=2 - number)) as batches:
                    async for rows in batches:
                        check(number, rows)
        link()  # if there were no leaves
    except _Unlinked as unlinked:
        row = (await session.execute(HOP_QUERY.where(CustodyHop.id == unlinked.row_id))).one()
        _Walk(*fast.state).hop(tuple(row))  # names the row (raises _Found)
        raise _disagreement(row) from None
    for number, stage in enumerate(stages):
        tick(stage, done[number], totals[number])
    orphan = fast.orphan() if fast else min(walk.by_leaf, default=None)
    if orphan is not None:
        _fail(
            "custody_hops",
            f"leaf_index {orphan}",
            "a leaf recording the hop",
            "none",
            "hops point at a leaf that does not exist",
        )
    if fast:
        return done[0], _Tree(compiled_levels(fast.leaf_hashes())), stored_levels
    return done[0], _Tree(core.subtree_levels(b"".join(walk.hashes))), stored_levels


def _pipelined(batches: Iterator[tuple[int, list]], check: Callable[[int, list], None]) -> None:
    """``check`` each batch on a second thread while this one reads the next.

    The compiled checks let go of the GIL while they format and hash, so the two overlap.
    """
    with closing(batches), ThreadPoolExecutor(1) as checker:
        pending = None
        for number, rows in batches:
            if pending:
                pending.result()
            pending = checker.submit(check, number, rows)
        if pending:
            pending.result()


def _check_hops(walk: _Walk, fast: Compiled | None, rows: list) -> None:
    if fast is None:
        for row in rows:
            walk.hop(row)
    elif (taken := fast.hops(rows)) < len(rows):  # a column PostgreSQL cannot hold
        raise _disagreement(rows[taken])


class _Unlinked(Exception):
    """The compiled chain walk stopped at the hop with this id."""

    def __init__(self, row_id: int) -> None:
        self.row_id = row_id


def _check_leaves(walk: _Walk, fast: Compiled | None, rows: list) -> None:
    if fast is None:
        for row in rows:
            walk.leaf(row, walk.by_leaf.pop(row[0], b""))
    elif (held := fast.leaves(rows)) < len(rows):
        row = rows[held]
        _Walk(*fast.state).leaf(row, b"".join(fast.hops_of(row[0])))
        raise _disagreement(row)


class _Walk:
    """The reference row checks: hop chains in (unit, seq) order, then leaves by index.

    The compiled ``Verifier`` (``app/ledger/_accel.c``) must hold and refuse exactly the
    rows this does; where it stops, a ``_Walk`` set to its state names the row.
    """

    def __init__(
        self, unit: str | None = None, seq: int = 0, prev: bytes = core.GENESIS, next_leaf: int = 0
    ) -> None:
        self.unit, self.seq, self.prev, self.next_leaf = unit, seq, prev, next_leaf
        self.by_leaf: dict[int, bytes] = {}  # hop hashes back to back: no list per leaf
        self.hashes: list[bytes] = []
        self.times = _TimeFormats()

    def hop(self, row: tuple) -> None:
        unit, seq, row_id, event_hash, kind, src, dst, location, time, prev, stored, leaf = row
        if unit != self.unit:
            self.unit, self.seq, self.prev = unit, 0, core.GENESIS
        where = f"{row_id} (unit {unit}, seq {seq})"
        if seq != self.seq:
            _fail("custody_hops", where, f"seq {self.seq}", f"seq {seq}", "gap in the chain")
        if prev != self.prev:
            _fail(
                "custody_hops",
                where,
                self.prev,
                prev,
                "prev_hop_hash does not link to the previous hop",
            )
        try:
            canonical = core.canonical_hop_fields(
                unit, seq, event_hash, kind, src, dst, location, self.times[time]
            )
        except (core.LedgerCoreError, TypeError, OverflowError) as exc:
            _fail("custody_hops", where, "a well-formed hop", str(exc), "hop row is malformed")
        computed = sha256(canonical + self.prev).digest()
        if computed != stored:
            _fail("custody_hops", where, computed, stored, "hop_hash does not match the hop")
        self.by_leaf[leaf] = self.by_leaf.get(leaf, b"") + computed
        self.seq, self.prev = seq + 1, computed

    def leaf(self, row: tuple, hops: bytes) -> None:
        index, stored, data, event_hash = row
        if index != self.next_leaf:
            _fail(
                "ledger_leaves",
                index,
                f"leaf_index {self.next_leaf}",
                f"leaf_index {index}",
                "gap in the log",
            )
        data = data.encode() if isinstance(data, str) else data  # a tampered SQLite cell
        computed = core.leaf_hash(data)
        if computed != stored:
            _fail(
                "ledger_leaves", index, computed, stored, "leaf_hash does not match the leaf data"
            )
        hashes = [hops[i : i + core.HASH_SIZE] for i in range(0, len(hops), core.HASH_SIZE)]
        if not data.startswith(core.leaf_data_prefix(event_hash, hashes)):
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
                sorted(h.hex() for h in hashes),
                claimed.get("hop_hashes"),
                "leaf data lists other hops than the hops recorded with it",
            )
        self.hashes.append(computed)
        self.next_leaf += 1


def _disagreement(row: tuple) -> RuntimeError:
    return RuntimeError(
        f"the compiled verifier refused a row the reference checks accept ({row[:3]}); "
        "`custody verify --pure-python` checks without it; please report this"
    )


class _TimeFormats(dict):
    """``core.format_time`` of each distinct time once: the hops of one event share its time.

    Keys are datetimes, or PostgreSQL's whole microseconds since ``repo.PG_EPOCH``.
    """

    def __missing__(self, time: datetime | int) -> str:
        if len(self) >= 100_000:
            self.clear()
        when = repo.PG_EPOCH + timedelta(microseconds=time) if isinstance(time, int) else time
        text = self[time] = core.format_time(when)
        return text


class _Tree:
    """The log's complete-subtree hashes, one blob per level (a ``core.SubtreeSource``)."""

    def __init__(self, levels: list[bytes]) -> None:
        self.levels = levels
        self.size = len(levels[0]) // core.HASH_SIZE

    def subtree_hash(self, start: int, end: int) -> bytes:
        level, idx = core.subtree_coords(start, end)
        return self.levels[level][idx * core.HASH_SIZE : (idx + 1) * core.HASH_SIZE]

    def root(self, size: int | None = None) -> bytes:
        return core.tree_root(self.size if size is None else size, self.subtree_hash)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return core.consistency_proof(size1, size2, self.subtree_hash)


def _claims(data: bytes) -> dict:
    try:
        claimed = json.loads(data)
    except ValueError:
        return {}
    return claimed if isinstance(claimed, dict) else {}


async def _nodes(
    session: AsyncSession, tree: _Tree, stored: list | None, total: int, tick: Progress
) -> int:
    """Stored nodes must be exactly the tree's complete subtrees, in (level, idx) order.

    Where the database can hand over each level whole, equal levels prove every node at
    once; otherwise (or to name the first wrong node) walk the rows.
    """
    levels = tree.size.bit_length()
    expected = [
        (level, len(hashes) // core.HASH_SIZE, 0, len(hashes) // core.HASH_SIZE - 1, hashes)
        for level, hashes in enumerate(tree.levels[1:], start=1)
    ]
    if stored is None:
        stored = await repo.node_levels(session)
    if stored == expected:
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


async def _state(session: AsyncSession, tree: _Tree) -> None:
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
    tree: _Tree,
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
