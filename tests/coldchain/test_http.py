"""The cold chain through HTTP on both databases: sensor reports captured, logger uploads,
assessment against the product's range, an excursion's investigation opened once and cleared."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.coldchain.service import MAX_UPLOAD_BYTES
from app.ingest.worker import run_once
from app.models import Unit
from epcis.read import read_document
from tests.corpus import corpus_path
from tests.ingest.chain import document, observe, sgtin
from tests.investigations.stock import CASE, IN_CASE, capture, stock

SENSOR_DOC = corpus_path("epcis", "gs1-EPCIS", "epcis-2.0-jsonld", "WithSensorData",
                         "SensorDataExample1.jsonld")


def logger(*celsius: float, minutes: int = 10) -> str:
    """A logger CSV, one reading every ``minutes`` from 2026-12-01 08:00 UTC."""
    rows = [f"2026-12-01T{8 + (i * minutes) // 60:02d}:{(i * minutes) % 60:02d}:00Z,{c}"
            for i, c in enumerate(celsius)]
    return "time,temperature\n" + "\n".join(rows) + "\n"


def path(identifier: str) -> str:
    return f"/coldchain/units/{quote(identifier, safe=':')}"


async def zenterva_2_to_8(client, headers) -> str:
    gtin = (await client.get("/products", headers=headers)).json()[0]["gtin"]
    patched = await client.patch(f"/products/{gtin}", headers=headers, json={
        "storage_low_c": 2, "storage_high_c": 8, "excursion_budget_minutes": 30})
    assert patched.status_code == 200, patched.text
    assert patched.json()["excursion_budget_minutes"] == 30
    return gtin


async def upload(client, headers, epc: str, body: str, **kw):
    return await client.post("/coldchain/uploads", params={"epc": epc}, content=body,
                             headers=headers | {"Content-Type": "text/csv"}, **kw)


async def test_sensor_reports_of_a_captured_event_are_stored_on_its_epcs(client, session,
                                                                         sessions):
    s = await stock(client, session, sessions)
    sensors = read_document(SENSOR_DOC).events[0].sensor_elements
    before = (await client.get(path(IN_CASE[0]), headers=s.staff)).json()
    assert before["verdict"] == "no-range" and before["readings"] == 0
    logged = replace(observe([CASE], "sensor_reporting", minutes=9), sensor_elements=sensors)
    forged = replace(logged, event_time=logged.event_time.replace(second=1))
    hostile = await client.post("/capture", content=document(forged), headers=s.partners["mfg"][1])
    assert hostile.status_code == 202
    await run_once(sessions)  # the manufacturer does not hold the case: nothing is stored
    assert (await client.get(path(IN_CASE[0]), headers=s.staff)).json()["readings"] == 0
    await capture(client, sessions, s.partners["pharmacy"][1], logged)
    got = (await client.get(path(IN_CASE[0]), headers=s.staff)).json()
    assert got["readings"] > 0 and got["sources"][0].startswith("event:"), got
    assert got["verdict"] == "no-range" and got["investigation"] is None


async def test_an_excursion_beyond_budget_opens_one_investigation_and_qa_clears_it(
        client, session, sessions):
    s = await stock(client, session, sessions)
    await zenterva_2_to_8(client, s.staff)
    posted = await upload(client, s.staff, CASE, logger(5, 5, 12, 12, 12, 12, 5, 5))
    assert posted.status_code == 201, posted.text
    got = posted.json()
    assert got["verdict"] == "excursion" and got["minutes_outside"] == 40, got
    assert got["budget_minutes"] == 30 and len(got["excursions"]) == 1
    investigation = got["investigation"]
    assert investigation is not None
    for unit in IN_CASE:
        assert (await client.get(f"/units/{unit}", headers=s.partners["pharmacy"][1])).json()["status"] == \
            "quarantined"
    again = (await client.get(path(IN_CASE[1]), headers=s.staff)).json()
    assert again["verdict"] == "excursion" and again["investigation"] == investigation
    digits = await session.scalar(select(Unit.sscc).where(Unit.identifier == CASE))
    by_sscc = (await client.get(f"/coldchain/sscc/{digits}", headers=s.staff)).json()
    assert by_sscc["unit"] == CASE and by_sscc["investigation"] == investigation
    assert (await client.get("/coldchain/sscc/12345", headers=s.staff)).status_code == 422
    same = await upload(client, s.staff, CASE, logger(5, 5, 12, 12, 12, 12, 5, 5))
    assert same.json()["investigation"] == investigation and same.json()["readings"] == 8
    opened = (await client.get("/investigations", headers=s.staff)).json()
    assert [i["trigger"] for i in opened] == ["cold-chain"]
    cleared = await client.post(f"/investigations/{investigation}/clear", headers=s.staff,
                                json={"text": "QA: stability data covers 40 min at 12 °C"})
    assert cleared.status_code == 200, cleared.text
    for unit in IN_CASE:
        assert (await client.get(f"/units/{unit}", headers=s.partners["pharmacy"][1])).json()["status"] == "received"


async def test_within_budget_opens_nothing_and_the_chart_is_svg(client, session, sessions):
    s = await stock(client, session, sessions)
    await zenterva_2_to_8(client, s.staff)
    posted = await upload(client, s.staff, sgtin(3), logger(5, 9, 9, 5, 5))
    got = posted.json()
    assert got["verdict"] == "excursion-within-budget" and got["minutes_outside"] == 20, got
    assert got["investigation"] is None and got["mkt_c"] is not None
    assert (await client.get("/investigations", headers=s.staff)).json() == []
    chart = await client.get(got["chart"], headers=s.staff)
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg")
    assert chart.text.startswith("<svg") and "E1" in chart.text


async def test_bad_files_are_refused_naming_the_line_and_nothing_is_stored(client, session,
                                                                          sessions):
    s = await stock(client, session, sessions)
    bad = await upload(client, s.staff, sgtin(3), logger(5, 5) + "2026-12-01T09:00:00Z,warm\n")
    assert bad.status_code == 422, bad.text
    assert bad.json()["field"] == "line 4.value" and "line 4" in bad.json()["detail"]
    big = await upload(client, s.staff, sgtin(3), "x" * (MAX_UPLOAD_BYTES + 1))
    assert big.status_code == 413
    assert (await client.get(path(sgtin(3)), headers=s.staff)).json()["readings"] == 0


@pytest.mark.parametrize("who", ["mfg", "wholesaler"])
async def test_a_partner_uploads_only_for_what_it_holds(client, session, sessions, who):
    s = await stock(client, session, sessions)
    other = await upload(client, s.partners[who][1], CASE, logger(5, 5))
    assert other.status_code == 404, other.text
    assert "in your custody" in other.json()["detail"]
    read = await client.get(path(CASE), headers=s.partners[who][1])
    assert read.status_code == 404
    if who == "wholesaler":  # it holds unit 5
        own = await upload(client, s.partners[who][1], sgtin(5), logger(5, 5))
        assert own.status_code == 201 and own.json()["readings"] == 2


async def test_a_multipart_json_file_and_the_storage_range_rules(client, session, sessions):
    s = await stock(client, session, sessions)
    gtin = await zenterva_2_to_8(client, s.staff)
    shown = (await client.get(f"/products/{gtin}", headers=s.partners["mfg"][1])).json()
    assert (shown["storage_low_c"], shown["storage_high_c"]) == (2, 8)
    backwards = await client.patch(f"/products/{gtin}", headers=s.staff, json={
        "storage_low_c": 8, "storage_high_c": 2})
    assert backwards.status_code == 422 and backwards.json()["field"] == "storage_high_c"
    partner = await client.patch(f"/products/{gtin}", headers=s.partners["mfg"][1], json={
        "storage_low_c": -90, "storage_high_c": 90})
    assert partner.status_code == 403
    body = ('[{"time": "2026-12-01T08:00:00Z", "value": 41, "uom": "FAH"},'
            ' {"time": "2026-12-01T08:10:00Z", "value": 5.5}]')
    posted = await client.post("/coldchain/uploads", params={"epc": sgtin(3)}, headers=s.staff,
                               files={"file": ("logger.json", body, "application/json")})
    assert posted.status_code == 201, posted.text
    assert posted.json()["verdict"] == "ok" and posted.json()["lowest_c"] == 5
    nameless = await client.post("/coldchain/uploads", params={"epc": sgtin(3)},
                                 headers=s.staff, files={"other": ("x.csv", "a", "text/csv")})
    assert nameless.status_code == 422 and nameless.json()["field"] == "file"
