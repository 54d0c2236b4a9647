"""SQL for the ledger: the sequencer row, leaves, subtree hashes, checkpoints and hops."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Sequence
from contextlib import aclosing
from typing import Any

import psycopg
from psycopg import sql as psql
from sqlalchemy import and_, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import IN_CHUNK
from app.dialect import is_postgresql
from app.ledger.core import HASH_SIZE, Range, subtree_coords
from app.models import (
    AuditRecord,
    CustodyHop,
    EpcisEvent,
    EventParty,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    LedgerState,
    Unit,
)


def split_frontier(blob: bytes) -> list[bytes]:
    """The frontier column holds the 32-byte hashes back to back."""
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


async def lock_state(session: AsyncSession) -> tuple[int, list[bytes]]:
    """Lock the sequencer row for this transaction; return ``(size, frontier)``.

    A no-op UPDATE takes PostgreSQL's row lock and SQLite's write lock alike, so concurrent
    appenders queue here and the log stays gap-free.
    """
    query = (
        update(LedgerState)
        .where(LedgerState.id == 1)
        .values(size=LedgerState.size)
        .returning(LedgerState.size, LedgerState.frontier)
    )
    size, frontier = (await session.execute(query)).one()
    return size, split_frontier(frontier)


async def read_state(session: AsyncSession) -> LedgerState:
    """The current tree state, without locking."""
    return (await session.scalars(select(LedgerState).where(LedgerState.id == 1))).one()


async def save_state(
    session: AsyncSession, size: int, frontier: Sequence[bytes], root: bytes
) -> None:
    await session.execute(
        update(LedgerState)
        .where(LedgerState.id == 1)
        .values(size=size, frontier=b"".join(frontier), root_hash=root)
    )


async def hop_heads(session: AsyncSession, units: Iterable[str]) -> dict[str, tuple[int, bytes]]:
    """For each unit that has hops: ``(seq, hop_hash)`` of its latest hop."""
    heads: dict[str, tuple[int, bytes]] = {}
    units = sorted(set(units))
    if units and is_postgresql(session):
        distinct_on = text(
            "SELECT DISTINCT ON (unit) unit, seq, hop_hash FROM custody_hops "
            "WHERE unit = ANY(:units) ORDER BY unit, seq DESC"
        )
        rows = await session.execute(distinct_on, {"units": units})
        return {unit: (seq, bytes(hop_hash)) for unit, seq, hop_hash in rows}
    for i in range(0, len(units), IN_CHUNK):
        chunk = units[i : i + IN_CHUNK]
        latest = (
            select(CustodyHop.unit, func.max(CustodyHop.seq).label("seq"))
            .where(CustodyHop.unit.in_(chunk))
            .group_by(CustodyHop.unit)
            .subquery()
        )
        query = select(CustodyHop.unit, CustodyHop.seq, CustodyHop.hop_hash).join(
            latest, and_(CustodyHop.unit == latest.c.unit, CustodyHop.seq == latest.c.seq)
        )
        for unit, seq, hop_hash in await session.execute(query):
            heads[unit] = (seq, hop_hash)
    return heads


async def subtree_hashes(session: AsyncSession, ranges: Iterable[Range]) -> dict[Range, bytes]:
    """The stored hashes of complete subtrees: leaves for width 1, node rows otherwise."""
    ranges = list(ranges)
    leaves = [s for s, e in ranges if e - s == 1]
    nodes = [subtree_coords(s, e) for s, e in ranges if e - s > 1]
    found: dict[Range, bytes] = {}
    if leaves:
        query = select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash).where(
            LedgerLeaf.leaf_index.in_(leaves)
        )
        found.update({(i, i + 1): h for i, h in await session.execute(query)})
    if nodes:
        node_query = select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(
            tuple_(LedgerNode.level, LedgerNode.idx).in_(nodes)
        )
        found.update(
            {(i << lv, (i + 1) << lv): h for lv, i, h in await session.execute(node_query)}
        )
    return found


async def get_leaf(session: AsyncSession, leaf_index: int) -> LedgerLeaf | None:
    return await session.get(LedgerLeaf, leaf_index)


async def leaf_index_of(session: AsyncSession, event_hash: str) -> int | None:
    """The leaf that recorded ``event_hash`` (the first, if it was ever logged twice)."""
    query = select(func.min(LedgerLeaf.leaf_index)).where(LedgerLeaf.event_hash == event_hash)
    return await session.scalar(query)


async def latest_checkpoint(
    session: AsyncSession, tree_size: int | None = None
) -> LedgerCheckpoint | None:
    """The newest checkpoint (of ``tree_size`` when given)."""
    query = select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)
    if tree_size is not None:
        query = query.where(LedgerCheckpoint.tree_size == tree_size)
    return await session.scalar(query)


async def add_checkpoint(
    session: AsyncSession, tree_size: int, root: bytes, note: str
) -> LedgerCheckpoint:
    checkpoint = LedgerCheckpoint(tree_size=tree_size, root_hash=root, note=note)
    session.add(checkpoint)
    await session.flush()
    return checkpoint


async def unit_hops(session: AsyncSession, unit: str) -> list[CustodyHop]:
    """A unit's hops in chain order."""
    query = select(CustodyHop).where(CustodyHop.unit == unit).order_by(CustodyHop.seq)
    return list(await session.scalars(query))


# What ``custody verify`` reads: every row, as ``app/ledger/checks.py`` takes it.

EVENT_ROWS = select(EpcisEvent.id, EpcisEvent.event_hash, EpcisEvent.body).order_by(EpcisEvent.id)

HOP_ROWS = select(
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
STORED_HOP_ROWS = HOP_ROWS.order_by(None)

LEAF_ROWS = select(
    LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash, LedgerLeaf.data, LedgerLeaf.event_hash
).order_by(LedgerLeaf.leaf_index)

NODE_ROWS = select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).order_by(
    LedgerNode.level, LedgerNode.idx
)

CHECKPOINT_ROWS = select(
    LedgerCheckpoint.id, LedgerCheckpoint.note, LedgerCheckpoint.tree_size, LedgerCheckpoint.root_hash
).order_by(LedgerCheckpoint.id)


async def hop_row(session: AsyncSession, hop_id: int) -> tuple[Any, ...]:
    """One hop as :data:`HOP_ROWS` reads it."""
    return tuple((await session.execute(HOP_ROWS.where(CustodyHop.id == hop_id))).one())


async def row_counts(session: AsyncSession) -> dict[str, int]:
    """Rows of the event, hop, checkpoint, unit, event party and audit tables (counting a big table
    is not free)."""
    return {
        model.__tablename__: (
            await session.execute(select(func.count()).select_from(model))
        ).scalar_one()
        for model in (EpcisEvent, CustodyHop, LedgerCheckpoint, Unit, EventParty, AuditRecord)
    }


async def node_levels(session: AsyncSession) -> list[tuple[int, int, int, int, bytes]] | None:
    """Stored nodes per level: ``(level, count, first idx, last idx, hashes in idx order)``.

    One aggregate query on PostgreSQL; ``None`` elsewhere (SQLite cannot order an aggregate).
    """
    if not is_postgresql(session):
        return None
    # Aggregating rows the index already hands over in order halves the time of an
    # ``ORDER BY`` inside ``string_agg``, which sorts each level again (spilling to disk).
    # PostgreSQL does not promise to keep a subquery's order; if it ever did not, the
    # levels would differ and verify would walk the node rows instead.
    query = text(
        "SELECT level, count(*), min(idx), max(idx), string_agg(hash, '') FROM "
        "(SELECT level, idx, hash FROM ledger_nodes ORDER BY level, idx) AS nodes "
        "GROUP BY level ORDER BY level"
    )
    return [tuple(row) for row in await session.execute(query)]


async def batches(
    session: AsyncSession, query: Any, keys: int = 1, size: int = 20_000
) -> AsyncGenerator[Sequence[Sequence[Any]], None]:
    """The rows (tuples) of an ordered ``query``, ``size`` at a time, never the whole table.

    PostgreSQL runs the query once on the session's psycopg connection and streams it in
    chunks (binary results, no SQLAlchemy row processing), so the server sends the next rows
    while the caller works on these; close the iterator (``contextlib.aclosing``) if you stop
    early, or the connection stays busy. Timestamps arrive there as PostgreSQL keeps them
    (see :func:`_load_raw_times`). Elsewhere keyset pages: the first ``keys`` selected
    columns must be the query's unique ordering key.
    """
    if not is_postgresql(session):
        key_columns = list(query.selected_columns)[:keys]
        last = None
        while True:
            page = query if last is None else query.where(tuple_(*key_columns) > tuple_(*last))
            page_rows = (await session.execute(page.limit(size))).all()
            if page_rows:
                yield page_rows
            if len(page_rows) < size:
                return
            last = tuple(page_rows[-1][:keys])
    connection = await session.connection()
    compiled = query.compile(dialect=connection.dialect)
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None, "a pooled connection always has its driver connection"
    # A savepoint: a stream closed early is cancelled, which fails the statement.
    async with raw.transaction(), raw.cursor(binary=True) as cursor:
        _load_raw_times(cursor)
        stream = cursor.stream(str(compiled), compiled.params, size=size)
        async with aclosing(stream):
            rows: list[Sequence[Any]] = []
            async for row in stream:
                rows.append(row)
                if len(rows) == size:
                    yield rows
                    rows = []
            if rows:
                yield rows


def _load_raw_times(cursor: psycopg.Cursor | psycopg.AsyncCursor) -> None:
    """Read ``timestamptz`` as PostgreSQL stores it (microseconds since ``checks.PG_EPOCH``).

    Exact, and the cheapest to read: a datetime costs more per row than the rest of a hop.
    """
    int8 = cursor.adapters.get_loader(psycopg.postgres.types["int8"].oid, psycopg.pq.Format.BINARY)
    assert int8 is not None, "psycopg always has a binary int8 loader"
    cursor.adapters.register_loader("timestamptz", int8)


async def export_snapshot(session: AsyncSession) -> str | None:
    """The id of ``session``'s snapshot, for :func:`snapshot_batches`, or ``None``.

    ``None`` unless PostgreSQL, inside a savepoint, or once the transaction has written:
    another connection that imports the snapshot sees the same committed rows but none of
    the session's own changes.
    The id is valid while the session's transaction lasts.
    """
    connection = await session.connection()
    if not is_postgresql(connection) or connection.in_nested_transaction():
        return None  # a savepoint cannot export its snapshot
    query = text("SELECT pg_current_xact_id_if_assigned() IS NULL, pg_export_snapshot()")
    clean, snapshot = (await session.execute(query)).one()
    return snapshot if clean else None


def snapshot_batches(
    session: AsyncSession, snapshot: str, queries: Sequence[Any], size: int = 20_000
) -> Callable[[], Generator[tuple[int, list[Any]], None, None]]:
    """Blocking reads of ``queries`` on ``snapshot``, for a worker thread.

    The returned function opens its own psycopg connection (REPEATABLE READ, read only,
    on the exported snapshot), streams each query in turn and yields ``(query number,
    rows)`` ``size`` rows at a time, as :func:`batches` does. Blocking psycopg reads a row
    for half the CPU of the async driver, whose every socket read is an event-loop wait.
    """
    bind = session.get_bind()
    url = bind.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    dialect = bind.dialect
    statements = [query.compile(dialect=dialect) for query in queries]

    def read() -> Generator[tuple[int, list[Any]], None, None]:
        with psycopg.connect(url) as conn:
            conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
            conn.execute(psql.SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot))
            # Stream in index order: sorting a whole table (a plan fresh statistics may
            # pick) spills to disk and sends nothing until it is done.
            conn.execute("SET LOCAL enable_sort = off")
            with conn.cursor(binary=True) as cursor:
                _load_raw_times(cursor)
                for number, statement in enumerate(statements):
                    rows = []
                    for row in cursor.stream(str(statement), statement.params, size=size):
                        rows.append(row)
                        if len(rows) == size:
                            yield number, rows
                            rows = []
                    if rows:
                        yield number, rows

    return read
