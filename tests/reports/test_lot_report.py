"""Lot reports: every unit of the lot now, units in transit, streamed in JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from app.demo import ATLAS, HARBOR, LYON, TORN_SEAL, VIALS, ZENTERVA
from app.reports import service
from tests.reports.conftest import ZT_LOT, rest_of_lot


async def test_every_unit_its_status_custodian_and_transit(client, session, world):
    answer = await client.get(f"/reports/lots/{ZENTERVA.gtin}/{ZT_LOT}",
                              headers=world.keys["regulator"])
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    report = body["report"]
    assert (report["kind"], report["gtin"], report["lot"]) == ("lot", ZENTERVA.gtin, ZT_LOT)
    assert report["checkpoint"]["tree_size"] == world.size and report["made_for"]["scopes"] == ["regulator"]
    units = {u["identifier"]: u for u in body["units"]}
    rest = await rest_of_lot(session)  # the demo's other vials of the lot (receiving, shipping)
    assert list(units) == [*VIALS, TORN_SEAL, *(r[0] for r in rest)]
    expected = {VIALS[0]: ("returned", LYON.gln, None), VIALS[1]: ("received", LYON.gln, None),
                VIALS[2]: ("recalled", HARBOR.gln, None), VIALS[3]: ("recalled", HARBOR.gln, None),
                VIALS[4]: ("shipped", ATLAS.gln, HARBOR.gln),
                VIALS[5]: ("received", ATLAS.gln, None), TORN_SEAL: ("recalled", HARBOR.gln, None)}
    assert {k: (u["status"], u["custodian"], u["in_transit_to"])
            for k, u in units.items() if k in expected} == expected
    shipped = sum(1 for r in rest if r[1] == "shipped")
    assert (body["count"], body["in_transit"]) == (7 + len(rest), 1 + shipped)
    refs = [units[k]["case_refs"] for k in (*VIALS, TORN_SEAL)]  # the delivered case: 2 vials
    assert refs[0] == refs[1] and len(refs[0]) == 1 and refs[0][0].startswith("CASE-")
    assert all(r == [] for r in refs[2:])


async def test_csv_streams_the_same_rows(client, session, world):
    answer = await client.get(f"/reports/lots/{ZENTERVA.gtin}/{ZT_LOT}", params={"format": "csv"},
                              headers=world.keys["regulator"])
    lines = answer.text.splitlines()
    assert lines[0] == f"# Covers: lot {ZT_LOT} of GTIN {ZENTERVA.gtin}"
    assert lines[3].startswith(f"# Checkpoint: custody.example/log tree size {world.size} root ")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[4:]))))
    rest = [r[0] for r in await rest_of_lot(session)]
    assert [r["identifier"] for r in rows] == [*VIALS, TORN_SEAL, *rest]
    assert rows[4]["in_transit_to"] == HARBOR.gln


async def test_pages_keep_memory_bounded(session, world):
    reader = service.operator_reader("cli:test")
    pages = [page async for page in service.lot_units(session, ZENTERVA.gtin, ZT_LOT, reader, page_size=3)]
    everything = [*VIALS, TORN_SEAL, *(r[0] for r in await rest_of_lot(session))]
    assert [len(p) for p in pages] == [3] * (len(everything) // 3) + (
        [len(everything) % 3] if len(everything) % 3 else [])
    assert [u["identifier"] for p in pages for u in p] == everything


async def test_case_refs_reach_the_operator_and_regulator_only(client, world, sessions):
    """Units linked to a named-patient case carry its opaque reference in the lot report, for
    the operator and regulators; a partner's ``report`` key, even of the partner holding them,
    sees no case reference at all."""
    from app.cases import service as cases
    from tests.cases.conftest import spec

    async with sessions.begin() as session:
        case = await cases.open_case(session, spec(), "test")
        await cases.authorize(session, case.ref, None, "test")
        await cases.link_shipment(session, case.ref, VIALS[2:3], "test", on=date(2026, 12, 1))
    url = f"/reports/lots/{ZENTERVA.gtin}/{ZT_LOT}"
    for who in ("regulator", "admin"):
        units = {u["identifier"]: u["case_refs"] for u in
                 (await client.get(url, headers=world.keys[who])).json()["units"]}
        assert units[VIALS[2]] == [case.ref] and units[VIALS[3]] == []
    for who in ("lyon", "harbor", "northwind", "stranger"):
        answer = await client.get(url, headers=world.keys[who])
        assert answer.status_code in (200, 404)
        assert case.ref not in answer.text and "CASE-" not in answer.text
    csv_text = (await client.get(url, params={"format": "csv"}, headers=world.keys["lyon"])).text
    assert "CASE-" not in csv_text
