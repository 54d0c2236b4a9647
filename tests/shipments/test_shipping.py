"""Pick, pack and ship through HTTP: cases with SSCCs, scans verified first, aggregation and
shipping events through the ledger, and the outbound documents that match it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.models import SsccAllocation, Unit
from epcis.hashing import event_hash
from epcis.read import read_document
from gs1.identifiers import validate_sscc
from tests.epcis.test_write import assert_valid
from tests.shipments.helpers import new_shipment, packed_case, scan_text


async def test_pack_close_ship_and_the_outbound_documents_match_the_ledger(client, stocked, session):
    h, vials = stocked["headers"], stocked["vials"]
    shipment = await new_shipment(client, h, carrier="Cryoport")
    assert shipment["status"] == "open" and shipment["ship_to"]["gln"] == "3760003000007"
    sid = shipment["id"]
    first = await packed_case(client, h, sid, vials[:3])
    second = await packed_case(client, h, sid, vials[3:5])
    assert validate_sscc(first["sscc"]) and first["sscc"].startswith("00370002")
    assert int(second["sscc"][8:17]) == int(first["sscc"][8:17]) + 1  # the next serial

    view = (await client.get(f"/shipments/{sid}", headers=h)).json()
    assert [c["count"] for c in view["cases"]] == [3, 2]
    for case in (first, second):
        closed = await client.post(f"/shipments/{sid}/cases/{case['id']}/close", headers=h)
        assert closed.status_code == 200, closed.text
    assert (await client.get(f"/shipments/{sid}", headers=h)).json()["status"] == "packed"

    shipped = await client.post(f"/shipments/{sid}/ship", headers=h)
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    units = (await session.scalars(select(Unit).where(Unit.identifier.in_(vials[:5])))).all()
    assert {(u.status, u.destination_id is not None) for u in units} == {("shipped", True)}

    ledger = {row for row in (await session.execute(select(SsccAllocation.sscc))).scalars()}
    assert {first["sscc"], second["sscc"]} <= ledger
    hashes = []
    for fmt in ("1.2-xml", "2.0-jsonld"):
        got = await client.get(f"/shipments/{sid}/epcis", params={"format": fmt}, headers=h)
        assert got.status_code == 200, got.text
        assert_valid(got.content, fmt)
        doc = read_document(got.content)
        hashes.append([event_hash(e) for e in doc.events])
    assert hashes[0] == hashes[1]
    from app.models import EpcisEvent
    stored = set((await session.scalars(select(EpcisEvent.event_hash))).all())
    assert set(hashes[0]) <= stored
    kinds = [e.biz_step.rsplit(":", 1)[1] for e in doc.events]
    assert kinds[-3:] == ["packing", "packing", "shipping"] and "commissioning" in kinds
    assert shipped.json()["ship_event_hash"] == hashes[0][-1]
    ship_event = doc.events[-1]
    assert {b.type.rsplit(":", 1)[1] for b in ship_event.biz_transactions} == {"po", "desadv"}
    assert json.loads(got.content)["epcisHeader"]["epcisMasterData"]


async def test_a_reopened_case_records_a_delete_and_closes_again(client, stocked):
    h, vials = stocked["headers"], stocked["vials"]
    sid = (await new_shipment(client, h))["id"]
    case = await packed_case(client, h, sid, vials[:2])
    url = f"/shipments/{sid}/cases/{case['id']}"
    assert (await client.post(f"{url}/close", headers=h)).status_code == 200
    reopened = await client.post(f"{url}/reopen", headers=h)
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    more = await client.post(f"{url}/scans", json={"text": scan_text(vials[2])}, headers=h)
    assert more.json()["count"] == 3
    assert (await client.post(f"{url}/close", headers=h)).json()["count"] == 3
    assert (await client.post(f"/shipments/{sid}/ship", headers=h)).status_code == 200
    got = await client.get(f"/shipments/{sid}/epcis", params={"format": "2.0-jsonld"}, headers=h)
    steps = [(e.biz_step.rsplit(":", 1)[1], e.action) for e in read_document(got.content).events]
    assert steps[-4:] == [("packing", "ADD"), ("unpacking", "DELETE"), ("packing", "ADD"),
                          ("shipping", "OBSERVE")]
    late = await client.post(f"{url}/reopen", headers=h)
    assert late.status_code == 409 and "shipped" in late.json()["detail"]


@pytest.mark.parametrize("which, verdict", [
    (0, "not-in-custody"),  # ZT00006 is still at Atlas
    (1, "quarantined"),  # the torn-seal vial
])
async def test_units_not_verified_are_refused_with_their_verdict(client, stocked, which, verdict):
    from app.demo import TORN_SEAL, VIALS

    h = stocked["headers"]
    sid = (await new_shipment(client, h))["id"]
    case = (await client.post(f"/shipments/{sid}/cases", headers=h)).json()
    unit = (VIALS[5], TORN_SEAL)[which]
    serial = unit.rsplit(".", 1)[1]
    refused = await client.post(f"/shipments/{sid}/cases/{case['id']}/scans",
                                json={"text": f"(01)00312345600112(21){serial}"}, headers=h)
    assert refused.status_code == 409, refused.text
    assert refused.json()["verdict"] == verdict
    assert verdict in refused.json()["detail"]


async def test_a_recalled_unit_is_refused(client, stocked, session, settings):
    from app.operator.service import RECALL, operator, record_hold

    h, vials = stocked["headers"], stocked["vials"]
    await record_hold(session, await operator(session, settings.operator_gln), [vials[0]], RECALL)
    await session.commit()
    sid = (await new_shipment(client, h))["id"]
    case = (await client.post(f"/shipments/{sid}/cases", headers=h)).json()
    refused = await client.post(f"/shipments/{sid}/cases/{case['id']}/scans",
                                json={"text": scan_text(vials[0])}, headers=h)
    assert refused.status_code == 409 and refused.json()["verdict"] == "recalled"


async def test_the_same_unit_in_two_cases_is_refused(client, stocked):
    h, vials = stocked["headers"], stocked["vials"]
    sid = (await new_shipment(client, h))["id"]
    await packed_case(client, h, sid, vials[:1])
    other = (await new_shipment(client, h))["id"]
    case = (await client.post(f"/shipments/{other}/cases", headers=h)).json()
    for target, shipment in ((case["id"], other),):
        again = await client.post(f"/shipments/{shipment}/cases/{target}/scans",
                                  json={"text": scan_text(vials[0])}, headers=h)
        assert again.status_code == 409 and again.json()["verdict"] == "duplicate"
        assert f"shipment {sid}" in again.json()["detail"]
    first_case = (await client.get(f"/shipments/{sid}", headers=h)).json()["cases"][0]
    same = await client.post(f"/shipments/{sid}/cases/{first_case['id']}/scans",
                             json={"text": scan_text(vials[0])}, headers=h)
    assert same.status_code == 409 and "this case" in same.json()["detail"]


async def test_packing_after_ship_is_refused(client, stocked):
    h, vials = stocked["headers"], stocked["vials"]
    sid = (await new_shipment(client, h))["id"]
    case = await packed_case(client, h, sid, vials[:1])
    await client.post(f"/shipments/{sid}/cases/{case['id']}/close", headers=h)
    assert (await client.post(f"/shipments/{sid}/ship", headers=h)).status_code == 200
    late = await client.post(f"/shipments/{sid}/cases/{case['id']}/scans",
                             json={"text": scan_text(vials[1])}, headers=h)
    assert late.status_code == 409 and late.json()["detail"] == (
        f"shipment {sid} is shipped: expected open or packed")
    assert (await client.post(f"/shipments/{sid}/cases", headers=h)).status_code == 409


async def test_shipping_to_an_unauthorized_or_unlicensed_partner_is_refused(client, stocked, session):
    from app.demo import LYON
    from app.models import Licence, PartnerGln, TradingPartner

    h, vials = stocked["headers"], stocked["vials"]
    sid = (await new_shipment(client, h))["id"]
    case = await packed_case(client, h, sid, vials[:1])
    await client.post(f"/shipments/{sid}/cases/{case['id']}/close", headers=h)
    lyon = (await session.get(PartnerGln, LYON.gln)).partner_id
    (await session.get(TradingPartner, lyon)).authorized = False
    await session.commit()
    refused = await client.post(f"/shipments/{sid}/ship", headers=h)
    assert refused.status_code == 409
    assert "authorization withdrawn by the operator" in refused.json()["detail"]
    assert (await client.get(f"/shipments/{sid}", headers=h)).json()["status"] == "packed"

    from datetime import date
    (await session.get(TradingPartner, lyon)).authorized = True
    for licence in (await session.scalars(select(Licence).where(Licence.partner_id == lyon))):
        licence.valid_to = date(2025, 1, 1)
    await session.commit()
    refused = await client.post("/shipments", json={"ship_to_gln": LYON.gln}, headers=h)
    assert refused.status_code == 409 and "no licence valid on" in refused.json()["detail"]


@pytest.mark.parametrize("body, field", [
    ({"ship_to_gln": "3760003000001"}, "ship_to_gln"),  # bad check digit
    ({"ship_to_gln": "0000000000000"}, "ship_to_gln"),  # names nobody
    ({"ship_to_gln": "3760003000007", "ship_to_site": "urn:epc:id:sgln:0370002.00000.0"},
     "ship_to_site"),  # the operator's own site
    ({"ship_to_gln": "3760003000007", "case_ref": "x\x00y"}, "case_ref"),
    ({"ship_to_gln": "3760003000007", "order_number": "has space"}, "order_number"),
])
async def test_bad_shipments_are_422_naming_the_field(client, stocked, body, field):
    got = await client.post("/shipments", json=body, headers=stocked["headers"])
    assert got.status_code == 422, got.text
    assert field in json.dumps(got.json())


async def test_partner_keys_cannot_ship(client, stocked, session):
    from app.demo import LYON
    from app.models import PartnerGln
    from tests.partners.helpers import make_key

    lyon = (await session.get(PartnerGln, LYON.gln)).partner_id
    partner = await make_key(session, lyon, "capture", "query")
    await session.commit()
    got = await client.post("/shipments", json={"ship_to_gln": "3760003000007"}, headers=partner)
    assert got.status_code == 403


async def test_cancel_unpacks_closed_cases_and_frees_their_units(client, stocked, session):
    h, vials = stocked["headers"], stocked["vials"]
    sid = (await new_shipment(client, h))["id"]
    case = await packed_case(client, h, sid, vials[:2])
    await client.post(f"/shipments/{sid}/cases/{case['id']}/close", headers=h)
    cancelled = await client.post(f"/shipments/{sid}/cancel", headers=h)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    units = (await session.scalars(select(Unit).where(Unit.identifier.in_(vials[:2])))).all()
    assert {(u.parent_id, u.status) for u in units} == {(None, "commissioned")}  # unpacked
    other = (await new_shipment(client, h))["id"]
    again = await packed_case(client, h, other, vials[:2])  # free to pack elsewhere
    assert again["sscc"] != case["sscc"]  # a cancelled case's SSCC is never handed out again
    assert (await client.post(f"/shipments/{sid}/ship", headers=h)).status_code == 409


async def test_a_mis_scan_comes_out_of_an_open_case_only(client, stocked):
    h, vials = stocked["headers"], stocked["vials"]
    sid = (await new_shipment(client, h))["id"]
    case = await packed_case(client, h, sid, vials[:2])
    url = f"/shipments/{sid}/cases/{case['id']}"
    removed = await client.delete(f"{url}/units/{vials[1]}", headers=h)
    assert removed.status_code == 200 and removed.json() == {"count": 1}
    missing = await client.delete(f"{url}/units/{vials[1]}", headers=h)
    assert missing.status_code == 404 and vials[1] in missing.json()["detail"]
    await client.post(f"{url}/close", headers=h)
    closed = await client.delete(f"{url}/units/{vials[0]}", headers=h)
    assert closed.status_code == 409 and "reopen it" in closed.json()["detail"]
    empty = (await client.post(f"/shipments/{sid}/cases", headers=h)).json()
    refused = await client.post(f"/shipments/{sid}/cases/{empty['id']}/close", headers=h)
    assert refused.status_code == 409 and "empty" in refused.json()["detail"]
