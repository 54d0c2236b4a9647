"""Four workers on PostgreSQL share the queue: every job runs, nothing is applied twice."""

import asyncio

from sqlalchemy import func, select

from app.capture.service import capture
from app.db import create_engine, session_factory
from app.ingest.worker import run_once
from app.logging import configure_logging
from app.migrate import upgrade
from app.models import CaptureJob, EpcisEvent, Unit
from tests.conftest import require_postgresql
from tests.ingest.chain import MFG, PHARMACY, WHOLESALER, commission, document, sgtin, ship
from tests.partners.helpers import chain_partners, event_leaves

WORKERS, JOBS = 4, 12


async def drain(factory) -> None:
    while await run_once(factory) is not None:
        pass


def test_workers_share_jobs_and_replays_apply_once(empty_database):
    require_postgresql("SKIP LOCKED is PostgreSQL's")
    url = empty_database("postgresql")
    upgrade(url)
    configure_logging("ERROR", True)  # the expected races log exceptions; keep them cheap

    async def run():
        engine = create_engine(url)
        factory = session_factory(engine)
        async with factory() as session:
            p = await chain_partners(session)
        async with factory() as session, session.begin():
            for n in range(JOBS):
                events = [commission([sgtin(10 * n + i) for i in range(10)])]
                await capture(session, document(*events), None, p["mfg"][0])
                # The same events again in another syntax: a second job racing the first.
                await capture(session, document(*events, fmt="1.2-xml"), None, p["mfg"][0])
        await asyncio.gather(*(drain(factory) for _ in range(WORKERS)))
        await asyncio.gather(*(drain(factory) for _ in range(WORKERS)))  # retried ones
        async with factory() as session:
            statuses = (await session.scalars(select(CaptureJob.status))).all()
            counts = [await session.scalar(select(func.count()).select_from(EpcisEvent)),
                      await event_leaves(session),
                      await session.scalar(select(func.count()).select_from(Unit))]
        await engine.dispose()
        return statuses, counts

    statuses, counts = asyncio.run(run())
    assert sorted(statuses) == ["succeeded"] * (2 * JOBS)
    assert counts == [JOBS, JOBS, 10 * JOBS]


def test_two_racing_shipments_of_one_unit_cannot_both_win(empty_database):
    require_postgresql("row locks are PostgreSQL's")
    url = empty_database("postgresql")
    upgrade(url)
    configure_logging("ERROR", True)

    async def run():
        engine = create_engine(url)
        factory = session_factory(engine)
        async with factory() as session:
            p = await chain_partners(session)
        async with factory() as session, session.begin():
            await capture(session, document(commission([sgtin(1)])), None, p["mfg"][0])
        await drain(factory)
        async with factory() as session, session.begin():
            for dst in (WHOLESALER, PHARMACY):
                await capture(session, document(ship([sgtin(1)], MFG, dst)), None, p["mfg"][0])
        await asyncio.gather(*(drain(factory) for _ in range(WORKERS)))
        async with factory() as session:
            jobs = (await session.scalars(select(CaptureJob).order_by(CaptureJob.finished_at))).all()
        await engine.dispose()
        return [(j.status, [e["reason"] for e in j.errors]) for j in jobs]

    outcomes = asyncio.run(run())
    assert sorted(outcomes) == [("failed", ["INVALID_TRANSITION"]), ("succeeded", []),
                                ("succeeded", [])]
