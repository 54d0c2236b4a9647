"""Eight concurrent writers on PostgreSQL leave one gap-free log with the right root."""

import asyncio

from sqlalchemy import select

from app.db import create_engine, session_factory
from app.ledger import core, service
from app.migrate import upgrade
from app.models import CustodyHop, LedgerLeaf
from tests.conftest import require_postgresql
from tests.ledger.helpers import commission, sgtin

WRITERS, APPENDS, BATCH = 8, 10_000, 25


async def writer(factory, number: int) -> None:
    per_writer = APPENDS // WRITERS
    for start in range(0, per_writer, BATCH):
        async with factory() as session, session.begin():
            n0 = number * per_writer + start
            await service.append(session, [commission(n, sgtin(n)) for n in range(n0, n0 + BATCH)])


def test_concurrent_writers_gap_free(empty_database):
    require_postgresql("concurrency is PostgreSQL's job here")
    url = empty_database("postgresql")
    upgrade(url)

    async def run():
        engine = create_engine(url)
        factory = session_factory(engine)
        await asyncio.gather(*(writer(factory, w) for w in range(WRITERS)))
        async with factory() as session:
            rows = (
                await session.execute(
                    select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash, LedgerLeaf.data).order_by(
                        LedgerLeaf.leaf_index
                    )
                )
            ).all()
            hops = await session.scalar(
                select(CustodyHop.id).order_by(CustodyHop.id.desc()).limit(1)
            )
            root = await service.root_at(session, len(rows))
            size = await service.current_size(session)
        await engine.dispose()
        return rows, hops, root, size

    rows, hops, root, size = asyncio.run(run())
    assert [r.leaf_index for r in rows] == list(range(APPENDS)) and size == APPENDS
    assert all(core.leaf_hash(r.data) == r.leaf_hash for r in rows)
    assert root == core.root([core.leaf_hash(r.data) for r in rows])  # independent recomputation
    assert hops is not None
