"""Two receivers use the same confirmation link at the same moment: one receipt, one refusal."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select

from app.cases import service as cases
from app.config import Settings
from app.db import create_engine, session_factory
from app.delivery import service as delivery
from app.demo import LYON, OPERATOR, ZENTERVA, load
from app.models import EpcisEvent
from tests.cases.test_phi import pg_url  # noqa: F401  (fixture)

SECRET = "concurrency-secret-0123456789"


async def test_a_link_used_twice_at_once_records_one_receipt(pg_url, tmp_path):  # noqa: F811
    engine = create_engine(pg_url)
    sessions = session_factory(engine)
    await load(sessions, Settings(database_url=pg_url, operator_gln=OPERATOR.gln,
                                  key_dir=tmp_path / "keys"))
    today = date.today()
    async with sessions.begin() as session:
        case = await cases.open_case(session, cases.CaseSpec(
            "FR", cases.Pathway.NAMED_PATIENT, "Dr. X", "L-1", "FR", ZENTERVA.ndc, 2, LYON.gln,
            authorization=cases.Authorization("A-1", today, today + timedelta(days=9))), "test")
        await cases.authorize(session, case.ref, None, "test")
        await cases.link_shipment(session, case.ref, [ZENTERVA.sgtin("ZT00013"),
                                                      ZENTERVA.sgtin("ZT00014")], "test")
        _, token = await delivery.issue_link(session, case.ref, "test", SECRET)
    async with sessions() as session:
        before = await session.scalar(select(func.count()).select_from(EpcisEvent))

    async def use(name: str):
        async with sessions.begin() as session:
            return await delivery.confirm(session, token, SECRET, delivery.Confirmation(
                name, "pharmacist", "HCL", "intact", True))

    results = await asyncio.gather(use("Dr. One"), use("Dr. Two"), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["ConfirmationLink", "LinkUnusable"]
    assert "already used" in str(next(r for r in results if isinstance(r, Exception)))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(EpcisEvent)) == before + 1
        assert (await cases.get(session, case.ref)).status == cases.S.DELIVERED
    await engine.dispose()

