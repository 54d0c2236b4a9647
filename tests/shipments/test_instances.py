"""A second Custody instance, with its own database, captures the operator's outbound document
as the receiver would and ends with the same unit states, hops and event hashes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.db import create_engine, session_factory
from app.demo import HARBOR, LYON, NORTHWIND, seed
from app.ingest.worker import run_once
from app.migrate import upgrade
from app.models import PartnerGln
from app.models.base import utcnow
from app.shipments.demo import stock_documents
from app.world.documents import document
from app.world.events import receive
from tests.conftest import create_pg_database, drop_pg_database
from tests.partners.helpers import make_key
from tests.process import serving
from tests.shipments.helpers import new_shipment, packed_case


@pytest.fixture
def receiver():
    """Custody B on its own PostgreSQL database: the demo's partners, each with a capture key,
    and an operator key that reads everything."""
    url = create_pg_database()
    upgrade(url)

    async def prepare() -> dict[str, dict[str, str]]:
        engine = create_engine(url)
        async with session_factory(engine).begin() as session:
            await seed(session)
            keys = {"reader": await make_key(session, None, "admin", "query")}
            for party in (NORTHWIND, HARBOR, LYON):
                pid = (await session.get(PartnerGln, party.gln)).partner_id
                keys[party.gln] = await make_key(session, pid, "capture", "query")
        await engine.dispose()
        return keys

    keys = asyncio.run(prepare())
    try:
        with serving(CUSTODY_DATABASE_URL=url, CUSTODY_OPERATOR_GLN=LYON.gln,
                     CUSTODY_CHECKPOINT_INTERVAL_SECONDS="0") as base:
            yield base, keys, url
    finally:
        drop_pg_database(url)


async def _capture_on_b(base: str, url: str, headers: dict, body: bytes) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        posted = await http.post("/capture", content=body, headers=headers)
    assert posted.status_code == 202, posted.text
    engine = create_engine(url)
    job = await run_once(session_factory(engine))
    await engine.dispose()
    assert job is not None and job.status == "succeeded", job.errors if job else None


async def _states(http: httpx.AsyncClient, headers: dict, epcs) -> dict:
    out = {}
    for epc in epcs:
        got = await http.get(f"/units/{epc}", headers=headers)
        assert got.status_code == 200, got.text
        unit = got.json()
        out[epc] = (unit["status"], unit["lot"], unit["expiry"], unit["container"],
                    [(h["kind"], h["from_party"], h["to_party"], h["event_hash"])
                     for h in unit["chain"]])
    return out


async def test_the_receiver_captures_the_outbound_document_and_agrees(client, stocked, session,
                                                                      sessions, receiver):
    base, keys, url = receiver
    h, vials = stocked["headers"], stocked["vials"][:3]
    sid = (await new_shipment(client, h))["id"]
    cases = [await packed_case(client, h, sid, part) for part in (vials[:2], vials[2:])]
    for case in cases:
        assert (await client.post(f"/shipments/{sid}/cases/{case['id']}/close",
                                  headers=h)).status_code == 200
    assert (await client.post(f"/shipments/{sid}/ship", headers=h)).status_code == 200
    outbound = (await client.get(f"/shipments/{sid}/epcis", params={"format": "1.2-xml"},
                                 headers=h)).content

    # B knows the units' history up to Harbor (as sent to it before), then Harbor's document
    for gln, body in stock_documents(stocked["vials"], hours=300):
        await _capture_on_b(base, url, keys[gln], body)
    await _capture_on_b(base, url, keys[HARBOR.gln], outbound)

    reader_a = await make_key(session, None, "admin", "query")
    lyon_a = await make_key(session, (await session.get(PartnerGln, LYON.gln)).partner_id,
                            "capture")
    await session.commit()
    epcs = [*vials, *(c["epc"] for c in cases)]
    async with httpx.AsyncClient(base_url=base, timeout=60) as b:
        in_transit = await _states(client, reader_a, epcs)
        assert in_transit == await _states(b, keys["reader"], epcs)
        assert {state[0] for state in in_transit.values()} == {"shipped"}

        arrived = document(receive([c["epc"] for c in cases], utcnow(), LYON.sgln))
        posted = await client.post("/capture", content=arrived, headers=lyon_a)
        assert posted.status_code == 202
        assert (await run_once(sessions)).status == "succeeded"
        await _capture_on_b(base, url, keys[LYON.gln], arrived)
        received = await _states(client, reader_a, epcs)
        assert received == await _states(b, keys["reader"], epcs)
        assert {state[0] for state in received.values()} == {"received"}
