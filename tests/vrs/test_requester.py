"""The requester asks Custody's own responder, running as a second server on its own database."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest

from app.config import Settings
from app.db import create_engine, session_factory
from app.migrate import upgrade
from app.models import Unit
from app.vrs import service
from tests.partners.helpers import make_key
from tests.process import custody, free_port, serving
from tests.vrs.helpers import (
    EXPIRY,
    FOREIGN_GTIN,
    GTIN,
    MFG_GLN,
    WHOLESALER_GLN,
    responder_world,
    sgtin,
)


@pytest.fixture(scope="module")
def responder(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """``custody serve`` for Northwind on a SQLite file: (base URL, the wholesaler's key)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('responder') / 'responder.db'}"
    upgrade(url)

    async def seed() -> str:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            keys = await responder_world(session)
        await engine.dispose()
        return keys["wholesaler"]["Authorization"].removeprefix("Bearer ")

    key = asyncio.run(seed())
    port = free_port()
    with serving(port, CUSTODY_DATABASE_URL=url, CUSTODY_OPERATOR_GLN=MFG_GLN,
                 CUSTODY_CHECKPOINT_INTERVAL_SECONDS="0"):
        yield f"http://127.0.0.1:{port}/vrs", key


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_json=True, operator_gln=WHOLESALER_GLN)


@pytest.fixture
async def admin(session, responder) -> dict[str, str]:
    """The wholesaler's Custody: the returned package, a route to Northwind, an operator key."""
    base, key = responder
    session.add(Unit(identifier=sgtin(GTIN, "OK1"), kind="sgtin", gtin=GTIN, serial="OK1",
                     lot="L1", expiry=EXPIRY, status="returned"))
    await service.add_route(session, "0312345", base, key)
    headers = await make_key(session, None, "admin")
    await session.commit()
    return headers


def asked(serial="OK1", lot="L1", exp="280331", gtin=GTIN) -> dict[str, str]:
    return {"gtin": gtin, "lot": lot, "serial": serial, "exp": exp}


async def test_a_verified_answer_is_recorded_against_the_unit(client, admin, session):
    response = await client.post("/verifications", json=asked(), headers=admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["verified"], body["status_code"], body["responder_gln"]) == (True, 200, MFG_GLN)
    unit = await session.get(Unit, body["unit_id"])
    assert (unit.gtin, unit.serial) == (GTIN, "OK1")
    assert body["responder_url"].endswith(f"/vrs/verify/gtin/{GTIN}/lot/L1/ser/OK1")


async def test_a_failed_verification_keeps_the_reason_and_the_flag(client, admin):
    body = (await client.post("/verifications", json=asked(serial="RC1", lot="L2"),
                              headers=admin)).json()
    assert (body["verified"], body["failure_reason"], body["unit_id"]) == (
        False, "No_match_GTIN_Serial_Lot", None)
    body = (await client.post("/verifications", json=asked(serial="RC1", exp="280300"),
                              headers=admin)).json()
    assert (body["verified"], body["additional_info"]) == (True, "Recalled")


async def test_a_gtin_without_a_route_is_404(client, admin):
    response = await client.post("/verifications", json=asked(gtin=FOREIGN_GTIN), headers=admin)
    assert response.status_code == 404
    assert response.json()["detail"].startswith(f"gtin {FOREIGN_GTIN}: no VRS route for it")


async def test_a_responder_that_does_not_serve_the_gtin_is_recorded(client, admin, session,
                                                                    responder):
    await service.add_route(session, "0360001", responder[0], responder[1])
    await session.commit()
    body = (await client.post("/verifications", json=asked(gtin=FOREIGN_GTIN),
                              headers=admin)).json()
    assert (body["verified"], body["status_code"]) == (None, 404)
    assert body["error"] == (f"responder answered HTTP 404: gtin {FOREIGN_GTIN}: this responder "
                             "does not answer for it (not a GTIN of the brand owners it serves)")


async def test_malformed_input_is_refused_before_asking(client, admin):
    response = await client.post("/verifications", json=asked(exp="281301"), headers=admin)
    assert response.status_code == 422
    assert response.json()["field"] == "exp"


async def test_an_unreachable_responder_is_retried_then_recorded(session, sessions):
    await service.add_route(session, "0312345", f"http://127.0.0.1:{free_port()}/vrs", "k")
    a = service.ask_for(WHOLESALER_GLN, GTIN, "L1", "OK1", "280331", "dscsaSaleableReturn",
                        EXPIRY.replace(year=2026))
    started = time.monotonic()
    row = await service.verify(sessions, a, "test", timeout=1, retries=2)
    assert time.monotonic() - started >= 0.6  # backed off 0.2 s, then 0.4 s
    assert (row.verified, row.status_code) == (None, None)
    assert row.error.startswith("cannot reach http://127.0.0.1:")


def test_the_cli_asks_and_records(tmp_path, responder):
    base, key = responder
    settings = {"CUSTODY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'req.db'}",
                "CUSTODY_OPERATOR_GLN": WHOLESALER_GLN}
    assert custody("migrate", **settings).returncode == 0
    added = custody("vrs", "route", "add", "0312345", base, "--key", key, **settings)
    assert added.returncode == 0, added.stderr
    assert custody("vrs", "route", "list", **settings).stdout == f"0312345\t{base}\n"
    ok = custody("vrs", "verify", GTIN, "L1", "QU1", "280300", **settings)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["additional_info"] == "Suspect"
    failed = custody("vrs", "verify", GTIN, "L1", "NOPE", "280331", **settings)
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["failure_reason"] == "No_match_GTIN_Serial"
    bad = custody("vrs", "verify", GTIN + "1", "L1", "X", "280331", **settings)
    assert (bad.returncode, bad.stderr) == (
        2, "error: gtin: expected 14 digits (GTIN-14), got '003123456001121'\n")


def test_the_demo_routes_northwinds_gtins_to_itself(tmp_path):
    """Run as Northwind, the demo answers its own requests from the demo chain's state."""
    port = free_port()
    settings = {"CUSTODY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
                "CUSTODY_OPERATOR_GLN": MFG_GLN}
    demo = custody("demo", "--no-serve", "--port", str(port), **settings)
    assert demo.returncode == 0, demo.stderr
    assert f"Northwind's GTINs -> http://127.0.0.1:{port}/vrs, asked as {MFG_GLN}" in demo.stdout
    with serving(port, CUSTODY_CHECKPOINT_INTERVAL_SECONDS="0", **settings):
        held = custody("vrs", "verify", GTIN, "ZT2611A", "ZT00003", "280500", **settings)
        dispensed = custody("vrs", "verify", GTIN, "ZT2611A", "ZT00001", "280531", **settings)
    assert held.returncode == 0, held.stdout + held.stderr
    assert dispensed.returncode == 1
    assert json.loads(dispensed.stdout)["failure_reason"] == "Not_for_re-distribution"
