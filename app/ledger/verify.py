"""``custody verify``: recompute everything the ledger claims and name the first row that lies.

Checks, in order: every EPCIS event hash from its stored event, every unit's hop chain,
every leaf (hash, data, hops it lists, no gaps), every stored subtree hash, the tree state,
every checkpoint (signature, root at its size, consistency with the one before), the last
signed checkpoint kept outside the database (:mod:`app.ledger.anchor`), every unit's
stored state against its chain (:mod:`app.ledger.unit_state`), and who may read each event
against what its leaf proves (:mod:`app.ledger.readers`), and every audit entry against its
leaf (:mod:`app.audit.verify`). The checks themselves are pure (``app/ledger/checks.py``) and the reads are the
repository's; this module runs them in order, on the compiled checks where it can.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing, closing
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import verify as audit_trail
from app.dialect import is_postgresql
from app.ledger import anchor, checks, core, readers, unit_state
from app.ledger import repository as repo
from app.ledger.checks import Mismatch

try:
    from app.ledger._accel import Verifier as Compiled
    from app.ledger._accel import levels as compiled_levels
except ImportError:  # built without a C compiler or OpenSSL's headers: pure Python only
    Compiled = compiled_levels = None

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``."""

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
    fast = Compiled() if compiled and is_postgresql(session) else None
    report = VerifyReport(compiled=fast is not None)
    total = await _totals(session) if progress else defaultdict(int)
    run = _Run(session, report, fast, verifier_key, total, progress or _no_progress, latest)
    for stage in (run.events, run.hops_and_leaves, run.nodes, run.state, run.checkpoints,
                  run.anchor, run.units, run.readers, run.audit):
        if (found := await stage()) is not None:
            report.mismatch = found
            return report
    report.tree_size, report.root_hash = run.tree.size, run.tree.root().hex()
    return report


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


async def _totals(session: AsyncSession) -> dict[str, int]:
    """Rows per stage, for progress bars only."""
    total = await repo.row_counts(session)
    size = total["ledger_leaves"] = (await repo.read_state(session)).size
    total["ledger_nodes"] = sum(size >> level for level in range(1, size.bit_length()))
    return total


class _Run:
    """The stages of one run, in order; each counts its rows into the report if they hold."""

    def __init__(
        self,
        session: AsyncSession,
        report: VerifyReport,
        fast: Compiled | None,
        verifier_key: str | None,
        total: dict[str, int],
        tick: Progress,
        latest: str | None = None,
    ) -> None:
        self.session, self.counts, self.fast, self.latest = session, report.counts, fast, latest
        self.verifier_key, self.total, self.tick = verifier_key, total, tick
        self.tree = checks.Tree([b""])
        self.stored_levels: list | None = None  # read beside the snapshot's rows, if any

    async def events(self) -> Mismatch | None:
        return await self._each("events", repo.EVENT_ROWS, checks.check_event, size=1000)

    async def hops_and_leaves(self) -> Mismatch | None:
        """Walk every chain in (unit, seq) order, then every leaf in index order.

        The compiled checks take the hops in stored order and walk the chains once all are
        in (``Verifier.links``). On a session that has written nothing, they read the rows in
        a worker thread on the session's snapshot (see ``repo.snapshot_batches``).
        """
        session, fast = self.session, self.fast
        totals = (self.total["custody_hops"], self.total["ledger_leaves"])
        rows = _HopsAndLeaves(fast, totals, self.tick)
        queries = (repo.STORED_HOP_ROWS if fast else repo.HOP_ROWS, repo.LEAF_ROWS)
        snapshot = await repo.export_snapshot(session) if fast else None
        if snapshot:
            read = repo.snapshot_batches(session, snapshot, queries)
            levels = asyncio.create_task(repo.node_levels(session))
            try:
                await asyncio.to_thread(_pipelined, read(), rows.check)
            finally:
                self.stored_levels = await levels
        else:
            async with aclosing(_batches(session, queries)) as batches:
                async for number, batch in batches:
                    if not rows.check(number, batch):
                        break
        if rows.found is None and not rows.link():  # the chains, if there were no leaves
            assert fast is not None and rows.unlinked is not None  # only the compiled walk links
            row = await repo.hop_row(session, rows.unlinked)
            if (found := checks.Walk(*fast.state).hop(row)) is None:
                raise _disagreement(row)
            return found
        if rows.found is not None:
            return rows.found
        for number, stage in enumerate(_STAGES):
            self.tick(stage, rows.done[number], totals[number])
        orphan = fast.orphan() if fast else min(rows.walk.by_leaf, default=None)
        if orphan is not None:
            return checks.orphan_hop(orphan)
        if fast:
            self.tree = checks.Tree(compiled_levels(fast.leaf_hashes()))
        else:
            self.tree = checks.Tree(core.subtree_levels(b"".join(rows.walk.hashes)))
        self.counts["custody_hops"], self.counts["ledger_leaves"] = rows.done[0], self.tree.size
        return None

    async def nodes(self) -> Mismatch | None:
        """Stored nodes must be exactly the tree's complete subtrees, in (level, idx) order.

        Where the database can hand over each level whole, equal levels prove every node at
        once; otherwise (or to name the first wrong node) walk the rows.
        """
        expected = self.tree.node_levels()
        stored = self.stored_levels
        if stored is None:
            stored = await repo.node_levels(self.session)
        if stored != expected:
            walk = checks.NodeWalk(self.tree)
            return await self._each("nodes", repo.NODE_ROWS, walk.node, keys=2, end=walk.end)
        self.counts["ledger_nodes"] = done = sum(count for _, count, *_ in expected)
        self.tick("nodes", done, self.total["ledger_nodes"])
        return None

    async def state(self) -> Mismatch | None:
        state = await repo.read_state(self.session)
        return checks.check_state(self.tree, state.size, state.root_hash, state.frontier)

    async def checkpoints(self) -> Mismatch | None:
        walk = checks.CheckpointWalk(self.tree, self.verifier_key)
        return await self._each("checkpoints", repo.CHECKPOINT_ROWS, walk.checkpoint, size=1000)

    async def anchor(self) -> Mismatch | None:
        """The log must still extend the last signed checkpoint kept outside the database."""
        if self.latest is None:
            return None
        found = anchor.check(self.latest, self.verifier_key, self.tree.size, self.tree.root)
        return Mismatch(*found) if found else None

    async def units(self) -> Mismatch | None:
        """Every unit's stored state must be what its chain says."""
        total = self.total["units"]
        self.counts["units"], found = await unit_state.first_difference(
            self.session, lambda done: self.tick("units", done, total))
        return Mismatch(*found) if found else None

    async def readers(self) -> Mismatch | None:
        """Every event's ``event_parties`` rows must be the readers its leaf proves."""
        total = self.total["event_parties"]
        self.counts["event_parties"], found = await readers.first_difference(
            self.session, lambda done: self.tick("event_parties", done, total))
        return Mismatch(*found) if found else None

    async def audit(self) -> Mismatch | None:
        """Every audit entry must hash to the leaf that logs it (:mod:`app.audit.verify`)."""
        total = self.total["audit_trail"]
        self.counts["audit_trail"], found = await audit_trail.first_difference(
            self.session, lambda done: self.tick("audit_trail", done, total))
        return Mismatch(*found) if found else None

    async def _each(
        self,
        stage: str,
        query: Any,
        check: Callable[[checks.Row], Mismatch | None],
        *,
        keys: int = 1,
        size: int = 20_000,
        end: Callable[[], Mismatch | None] = lambda: None,
    ) -> Mismatch | None:
        """``check`` every row of ``query``, then ``end``; count the rows as table ``stage``."""
        done, total = 0, self.total[_TABLES[stage]]
        async with aclosing(repo.batches(self.session, query, keys=keys, size=size)) as batches:
            async for rows in batches:
                for row in rows:
                    if (found := check(row)) is not None:
                        return found
                done += len(rows)
                self.tick(stage, done, total)
        if (found := end()) is not None:
            return found
        self.tick(stage, done, total)
        self.counts[_TABLES[stage]] = done
        return None


_STAGES = ("hops", "leaves")
_TABLES = {
    "events": "epcis_events",
    "nodes": "ledger_nodes",
    "checkpoints": "ledger_checkpoints",
}


class _HopsAndLeaves:
    """Batches of hops, then leaves, through the reference ``Walk`` or the compiled checks.

    :meth:`check` stops (returns False) at the first row that fails, leaving :attr:`found`,
    or, where the compiled chain walk stopped, :attr:`unlinked`: the id of the hop that the
    caller reads back for the reference to name.
    """

    def __init__(self, fast: Compiled | None, totals: tuple[int, int], tick: Progress) -> None:
        self.walk, self.fast, self.totals, self.tick = checks.Walk(), fast, totals, tick
        self.done = [0, 0]
        self.linked = fast is None
        self.found: Mismatch | None = None
        self.unlinked: int | None = None

    def check(self, number: int, rows: Sequence[checks.Row]) -> bool:
        """Check a batch of hops (``number`` 0) or leaves (1); False once a row fails."""
        if number and not self.link():
            return False
        self.found = self._leaves(rows) if number else self._hops(rows)
        if self.found is not None:
            return False
        self.done[number] += len(rows)
        self.tick(_STAGES[number], self.done[number], self.totals[number])
        return True

    def link(self) -> bool:
        """Walk the chains of every hop the compiled checks took: once, before any leaf."""
        if not self.linked and self.fast is not None:  # not linked: the compiled checks ran
            self.linked = True
            if (stopped := self.fast.links()) is not None:
                self.unlinked = stopped[1]
        return self.unlinked is None

    def _hops(self, rows: Sequence[checks.Row]) -> Mismatch | None:
        if self.fast is None:
            hop = self.walk.hop
            for row in rows:
                if (found := hop(row)) is not None:
                    return found
        elif (taken := self.fast.hops(rows)) < len(rows):  # a column PostgreSQL cannot hold
            raise _disagreement(rows[taken])
        return None

    def _leaves(self, rows: Sequence[checks.Row]) -> Mismatch | None:
        walk, fast = self.walk, self.fast
        if fast is None:
            for row in rows:
                if (found := walk.leaf(row, walk.by_leaf.pop(row[0], b""))) is not None:
                    return found
        elif (held := fast.leaves(rows)) < len(rows):
            row = rows[held]
            found = checks.Walk(*fast.state).leaf(row, b"".join(fast.hops_of(row[0])))
            if found is not None:
                return found
            raise _disagreement(row)
        return None


async def _batches(
    session: AsyncSession, queries: Sequence[Any]
) -> AsyncGenerator[tuple[int, Sequence[checks.Row]], None]:
    """``(query number, rows)`` of hops (keyed by unit and seq), then of leaves, on ``session``."""
    for number, query in enumerate(queries):
        async with aclosing(repo.batches(session, query, keys=2 - number)) as batches:
            async for rows in batches:
                yield number, rows


def _pipelined(
    batches: Generator[tuple[int, list[Any]], None, None],
    check: Callable[[int, Sequence[checks.Row]], bool],
) -> None:
    """``check`` each batch on a second thread while this one reads the next; stop at False.

    The compiled checks let go of the GIL while they format and hash, so the two overlap.
    """
    with closing(batches), ThreadPoolExecutor(1) as checker:
        pending = None
        for number, rows in batches:
            if pending and not pending.result():
                return
            pending = checker.submit(check, number, rows)
        if pending:
            pending.result()


def _disagreement(row: checks.Row) -> RuntimeError:
    return RuntimeError(
        f"the compiled verifier refused a row the reference checks accept ({row[:3]}); "
        "`custody verify --pure-python` checks without it; please report this"
    )
