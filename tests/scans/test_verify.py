"""POST /scans/verify: every verdict from the unit state the ingest rules wrote, who may ask,
what a stranger's unit reveals, and that every scan is stored."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select, update

from app.demo import ATLAS, COR_VIALS, STAFF_USER, STATION, TORN_SEAL
from app.errors import ConfigurationError
from app.models import CustodyException, Scan, TradingPartner, Unit, UnitStatus
from app.scans.service import verify_text
from app.staff.service import Actor
from scanners import ProductIdentifier, datamatrix_png
from tests.partners.helpers import make_key
from tests.staff.helpers import csrf_of, sign_in

ZT = "00312345600112"  # Zenterva, lot ZT2611A, expiry 2028-05-31
CL = "00312345600228"  # Corlumab, lot CL2510, expired 2026-10-31
NOT_DEMO = Scan.operator != "custody demo"  # the demo's shipment scanned its vials in


def wedge(gtin: str, serial: str, lot: str | None = None, expiry: str | None = None) -> str:
    """What a wedge scanner types for a GS1 DataMatrix: ]d2, GS as <GS>."""
    text = f"]d201{gtin}21{serial}"
    if lot:
        text += f"<GS>10{lot}"
    if expiry:
        text += f"<GS>17{expiry}"
    return text


async def set_status(session, serial: str, status: UnitStatus) -> None:
    await session.execute(update(Unit).where(Unit.serial == serial).values(status=status))
    await session.commit()


@pytest.fixture
async def admin(session, demo):
    headers = await make_key(session, None, "admin")
    await session.commit()
    return headers


async def verify(client, headers, text, station=STATION):
    response = await client.post("/scans/verify", headers=headers,
                                 json={"text": text, "station": station})
    assert response.status_code == 200, response.text
    return response.json()


async def test_verified_answers_the_identifier_and_the_units_state(client, admin):
    body = await verify(client, admin, wedge(ZT, "ZT00003", "ZT2611A", "280531"))
    assert body["verdict"] == "verified"
    assert body["reasons"] == ["in our custody, received, label matches the ledger"]
    assert body["identifier"] == {"gtin": ZT, "serial": "ZT00003", "lot": "ZT2611A",
                                  "expiry": "2028-05-31", "sscc": None,
                                  "epc": "urn:epc:id:sgtin:0312345.060011.ZT00003"}
    assert body["unit"] == {"identifier": "urn:epc:id:sgtin:0312345.060011.ZT00003",
                            "status": "received", "lot": "ZT2611A", "expiry": "2028-05-31",
                            "location": "urn:epc:id:sgln:0370002.00000.0", "product": "Zenterva"}
    assert body["scan"]["station"] == STATION and body["scan"]["by"].startswith("key:")


@pytest.mark.parametrize("text", [
    "]d20100312345600112\x1d21ZT00003",  # GS as the real control character
    "(01)00312345600112(21)ZT00003(10)ZT2611A",  # HRI, typed
    "https://id.gs1.org/01/00312345600112/21/ZT00003?17=280531",  # Digital Link
    "]d201003123456001122" + "1ZT00003\x1d17280500",  # day 00: the month's last day
])
async def test_every_scanner_spelling_verifies(client, admin, text):
    assert (await verify(client, admin, text))["verdict"] == "verified"


async def test_each_verdict_from_the_ledger(client, admin, session):
    cases = {
        "unreadable": "hello",
        "unknown-identifier": wedge(ZT, "ZT09999"),
        "not-in-custody": wedge(ZT, "ZT00005"),  # shipped by Atlas to us, not yet received
        "lot-mismatch": wedge(ZT, "ZT00003", "ZT2611B"),
        "expiry-mismatch": wedge(ZT, "ZT00003", "ZT2611A", "290531"),
        "expired": wedge(CL, "CL00001", "CL2510", "261031"),
    }
    for verdict, text in cases.items():
        assert (await verify(client, admin, text))["verdict"] == verdict, text
    for status, verdict in ((UnitStatus.QUARANTINED, "quarantined"),
                            (UnitStatus.RECALLED, "recalled"),
                            (UnitStatus.DISPENSED, "already-dispensed"),
                            (UnitStatus.DECOMMISSIONED, "decommissioned"),
                            (UnitStatus.DESTROYED, "decommissioned")):
        await set_status(session, "ZT00004", status)
        body = await verify(client, admin, wedge(ZT, "ZT00004"))
        assert (body["verdict"], body["unit"]["status"]) == (verdict, str(status))
    await set_status(session, "ZT00004", UnitStatus.RECEIVED)
    unit_id = await session.scalar(select(Unit.id).where(Unit.serial == "ZT00004"))
    session.add(CustodyException(reason_code="UNEXPECTED_RECEIPT", detail="test", unit_id=unit_id))
    await session.commit()
    body = await verify(client, admin, wedge(ZT, "ZT00004"))
    assert body["verdict"] == "suspect"
    assert body["reasons"] == ["open custody exceptions: UNEXPECTED_RECEIPT"]


async def test_the_most_severe_verdict_wins_and_every_reason_is_listed(client, admin, session):
    await set_status(session, COR_VIALS[1].rsplit(".", 1)[1], UnitStatus.RECALLED)
    body = await verify(client, admin, wedge(CL, "CL00002", "WRONG", "261031"))
    assert body["verdict"] == "recalled"
    assert body["reasons"] == ["unit is recalled", "label lot 'WRONG', ledger lot 'CL2510'",
                               "expired on 2026-10-31"]


async def test_unreadable_quotes_the_input(client, admin):
    body = await verify(client, admin, "]d20100312345600113\x1d21X")
    assert body == {**body, "verdict": "unreadable", "identifier": None, "unit": None}
    assert body["reasons"] == ["']d20100312345600113\\x1d21X': AI (01) GTIN check digit at "
                               "position 19: expected 2, got 3"]


async def test_another_partners_unit_reveals_nothing_about_who_holds_it(client, admin, session):
    at_atlas = await verify(client, admin, wedge(ZT, "ZT00006"))  # Atlas holds it
    at_lyon = await verify(client, admin, wedge(ZT, "ZT00001"))  # dispensed in Lyon
    for body in (at_atlas, at_lyon):
        assert body["verdict"] == "not-in-custody"
        assert body["reasons"] == ["held by another trading partner, not in our custody"]
        assert body["unit"] is None
    text = str(at_atlas) + str(at_lyon)
    partners = (await session.scalars(select(TradingPartner))).all()
    for p in partners:
        assert p.legal_name not in text
    for leaked in (ATLAS.gln, ATLAS.sgln, "dispensed", "Lyon", "0360001"):
        assert leaked not in text


async def test_who_may_verify(client, admin, session):
    text = {"text": wedge(ZT, "ZT00003")}
    anonymous = await client.post("/scans/verify", json=text)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"].startswith("not signed in; sign in at /signin")
    partner_id = await session.scalar(select(TradingPartner.id).where(
        TradingPartner.legal_name == ATLAS.legal_name))
    for headers in (await make_key(session, partner_id, "admin", "query", "verify"),
                    await make_key(session, None, "regulator")):
        await session.commit()
        refused = await client.post("/scans/verify", json=text, headers=headers)
        assert refused.status_code == 403
        assert "only the operator's staff and admin keys may do this" in refused.json()["detail"]
    assert await session.scalar(select(func.count()).select_from(Scan).where(NOT_DEMO)) == 0


async def test_every_scan_is_stored_with_who_where_and_the_verdict(client, admin, session):
    await verify(client, admin, "garbage\x00text")
    await verify(client, admin, wedge(ZT, "ZT00003"), station=None)
    rows = (await session.execute(select(Scan.result, Scan.raw, Scan.station, Scan.operator,
                                         Scan.gtin, Scan.serial, Scan.unit_id, Scan.reasons)
                                  .where(NOT_DEMO).order_by(Scan.id))).all()
    prefix = admin["Authorization"].split("_")[1]
    assert [(r.result, r.station, r.operator) for r in rows] == [
        ("unreadable", STATION, f"key:{prefix}"), ("verified", None, f"key:{prefix}")]
    assert rows[0].raw == "garbage\\x00text" and rows[0].gtin is None
    assert (rows[1].gtin, rows[1].serial, rows[1].unit_id is not None) == (ZT, "ZT00003", True)


async def test_unknown_station_is_refused_and_stores_nothing(client, admin, session):
    response = await client.post("/scans/verify", headers=admin,
                                 json={"text": wedge(ZT, "ZT00003"), "station": "Dock 9"})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "station: expected a scan station's name (Receiving 1), got 'Dock 9'")
    assert await session.scalar(select(func.count()).select_from(Scan).where(NOT_DEMO)) == 0


async def test_an_image_is_decoded_and_verified(client, admin):
    png = datamatrix_png(ProductIdentifier(gtin=ZT, serial="ZT00003", lot="ZT2611A",
                                           expiry=date(2028, 5, 31)))
    body = (await client.post("/scans/verify", headers=admin, files={"image": ("a.png", png)},
                              data={"station": STATION})).json()
    assert (body["verdict"], body["identifier"]["serial"]) == ("verified", "ZT00003")
    junk = (await client.post("/scans/verify", headers=admin,
                              files={"image": ("a.png", b"not an image")})).json()
    assert junk["verdict"] == "unreadable"
    assert junk["reasons"][0].startswith("image (12 bytes): expected a PNG, JPEG or WebP image")


async def test_a_staff_session_verifies_with_its_csrf_token_only(client, demo, session):
    assert (await sign_in(client, STAFF_USER, demo["password"])).status_code == 303
    text = {"text": wedge(ZT, "ZT00003"), "station": STATION}
    forged = await client.post("/scans/verify", json=text, headers={"X-CSRF-Token": "forged"})
    missing = await client.post("/scans/verify", json=text)
    for response in (forged, missing):
        assert response.status_code == 403
        assert response.json()["detail"].startswith("missing or wrong X-CSRF-Token header")
    page = (await client.get("/scan")).text
    ok = await client.post("/scans/verify", json=text, headers={"X-CSRF-Token": csrf_of(page)})
    assert ok.json()["verdict"] == "verified" and ok.json()["scan"]["by"] == f"staff:{STAFF_USER}"


async def test_without_an_operator_the_answer_says_which_setting(session, database_url):
    with pytest.raises(ConfigurationError) as caught:
        await verify_text(session, None, wedge(ZT, "ZT00003"), None, Actor("test"))
    assert str(caught.value).startswith("CUSTODY_OPERATOR_GLN is not set")


async def test_a_unit_under_investigation_is_suspect_as_well_as_quarantined(client, admin):
    """The demo's torn-seal vial: quarantined by the operator's own event, and its open
    investigation makes it suspect too; the most severe verdict leads, every reason is listed."""
    body = await verify(client, admin, wedge(ZT, TORN_SEAL.rsplit(".", 1)[1]))
    assert (body["verdict"], body["reasons"]) == (
        "quarantined", ["unit is quarantined", "under an open suspect-product investigation"])


@pytest.mark.parametrize("station", ["Receiving\x001", "Receiving \ud800"])
async def test_a_station_name_no_station_can_have_is_a_422_not_a_500(client, admin, session, station):
    """The schema fuzzer sent a NUL in the station name, which PostgreSQL cannot compare."""
    refused = await client.post(
        "/scans/verify", headers={**admin, "Content-Type": "application/json"},
        content=json.dumps({"text": wedge(ZT, "ZT00003"), "station": station}))
    assert refused.status_code == 422, refused.text  # a lone surrogate: the JSON body itself
    if "\x00" in station:
        assert refused.json()["field"] == "station"
        assert refused.json()["detail"] == ("station: expected a scan station's name (Receiving 1), "
                                            "got 'Receiving\\x001'")
    assert await session.scalar(select(func.count()).select_from(Scan).where(NOT_DEMO)) == 0
