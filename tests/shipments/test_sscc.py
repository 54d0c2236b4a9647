"""SSCC allocation: check digits, the counter never hands a number out twice, and a rolled-back
allocation leaves no gap; 8 concurrent writers on PostgreSQL through a real server."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from app.db import create_engine, session_factory
from app.demo import HARBOR, LYON, seed
from app.migrate import upgrade
from app.models import ShipmentCase, SsccAllocation, SsccCounter
from app.operator.service import operator
from app.shipments.service import allocate_ssccs
from app.shipments.sscc import sscc
from gs1.errors import GS1Error
from gs1.identifiers import validate_sscc
from tests.conftest import create_pg_database, drop_pg_database
from tests.partners.helpers import make_key
from tests.process import serving

WRITERS, CASES_EACH = 8, 5


def test_check_digits_and_capacity():
    assert sscc("0614141", "1", 234567890) == "106141412345678908"  # the GS1 example SSCC
    assert validate_sscc(sscc("061414112345", "3", 9999))
    with pytest.raises(GS1Error, match="expected at most 4 digits"):
        sscc("061414112345", "0", 10_000)
    with pytest.raises(GS1Error, match="extension digit"):
        sscc("0370002", "x", 1)


async def test_a_rolled_back_allocation_hands_its_number_out_again(demo, session, sessions, settings):
    op = await operator(session, settings.operator_gln)
    before = list((await session.execute(select(SsccAllocation.serial))).scalars())  # the demo's
    async with sessions() as other, other.begin():
        lost = await allocate_ssccs(other, op, 2, "test", "crash")
        await other.rollback()  # the transaction dies before commit: nothing was handed out
    kept = await allocate_ssccs(session, op, 3, "test", "kept")
    assert kept[:2] == lost
    rows = (await session.execute(select(SsccAllocation.serial).order_by(SsccAllocation.serial))).scalars()
    assert sorted(rows) == sorted(before) + [len(before) + n for n in (1, 2, 3)]  # no gap


@pytest.fixture
def served_pg():
    """A real server on its own PostgreSQL database with the demo's partners and an operator key."""
    url = create_pg_database()
    upgrade(url)

    async def prepare() -> dict[str, str]:
        engine = create_engine(url)
        async with session_factory(engine).begin() as session:
            await seed(session)
            headers = await make_key(session, None, "admin")
        await engine.dispose()
        return headers

    headers = asyncio.run(prepare())
    try:
        with serving(CUSTODY_DATABASE_URL=url, CUSTODY_OPERATOR_GLN=HARBOR.gln,
                     CUSTODY_CHECKPOINT_INTERVAL_SECONDS="0") as base:
            yield base, headers, url
    finally:
        drop_pg_database(url)


async def test_eight_concurrent_writers_get_distinct_consecutive_ssccs(served_pg):
    base, headers, url = served_pg
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        shipments = []
        for _ in range(WRITERS):
            made = await http.post("/shipments", json={"ship_to_gln": LYON.gln})
            assert made.status_code == 201, made.text
            shipments.append(made.json()["id"])

        async def writer(sid: int) -> list[str]:
            got = []
            for _ in range(CASES_EACH):
                case = await http.post(f"/shipments/{sid}/cases")
                assert case.status_code == 201, case.text
                got.append(case.json()["sscc"])
            return got

        results = await asyncio.gather(*(writer(s) for s in shipments))
    keys = [k for batch in results for k in batch]
    total = WRITERS * CASES_EACH
    assert len(set(keys)) == total and all(validate_sscc(k) for k in keys)
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        allocated = (await session.execute(select(SsccAllocation.serial, SsccAllocation.sscc)
                                           .order_by(SsccAllocation.serial))).all()
        counter = await session.scalar(select(SsccCounter.next_serial))
        cased = set((await session.scalars(select(ShipmentCase.sscc))).all())
    await engine.dispose()
    assert [serial for serial, _ in allocated] == list(range(1, total + 1))  # no gap at all
    assert counter == total + 1
    assert {k for _, k in allocated} == set(keys) == cased  # every allocation is a case
