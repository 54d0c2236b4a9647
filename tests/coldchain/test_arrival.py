"""Where an excursion's investigation is opened: where readings arrive (logger uploads, captured
sensor reports), once per excursion; a read (any GET, by anyone) writes nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from app.coldchain import service
from app.config import Settings
from app.db import create_engine, session_factory
from app.ingest.worker import run_once
from app.main import create_app
from app.models import Investigation, Product, TemperatureReading, Unit, UnitStatus
from app.models.base import Base
from epcis.cbv import GS1_VOC
from epcis.model import SensorElement, SensorReport
from tests.cases.test_phi import pg_url  # noqa: F401  (fixture)
from tests.coldchain.test_http import logger, path, upload, zenterva_2_to_8
from tests.ingest.chain import at, document, observe
from tests.investigations.stock import CASE, IN_CASE, stock
from tests.partners.helpers import PHARMACY_GLN

EXCURSION = (5, 12, 12, 12, 12, 5)  # every 10 minutes: 40 minutes above 8 °C


async def rows(session) -> dict[str, int]:
    """How many rows every table holds."""
    return {t.name: await session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


def sensor_report(minutes: int = 9):
    """An ObjectEvent on the case whose sensor reports show ``EXCURSION``."""
    reports = tuple(SensorReport((("type", GS1_VOC + "Temperature"), ("value", str(c)),
                                  ("uom", "CEL"), ("time", (at(minutes) + timedelta(
                                      minutes=10 * i)).isoformat())))
                    for i, c in enumerate(EXCURSION))
    return replace(observe([CASE], "sensor_reporting", minutes=minutes),
                   sensor_elements=(SensorElement(None, reports),))


async def test_a_get_by_anyone_changes_nothing(client, session, sessions):
    s = await stock(client, session, sessions)
    posted = await upload(client, s.staff, CASE, logger(*EXCURSION))
    assert posted.json()["verdict"] == "no-range", posted.text  # no range yet: nothing opened
    product = await session.scalar(select(Product))  # the range written behind the service's
    product.storage_low_c, product.storage_high_c = 2, 8  # back: an excursion nobody acted on
    product.excursion_budget_minutes = 30
    await session.commit()
    before = await rows(session)
    reads = [(path(IN_CASE[0]), s.staff), (path(CASE) + "?format=svg", s.staff),
             (path(IN_CASE[1]), s.partners["pharmacy"][1]), (path(CASE), s.partners["mfg"][1])]
    digits = await session.scalar(select(Unit.sscc).where(Unit.identifier == CASE))
    reads.append((f"/coldchain/sscc/{digits}", s.staff))
    got = [await client.get(p, headers=h) for p, h in reads]
    assert [r.status_code for r in got] == [200, 200, 200, 404, 200]
    assert got[0].json()["verdict"] == "excursion" and got[0].json()["investigation"] is None
    assert await rows(session) == before
    assert await session.scalar(select(func.count()).select_from(Investigation)) == 0


async def test_a_range_set_after_the_readings_opens_the_investigation_once(
        client, session, sessions):
    s = await stock(client, session, sessions)
    posted = await upload(client, s.staff, CASE, logger(*EXCURSION))
    assert posted.json()["verdict"] == "no-range", posted.text
    assert await session.scalar(select(func.count()).select_from(Investigation)) == 0
    await zenterva_2_to_8(client, s.staff)  # the stored readings are now an excursion
    opened = (await client.get("/investigations", headers=s.staff)).json()
    assert [i["trigger"] for i in opened] == ["cold-chain"], opened
    got = (await client.get(path(IN_CASE[0]), headers=s.staff)).json()
    assert got["verdict"] == "excursion" and got["investigation"] == opened[0]["id"]
    await zenterva_2_to_8(client, s.staff)  # set again: nothing new
    assert len((await client.get("/investigations", headers=s.staff)).json()) == 1


async def test_captured_sensor_reports_open_one_investigation_only_from_the_holder(
        client, session, sessions):
    s = await stock(client, session, sessions)
    await zenterva_2_to_8(client, s.staff)
    before = await rows(session)
    hostile = await client.post("/capture", content=document(sensor_report()),
                                headers=s.partners["mfg"][1])  # it shipped the case away
    assert hostile.status_code == 202
    await run_once(sessions, operator_gln=PHARMACY_GLN)
    after = await rows(session)
    for table in ("temperature_readings", "coldchain_alerts", "investigations",
                  "investigation_units"):
        assert after[table] == before[table], table
    logged = await client.post("/capture", content=document(sensor_report(10)),
                               headers=s.partners["pharmacy"][1])
    assert logged.status_code == 202
    assert (await run_once(sessions, operator_gln=PHARMACY_GLN)).status == "succeeded"
    opened = (await client.get("/investigations", headers=s.staff)).json()
    assert [i["trigger"] for i in opened] == ["cold-chain"], opened
    for unit in IN_CASE:
        got = (await client.get(path(unit), headers=s.staff)).json()
        assert got["verdict"] == "excursion" and got["investigation"] == opened[0]["id"], got
        held = await client.get(f"/units/{unit}", headers=s.partners["pharmacy"][1])
        assert held.json()["status"] == "quarantined"
    alerts = (await rows(session))["coldchain_alerts"]
    replay = await client.post("/capture", content=document(sensor_report(10), statement=False),
                               headers=s.partners["pharmacy"][1])  # new bytes, same event
    assert replay.status_code == 202
    assert (await run_once(sessions, operator_gln=PHARMACY_GLN)).status == "succeeded"
    assert len((await client.get("/investigations", headers=s.staff)).json()) == 1
    assert (await rows(session))["coldchain_alerts"] == alerts


async def test_the_same_file_uploaded_concurrently_opens_one_investigation(pg_url):  # noqa: F811
    engine = create_engine(pg_url)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        session.add(Product(gtin="00312345600110", ndc="12345-6001-1", proprietary_name="Z",
                            manufacturer_name="M", company_prefix_length=7, storage_low_c=2,
                            storage_high_c=8, excursion_budget_minutes=30))
        case = Unit(identifier="urn:epc:id:sscc:0312345.0000000001", kind="sscc",
                    sscc="003123450000000017", status=UnitStatus.RECEIVED)
        session.add(case)
        await session.flush()
        session.add_all(Unit(identifier=f"urn:epc:id:sgtin:0312345.060011.V{n}", kind="sgtin",
                             gtin="00312345600110", serial=f"V{n}", parent_id=case.id,
                             status=UnitStatus.RECEIVED) for n in range(3))
    body = logger(*EXCURSION).encode()

    async def send():
        async with sessions.begin() as session:
            return await service.upload(session, case.identifier, body, "text/csv", "t", None,
                                        None)

    found = await asyncio.gather(*(send() for _ in range(4)))
    assert {f.investigation_id for f in found} != {None}
    assert len({f.investigation_id for f in found}) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Investigation)) == 1
        stored = await session.scalar(select(func.count()).select_from(TemperatureReading))
        assert stored == len(EXCURSION)  # the file stored once
        alerts = (await rows(session))["coldchain_alerts"]
        assert alerts == 4  # the case and its three vials
    await engine.dispose()


async def test_the_same_sensor_report_in_documents_run_at_once_opens_one_investigation(
        pg_url, tmp_path):  # noqa: F811
    engine = create_engine(pg_url)
    sessions = session_factory(engine)
    app = create_app(Settings(database_url=pg_url, key_dir=tmp_path / "keys",
                              operator_gln=PHARMACY_GLN))
    app.state.sessions = sessions
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://custody.test") as client, \
            sessions() as session:
        s = await stock(client, session, sessions)
        await zenterva_2_to_8(client, s.staff)
        for statement in (True, False, True):  # three documents (two bytes), one event
            posted = await client.post("/capture", headers=s.partners["pharmacy"][1],
                                       content=document(sensor_report(10), statement=statement))
            assert posted.status_code == 202
        await asyncio.gather(*(run_once(sessions, operator_gln=PHARMACY_GLN) for _ in range(2)))
        while await run_once(sessions, operator_gln=PHARMACY_GLN) is not None:
            pass  # a job that lost a race runs again
        opened = (await client.get("/investigations", headers=s.staff)).json()
        assert [i["trigger"] for i in opened] == ["cold-chain"], opened
        counted = await rows(session)
        assert counted["coldchain_alerts"] == 1 + len(IN_CASE)  # the case and its two units
        assert counted["temperature_readings"] == len(EXCURSION)
    await app.state.engine.dispose()
    await engine.dispose()
