"""Two staff answering the same trace request at once on PostgreSQL: one answer, one 409."""

import asyncio

from sqlalchemy import func, select

from app.audit.service import Origin
from app.auth.service import Caller
from app.db import create_engine, session_factory
from app.demo import ZENTERVA, ingest_chain, seed
from app.errors import Conflict
from app.ledger import core
from app.ledger import service as ledger
from app.migrate import upgrade
from app.models import AuditRecord, TraceReason, TraceResponse
from app.traces import service
from app.traces.service import TraceSpec
from tests.conftest import require_postgresql


def test_two_answers_at_once_give_one_answer_and_one_conflict(empty_database):
    require_postgresql("concurrency is PostgreSQL's job here")
    url = empty_database("postgresql")
    upgrade(url)

    async def run():
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions.begin() as session:
            await seed(session)
        await ingest_chain(sessions)
        signer, _ = core.generate_signer("custody.test/log")
        async with sessions.begin() as session:
            await ledger.sign_checkpoint(session, signer, "custody.test/log")
            spec = TraceSpec("FDA", "fda@fda.test", TraceReason.SUSPECT_PRODUCT,
                             TraceResponse.TRANSACTION_INFORMATION, gtin=ZENTERVA.gtin,
                             serial="ZT00001")
            filed = await service.file(session, Caller(None, frozenset({"regulator"}), "t"),
                                       spec, Origin())

        async def answer(who: str):
            async with sessions.begin() as session:
                return await service.answer(session, who, filed.id)

        results = await asyncio.gather(answer("staff:a"), answer("staff:b"),
                                       return_exceptions=True)
        async with sessions() as session:
            answers = await session.scalar(select(func.count()).where(
                AuditRecord.action == "trace.answer").select_from(AuditRecord))
        await engine.dispose()
        return results, answers

    results, answers = asyncio.run(run())
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "TraceRequest"]
    assert isinstance(next(r for r in results if isinstance(r, Exception)), Conflict)
    assert answers == 1
