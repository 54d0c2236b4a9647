"""The compiled row checks (``app/ledger/_accel.c``) hold exactly the rows the reference holds.

On PostgreSQL ``custody verify`` checks hop and leaf rows with the compiled ``Verifier`` and
asks the pure-Python ``Walk`` only to name the row where it stops, so the two must agree on
every row: generated chains and leaves, corrupted in the ways verify must catch, are fed to
both, the hops to the compiled checks in any order (as the table stores them) and to the
reference in (unit, seq) order. Then verify runs end to end on a committed database, where it
reads the rows on the session's exported snapshot, and on SQLite, where ``compiled=True``
falls back to the reference.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from hashlib import sha256

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.db import create_engine, session_factory
from app.dialect import is_postgresql
from app.ledger import core, service
from app.ledger import repository as repo
from app.ledger.checks import PG_EPOCH, Walk
from app.ledger.core import HopSpec
from app.ledger.verify import verify
from app.migrate import upgrade
from tests.conftest import require_postgresql
from tests.ledger.helpers import MFG, T0, WHOLESALER, commission, entry, sgtin, ship

try:
    from app.ledger._accel import Verifier, levels
except ImportError as exc:
    # Skipped only where the optional extension could not be built (no C compiler or no
    # OpenSSL headers: verify then runs its Python checks). CI builds it, so there it fails.
    why = f"app.ledger._accel is not built ({exc}); `pip install -e .` builds it"
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must test the compiled verifier", pytrace=False)
    pytest.skip(f"{why}: the compiled verify path is untested here", allow_module_level=True)

# --- rows as verify reads them from PostgreSQL -------------------------------------------

UNIT, SEQ, ID, EVENT, KIND, SRC, DST, LOC, TIME, PREV, HASH, LEAF = range(12)
INDEX, LEAF_HASH, DATA, LEAF_EVENT = range(4)

US = timedelta(microseconds=1)
FIRST = (datetime(1, 1, 1, tzinfo=UTC) - PG_EPOCH) // US  # first valid time
LAST = (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC) - PG_EPOCH) // US
PG_FIRST, PG_LAST = -211_813_488_000_000_000, 9_223_371_331_199_999_999  # 4714 BC, 294276 AD
INFINITY = (2**63 - 1, -(2**63))  # PostgreSQL's 'infinity' and '-infinity'
CYCLE_MS = 146_097 * 86_400_000  # the Gregorian calendar repeats every 400 years


def texts(min_size: int = 0) -> st.SearchStrategy[str]:
    """Any text, and text dense in what JSON escapes: quotes, backslashes, control chars."""
    tricky = st.sampled_from('"\\/\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f é€\u2028\U0001d11e')
    return st.text(min_size=min_size, max_size=8) | st.text(tricky, min_size=min_size, max_size=8)


valid_times = st.integers(FIRST // 1000, LAST // 1000).map(lambda ms: ms * 1000) | st.sampled_from(
    [FIRST, LAST, 0, -1000]
)
invalid_times = st.one_of(
    valid_times.flatmap(lambda us: st.integers(1, 999).map(lambda sub_ms: us + sub_ms)),
    st.integers(PG_FIRST // 1000, FIRST // 1000 - 1).map(lambda ms: ms * 1000),
    st.integers(LAST // 1000 + 1, PG_LAST // 1000).map(lambda ms: ms * 1000),
    st.sampled_from([FIRST - 1000, LAST + 1000, LAST + 1, PG_FIRST, PG_LAST, *INFINITY, 2**64]),
)
hop_fields = st.tuples(
    texts(), texts(), st.none() | texts(), st.none() | texts(), st.none() | texts(), valid_times
)


def time_text(us: int) -> str:
    """The reference encoding of a PostgreSQL time (raises for an invalid one)."""
    return core.format_time(PG_EPOCH + timedelta(microseconds=us))


def lax_time_text(us: int, wrap: bool) -> str:
    """How a checker without the precision and range checks might write ``us``."""
    cycles, ms = divmod(us // 1000, CYCLE_MS)
    shown = time_text(ms * 1000)
    year = int(shown[:4]) + 400 * cycles
    return f"{year % 10_000 if wrap else year:04d}{shown[4:]}"


def hop_digest(row: tuple, time: str | None = None) -> bytes:
    unit, seq, _, event, kind, src, dst, loc, us, prev, _, _ = row
    fields = (unit, seq, event, kind, src, dst, loc, time or time_text(us))
    return sha256(core.canonical_hop_fields(*fields) + prev).digest()


def put(row: tuple, column: int, value) -> tuple:
    return row[:column] + (value,) + row[column + 1 :]


def flip(value: bytes, at: int) -> bytes:
    return value[:at] + bytes([value[at] ^ 1]) + value[at + 1 :]


def hop(unit: str, seq: int, row_id: int, fields: tuple, prev: bytes, leaf: int) -> tuple:
    row = (unit, seq, row_id, *fields, prev, b"", leaf)
    return put(row, HASH, hop_digest(row))


@st.composite
def ledgers(draw) -> tuple[list[tuple], list[tuple]]:
    """Correct hop rows in (unit, seq) order and leaf rows listing 0..3 hops each."""
    per_leaf = draw(st.lists(st.integers(0, 3), max_size=6))
    owners = draw(st.permutations([leaf for leaf, n in enumerate(per_leaf) for _ in range(n)]))
    units = draw(st.lists(texts(), min_size=1, max_size=4, unique=True))
    unit_of = draw(st.lists(st.sampled_from(units), min_size=len(owners), max_size=len(owners)))
    hops, heads = [], {}
    for unit in units:
        for leaf in [leaf for u, leaf in zip(unit_of, owners, strict=True) if u == unit]:
            seq, prev = heads.get(unit, (0, core.GENESIS))
            hops.append(hop(unit, seq, len(hops) + 1, draw(hop_fields), prev, leaf))
            heads[unit] = (seq + 1, hops[-1][HASH])
    leaves = []
    for index in range(len(per_leaf)):
        event, partner = draw(texts(min_size=1)), draw(texts(min_size=1))
        record = PG_EPOCH + timedelta(microseconds=draw(valid_times))
        mine = [row[HASH] for row in hops if row[LEAF] == index]
        data = core.leaf_data(event, record, partner, mine)
        leaves.append((index, core.leaf_hash(data), data, event))
    return hops, leaves


# --- corruptions: each changes one thing, in place ----------------------------------------


def pick(draw, rows: list) -> int:
    return draw(st.integers(0, len(rows) - 1))


def flip_prev_hop_hash(draw, hops, leaves):
    k = pick(draw, hops)
    hops[k] = put(hops[k], PREV, flip(hops[k][PREV], draw(st.integers(0, 31))))


def flip_hop_hash(draw, hops, leaves):
    k = pick(draw, hops)
    hops[k] = put(hops[k], HASH, flip(hops[k][HASH], draw(st.integers(0, 31))))


def change_seq(draw, hops, leaves):
    k = pick(draw, hops)
    seq = draw(st.integers(-1, 6).filter(lambda s: s != hops[k][SEQ]) | st.just(2**63))
    hops[k] = put(hops[k], SEQ, seq)
    if draw(st.booleans()):  # only the seq check can catch it
        hops[k] = put(hops[k], HASH, hop_digest(hops[k]))


def change_field(draw, hops, leaves):
    k, column = pick(draw, hops), draw(st.sampled_from([UNIT, EVENT, KIND, SRC, DST, LOC]))
    value = draw(st.none() | texts())
    assume(value != hops[k][column])
    hops[k] = put(hops[k], column, value)
    if (value is not None or column in (SRC, DST, LOC)) and draw(st.booleans()):
        hops[k] = put(hops[k], HASH, hop_digest(hops[k]))  # a valid hop: the next one breaks


def invalid_time(draw, hops, leaves):
    k, us = pick(draw, hops), draw(invalid_times)
    hops[k] = put(hops[k], TIME, us)
    if draw(st.booleans()):  # hashed as a lax checker writes it: only the time check catches it
        hops[k] = put(hops[k], HASH, hop_digest(hops[k], lax_time_text(us, draw(st.booleans()))))


def swap_hops(draw, hops, leaves):
    k = pick(draw, hops[1:])
    hops[k], hops[k + 1] = hops[k + 1], hops[k]


def move_hop_to_another_leaf(draw, hops, leaves):
    k = pick(draw, hops)
    leaf = draw(st.integers(-2, len(leaves) + 1).filter(lambda i: i != hops[k][LEAF]))
    hops[k] = put(hops[k], LEAF, leaf)


def drop_hop(draw, hops, leaves):
    del hops[pick(draw, hops)]


def extra_hop(draw, hops, leaves):
    """A valid next hop of one unit, or of a new unit, recorded with some leaf or none."""
    last = {row[UNIT]: k for k, row in enumerate(hops)}
    known = st.sampled_from(sorted(last)) if last else st.nothing()
    unit = draw(known | texts().filter(lambda u: u not in last))
    k = last.get(unit)
    seq, prev = (0, core.GENESIS) if k is None else (hops[k][SEQ] + 1, hops[k][HASH])
    leaf = draw(st.sampled_from([-1, len(leaves)]) | st.integers(-1, len(leaves)))
    at = len(hops) if k is None else k + 1
    hops.insert(at, hop(unit, seq, 1000, draw(hop_fields), prev, leaf))


def flip_leaf_hash(draw, hops, leaves):
    k = pick(draw, leaves)
    leaves[k] = put(leaves[k], LEAF_HASH, flip(leaves[k][LEAF_HASH], draw(st.integers(0, 31))))


def change_data(draw, hops, leaves):
    """Flip a byte or cut the data short; rehashed, only the prefix check can catch it."""
    k = pick(draw, leaves)
    data = leaves[k][DATA]
    at = pick(draw, data)
    data = flip(data, at) if draw(st.booleans()) else data[:at]
    leaves[k] = put(leaves[k], DATA, data)
    if draw(st.booleans()):
        leaves[k] = put(leaves[k], LEAF_HASH, core.leaf_hash(data))


def change_event_column(draw, hops, leaves):
    k = pick(draw, leaves)
    leaves[k] = put(
        leaves[k], LEAF_EVENT, draw(texts().filter(lambda e: e != leaves[k][LEAF_EVENT]))
    )


def drop_leaf(draw, hops, leaves):
    del leaves[pick(draw, leaves)]


def shift_leaf_index(draw, hops, leaves):
    k = pick(draw, leaves)
    leaves[k] = put(leaves[k], INDEX, leaves[k][INDEX] + draw(st.sampled_from([-1, 1, 2])))


def swap_leaves(draw, hops, leaves):
    k = pick(draw, leaves[1:])
    leaves[k], leaves[k + 1] = leaves[k + 1], leaves[k]


HOP_CORRUPTIONS = [
    flip_prev_hop_hash, flip_hop_hash, change_seq, change_field, invalid_time, swap_hops,
]  # fmt: skip
LINK_CORRUPTIONS = [move_hop_to_another_leaf, drop_hop, extra_hop]
LEAF_CORRUPTIONS = [
    flip_leaf_hash, change_data, change_event_column, drop_leaf, shift_leaf_index, swap_leaves,
]  # fmt: skip


def corrupt_one(draw, corrupt, hops: list, leaves: list) -> None:
    """Apply ``corrupt`` if the ledger has the rows it needs; otherwise try another ledger."""
    rows = leaves if corrupt in LEAF_CORRUPTIONS else hops
    assume(len(rows) >= {swap_hops: 2, swap_leaves: 2, extra_hop: 0}.get(corrupt, 1))
    corrupt(draw, hops, leaves)


# --- the two checkers, side by side -------------------------------------------------------


def reference_holds(check, rows: list) -> int:
    """How many rows the reference holds before the first it names."""
    for k, row in enumerate(rows):
        if check(row) is not None:
            return k
    return len(rows)


def compiled_holds(check, rows: list, batch: int) -> int:
    """How many rows the compiled checks hold, fed ``batch`` at a time as verify does."""
    assert check([]) == 0
    held = 0
    for start in range(0, len(rows), batch):
        held += check(rows[start : start + batch])
        if held < min(start + batch, len(rows)):
            break
    return held


def split(hashes: bytes) -> list[bytes]:
    return sorted(hashes[i : i + core.HASH_SIZE] for i in range(0, len(hashes), core.HASH_SIZE))


def storable(row: tuple) -> bool:
    """PostgreSQL holds a text unit and BIGINT seq in every row (NOT NULL columns)."""
    return isinstance(row[UNIT], str) and -(2**63) <= row[SEQ] < 2**63


def assert_same_rows_hold(hops: list, leaves: list, batch: int, stored: list) -> str:
    """Both hold the same hops, then the same leaves; returns where they stopped.

    ``stored`` is the order the compiled checks get the hops in; the reference walks them
    in (unit, seq) order, ties in stored order.
    """
    walk, fast = Walk(), Verifier()
    taken = compiled_holds(fast.hops, stored, batch)
    if not all(map(storable, hops)):
        assert taken < len(stored)  # refused outright: verify raises, never passes it
        assert reference_holds(walk.hop, hops) < len(hops)
        return "refused a row PostgreSQL cannot hold"
    assert taken == len(stored)
    chains = sorted(stored, key=lambda row: (row[UNIT].encode("utf-8", "surrogatepass"), row[SEQ]))
    held, stopped = reference_holds(walk.hop, chains), fast.links()
    if held < len(chains):
        assert stopped is not None, ("hops", held, chains)
        ordinal, row_id = stopped
        assert stored[ordinal] is chains[held] and row_id == chains[held][ID]
        # where the compiled checks stop, the reference names the row
        assert Walk(*fast.state).hop(chains[held]) is not None
        return "stopped at a hop"
    assert stopped is None, ("hops", stopped, chains)
    assert fast.state[:3] == (walk.unit, walk.seq, walk.prev)
    for leaf, hashes in walk.by_leaf.items():
        assert sorted(fast.hops_of(leaf)) == split(hashes)

    held = compiled_holds(fast.leaves, leaves, batch)
    reference = reference_holds(lambda row: walk.leaf(row, walk.by_leaf.pop(row[0], b"")), leaves)
    assert held == reference, ("leaves", held, leaves, hops)
    if held < len(leaves):
        row = leaves[held]
        assert Walk(*fast.state).leaf(row, b"".join(fast.hops_of(row[INDEX]))) is not None
        return "stopped at a leaf"
    assert fast.state[3] == walk.next_leaf == len(leaves)
    assert fast.leaf_hashes() == b"".join(walk.hashes)
    orphan = fast.orphan()
    assert orphan == min(walk.by_leaf, default=None)
    return "held every row" if orphan is None else "found an orphan hop"


@pytest.mark.parametrize(
    "corrupt",
    [None, *HOP_CORRUPTIONS, *LINK_CORRUPTIONS, *LEAF_CORRUPTIONS],
    ids=lambda corrupt: corrupt.__name__ if corrupt else "intact",
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), batch=st.integers(1, 5))
def test_compiled_holds_the_rows_the_reference_holds(corrupt, data, batch):
    hops, leaves = data.draw(ledgers())
    if corrupt:
        corrupt_one(data.draw, corrupt, hops, leaves)
    stored = data.draw(st.sampled_from([hops, hops[::-1]]) | st.permutations(hops))
    event(assert_same_rows_hold(hops, leaves, batch, list(stored)))


@pytest.mark.parametrize("leaf", [-1, 1])
def test_a_hop_of_no_leaf_is_the_orphan_for_both(leaf):
    row = hop(sgtin(1), 0, 1, ("e", "commission", None, MFG, None, 0), core.GENESIS, leaf)
    fast, walk = Verifier(), Walk()
    assert fast.hops([row]) == reference_holds(walk.hop, [row]) == 1
    assert fast.links() is None
    assert fast.leaves([]) == 0
    assert fast.orphan() == min(walk.by_leaf) == leaf


FIELDS = ("e", "commission", None, MFG, None, 0)


def test_a_rehashed_hop_that_skips_a_seq_ends_its_chain_for_both():
    """Its prev_hop_hash links and its hash holds: only the seq check catches it."""
    first = hop("u", 0, 1, FIELDS, core.GENESIS, 0)
    skipped = hop("u", 2, 2, FIELDS, first[HASH], 0)
    fast = Verifier()
    assert fast.hops([skipped, first]) == 2
    assert fast.links() == (0, 2)
    assert Walk(*fast.state).hop(skipped).message == "gap in the chain"
    assert reference_holds(Walk().hop, [first, skipped]) == 1


def test_of_two_broken_chains_both_name_the_one_of_the_smaller_unit():
    """Chains are walked apart; the reference meets the unit first in code point order first."""
    a, b, z = (hop(u, 1, n, FIELDS, core.GENESIS, 0) for n, u in enumerate("abé", 1))
    for stored in ([a, b, z], [z, b, a], [b, z, a]):
        fast = Verifier()
        assert fast.hops(stored) == 3
        assert fast.links() == (stored.index(a), a[ID])
        assert fast.state[:3] == ("a", 0, core.GENESIS)
    assert reference_holds(Walk().hop, [a, b, z]) == 0


def test_two_hops_at_one_seq_fail_at_the_one_stored_second():
    a = hop("u", 0, 1, FIELDS, core.GENESIS, 0)
    b = hop("u", 0, 2, ("f", *FIELDS[1:]), core.GENESIS, 0)
    for stored in ([a, b], [b, a]):
        fast = Verifier()
        assert fast.hops(stored) == 2
        assert fast.links() == (1, stored[1][ID])
        assert reference_holds(Walk().hop, stored) == 1


@settings(max_examples=300, deadline=None)
@given(valid_times | invalid_times, st.booleans())
@example(us=FIRST - 1000, wrap=True)  # year 0 written as 0000
@example(us=LAST + 1000, wrap=True)  # year 10000 written as 0000
@example(us=LAST + 1, wrap=False)
def test_a_time_holds_for_both_exactly_when_it_is_valid(us, wrap):
    """Hashed as a lax checker writes it, only the precision and range checks can refuse it."""
    row = put(hop("u", 0, 1, ("e", "k", None, None, None, 0), core.GENESIS, 0), TIME, us)
    row = put(row, HASH, hop_digest(row, lax_time_text(us, wrap)))
    valid = us % 1000 == 0 and FIRST <= us <= LAST
    fast = Verifier()
    assert fast.hops([row]) == 1
    assert (fast.links() is None) == reference_holds(Walk().hop, [row]) == valid


def test_levels_equal_the_reference_for_sizes_0_to_70():
    hashes = b"".join(core.leaf_hash(b"%d" % i) for i in range(70))
    for size in range(71):
        blob = hashes[: size * core.HASH_SIZE]
        assert levels(blob) == core.subtree_levels(blob), size
    with pytest.raises(ValueError):
        levels(hashes[:33])


# --- verify on a committed PostgreSQL database: the snapshot path -------------------------

ORIGIN = "custody.test/accel"


async def _fill(url: str) -> str:
    """Seven leaves (one with three hops) and nine hops, one checkpoint; commits them."""
    signer, verifier = core.generate_signer(ORIGIN)
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        await service.append(session, [commission(i, sgtin(i)) for i in range(4)])
        three = [HopSpec(sgtin(10 + i), "commission", None, MFG, None, T0) for i in range(3)]
        await service.append(
            session,
            [ship(4 + i, sgtin(i), MFG, WHOLESALER) for i in range(2)] + [entry(6, three)],
        )
        await service.sign_checkpoint(session, signer, ORIGIN)
    await engine.dispose()
    return verifier


@pytest.fixture(scope="module")
def committed(empty_database) -> tuple[str, str]:
    """A database of this module's own holding a committed ledger: ``(url, verifier key)``."""
    require_postgresql("the snapshot path is PostgreSQL's")
    url = empty_database("postgresql")
    upgrade(url)
    return url, asyncio.run(_fill(url))


@asynccontextmanager
async def fresh_session(url: str) -> AsyncIterator:
    """A session on its own engine that has read and written nothing."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def verify_both_ways(url: str, key: str) -> dict:
    """verify in fresh sessions with the compiled checks and with the reference."""
    reports = {}
    for compiled in (True, False):
        async with fresh_session(url) as session:
            reports[compiled] = await verify(session, key, compiled=compiled)
    return reports


@pytest.fixture
def snapshot_reads(monkeypatch) -> list[str]:
    """The snapshots verify reads rows on, three rows a batch so its state crosses batches.

    The reader is the real one on the real database; only its batch size is smaller.
    """
    snapshots, read = [], repo.snapshot_batches

    def small_batches(session, snapshot, queries):
        snapshots.append(snapshot)
        return read(session, snapshot, queries, size=3)

    monkeypatch.setattr(repo, "snapshot_batches", small_batches)
    return snapshots


async def test_committed_ledger_verifies_on_the_exported_snapshot(committed, snapshot_reads):
    url, key = committed
    async with fresh_session(url) as session:
        assert await repo.export_snapshot(session)
    reports = await verify_both_ways(url, key)
    assert len(snapshot_reads) == 1  # the compiled run, not the reference
    assert reports[True].ok, reports[True].mismatch
    assert reports[True].counts == {
        "epcis_events": 0,
        "custody_hops": 9,
        "ledger_leaves": 7,
        "ledger_nodes": 4,
        "ledger_checkpoints": 1,
        "units": 0,
        "event_parties": 0,
        "audit_trail": 0,
    }
    assert (reports[True].compiled, reports[False].compiled) == (True, False)
    assert replace(reports[True], compiled=False) == reports[False]


@asynccontextmanager
async def tampered(url: str, table: str, column: str, where: str, change: str):
    """Commit ``column = change`` on the one row ``where``; put the row back afterwards."""
    engine = create_engine(url)

    async def update(value: str, params: dict | None = None) -> int:
        async with engine.begin() as conn:
            await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            sql = f"UPDATE {table} SET {column} = {value} WHERE {where}"
            changed = await conn.execute(text(sql), params or {})
            await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))
        return changed.rowcount

    try:
        async with engine.connect() as conn:
            original = await conn.scalar(text(f"SELECT {column} FROM {table} WHERE {where}"))
        assert await update(change) == 1
        try:
            yield
        finally:
            assert await update(":original", {"original": original}) == 1
    finally:
        await engine.dispose()


FLIP = "set_byte({col}, 5, get_byte({col}, 5) # 1)"


def hop_where(unit: int, seq: int) -> str:
    return f"unit = '{sgtin(unit)}' AND seq = {seq}"


async def row_name(url: str, table: str, where: str) -> str:
    """How verify names the row ``where``: ``id (unit u, seq s)`` for a hop, else its index."""
    columns = "id, unit, seq" if table == "custody_hops" else "leaf_index"
    async with fresh_session(url) as session:
        row = (await session.execute(text(f"SELECT {columns} FROM {table} WHERE {where}"))).one()
    return f"{row[0]} (unit {row[1]}, seq {row[2]})" if len(row) == 3 else str(row[0])


@pytest.mark.parametrize(
    ("table", "column", "where", "change", "named", "message"),
    [
        (
            "custody_hops", "hop_hash", hop_where(1, 1), FLIP, None,
            "hop_hash does not match the hop",
        ),
        (
            "custody_hops", "prev_hop_hash", hop_where(0, 1), FLIP, None,
            "prev_hop_hash does not link to the previous hop",
        ),
        (
            "custody_hops", "to_party", hop_where(11, 0), "to_party || '\"'", None,
            "hop_hash does not match the hop",
        ),
        (
            "custody_hops", "time", hop_where(2, 0), "time + interval '1 millisecond'", None,
            "hop_hash does not match the hop",
        ),
        (
            "custody_hops", "time", hop_where(3, 0), "time + interval '1 microsecond'", None,
            "hop row is malformed",
        ),
        (
            "ledger_leaves", "data", "leaf_index = 3", FLIP, None,
            "leaf_hash does not match the leaf data",
        ),
        (
            "ledger_leaves", "event_hash", "leaf_index = 5", "event_hash || 'x'", None,
            "event_hash column differs from the leaf data",
        ),
        (
            "custody_hops", "leaf_index", hop_where(12, 0), "5", ("ledger_leaves", "5"),
            "leaf data lists other hops than the hops recorded with it",
        ),
    ],
    ids=[
        "hop_hash", "prev_hop_hash", "to_party", "time+1ms", "time+1us",
        "leaf data", "leaf event_hash", "hop moved to another leaf",
    ],
)  # fmt: skip
async def test_committed_tampered_row_is_named_alike_both_ways(
    committed, snapshot_reads, table, column, where, change, named, message
):
    url, key = committed
    named = named or (table, await row_name(url, table, where))
    async with tampered(url, table, column, where, change.format(col=column)):
        reports = await verify_both_ways(url, key)
    assert len(snapshot_reads) == 1
    mismatch = reports[True].mismatch
    assert mismatch is not None
    assert (mismatch.table, mismatch.row, mismatch.message) == (*named, message)
    assert mismatch.expected != mismatch.found
    assert reports[False].mismatch == mismatch


# --- compiled=True where there is no snapshot to read on ----------------------------------


async def test_compiled_verify_outside_the_snapshot_path_matches_the_reference(session):
    """SQLite checks with the reference; PostgreSQL in a savepoint compiled, on the session."""
    await service.append(session, [commission(i, sgtin(i)) for i in range(3)])
    await service.append(session, [ship(3, sgtin(0), MFG, WHOLESALER)])
    await session.flush()
    compiled = await verify(session, None, compiled=True)
    assert compiled.ok, compiled.mismatch
    assert (compiled.counts["custody_hops"], compiled.counts["ledger_leaves"]) == (4, 4)
    assert compiled.compiled is is_postgresql(session)
    assert replace(compiled, compiled=False) == await verify(session, None, compiled=False)
