"""Adverse events: recorded against a case and a unit or lot; the E2B(R3) product block for the
manufacturer carries the product, the supplier chain and the other cases of the lot, never the
patient."""

from __future__ import annotations

import json
from datetime import date

import pytest
from lxml import etree
from sqlalchemy import select, text

from app.adverse.e2b import from_xml
from app.demo import LYON, VIALS, ZENTERVA
from app.models import Case, PartnerGln, VaultAccess
from app.staff import service as staff
from app.vault import service as vault
from tests.partners.helpers import make_key
from tests.staff.helpers import PASSWORD, sign_in

PATIENT = "Zebulon Quixote-Marchetti"
LOT = "ZT2611A"


def report(**changes) -> dict:
    return {"reporter_name": "Dr. R. Porter", "reporter_role": "physician",
            "reported_on": "2026-12-05", "seriousness": "serious",
            "criteria": ["hospitalisation"], "description": "Rash and fever after second dose",
            "outcome": "recovering", "identifier": VIALS[0], **changes}


@pytest.fixture
async def world(demo, session, ring) -> dict:
    cases = {c.status.value: c for c in (await session.scalars(select(Case))).all()}
    delivered = cases["delivered"]
    await vault.put_patient(session, ring, delivered, vault.PatientData(
        PATIENT, date(1961, 3, 14), "Zenterva", "named patient"),
        vault.Reader("test", frozenset({"admin"})))
    lyon = await session.get(PartnerGln, LYON.gln)
    keys = {"admin": await make_key(session, None, "admin"),
            "partner": await make_key(session, lyon.partner_id, "report")}
    await session.commit()
    return {"cases": {k: c.ref for k, c in cases.items()}, "ref": delivered.ref, "keys": keys}


async def test_a_report_on_a_unit_and_its_e2b_product_block(client, world):
    h, ref = world["keys"]["admin"], world["ref"]
    made = await client.post(f"/cases/{ref.lower()}/adverse-events", json=report(), headers=h)
    assert made.status_code == 201, made.text
    event = made.json()
    assert event["case_ref"] == ref and event["lot"] == LOT and event["gtin"] == ZENTERVA.gtin
    got = await client.get(f"/adverse-events/{event['id']}", headers=h)
    assert got.json()["description"] == "Rash and fever after second dose"
    listed = await client.get(f"/cases/{ref}/adverse-events", headers=h)
    assert event["id"] in [e["id"] for e in listed.json()]

    block = (await client.get(f"/adverse-events/{event['id']}/e2b", headers=h)).json()
    elements = {(e["id"], e["code"]): e["value"] for e in block["elements"]}
    assert elements[("G.k.1", "1")] == "Suspect"
    assert elements[("custody.gtin", "GTIN")] == ZENTERVA.gtin
    assert elements[("custody.ndc", "NDC")] == ZENTERVA.ndc.replace("-", "")
    assert elements[("G.k.4.r.7", "")] == LOT
    assert elements[("custody.serial", "")] == "ZT00001"
    assert elements[("custody.expiry", "")] and elements[("E.i.3.2c", "")] == "true"
    assert elements[("E.i.7", "2")] == "recovering"
    assert ZENTERVA.name.split()[0] in elements[("G.k.2.2", "")]
    kinds = [hop["kind"] for hop in block["supplier_chain"]]
    assert kinds[0] == "commission" and len(kinds) >= 3
    assert all(hop["unit"] == VIALS[0] for hop in block["supplier_chain"])
    others = {world["cases"]["shipped"], world["cases"]["closed"]}
    assert set(block["other_cases"]) == others and ref not in block["other_cases"]
    assert block["case_ref"] == ref

    xml = await client.get(f"/adverse-events/{event['id']}/e2b", params={"format": "xml"},
                           headers=h)
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    etree.fromstring(xml.content)  # well-formed
    assert from_xml(xml.content) == block  # and the same data as the JSON
    for body in (xml.text, json.dumps(block)):  # nothing of the patient, nor the report's text
        assert PATIENT not in body and "Quixote" not in body and "1961-03-14" not in body
        assert "Rash and fever" not in body and "R. Porter" not in body


async def test_a_report_on_a_lot_chains_its_units(client, world):
    h = world["keys"]["admin"]
    made = await client.post(f"/cases/{world['ref']}/adverse-events", headers=h, json=report(
        identifier=None, gtin=ZENTERVA.gtin, lot=LOT, seriousness="non-serious", criteria=[],
        outcome="recovered"))
    assert made.status_code == 201, made.text
    block = (await client.get(f"/adverse-events/{made.json()['id']}/e2b", headers=h)).json()
    assert len({hop["unit"] for hop in block["supplier_chain"]}) > 2
    assert world["ref"] not in block["other_cases"] and len(block["other_cases"]) == 2


@pytest.mark.parametrize(("changes", "status", "field"), [
    ({"seriousness": "very"}, 422, "seriousness"),
    ({"criteria": []}, 422, "criteria"),
    ({"seriousness": "non-serious"}, 422, "criteria"),
    ({"criteria": ["sneezing"]}, 422, "criteria"),
    ({"outcome": "better"}, 422, "outcome"),
    ({"reported_on": "2999-01-01"}, 422, "reported_on"),
    ({"identifier": "urn:epc:id:sgtin:0312345.060011.NOPE"}, 404, "identifier"),
    ({"identifier": None, "gtin": ZENTERVA.gtin, "lot": "NOLOT"}, 404, "lot"),
    ({"identifier": None}, 422, "identifier"),
])
async def test_bad_reports_are_refused_naming_the_field(client, world, session, changes, status,
                                                        field):
    before = (await session.execute(text("SELECT count(*) FROM adverse_events"))).scalar()
    answer = await client.post(f"/cases/{world['ref']}/adverse-events", json=report(**changes),
                               headers=world["keys"]["admin"])
    assert answer.status_code == status, answer.text
    assert answer.json().get("field") == field or field in answer.text
    assert (await session.execute(text("SELECT count(*) FROM adverse_events"))).scalar() == before


async def test_unknown_cases_and_reports_are_404_named(client, world):
    h = world["keys"]["admin"]
    answer = await client.post("/cases/CASE-0000-0000-0000/adverse-events", json=report(), headers=h)
    assert answer.status_code == 404 and answer.json()["field"] == "case_ref"
    for path in ("/adverse-events/999999", "/adverse-events/999999/e2b"):
        answer = await client.get(path, headers=h)
        assert answer.status_code == 404 and answer.json()["field"] == "adverse_event_id"


async def test_partner_keys_and_staff_without_the_role_are_refused(client, world, session):
    h = world["keys"]["admin"]
    made = (await client.post(f"/cases/{world['ref']}/adverse-events", json=report(),
                              headers=h)).json()
    partner = world["keys"]["partner"]
    for path in (f"/adverse-events/{made['id']}", f"/adverse-events/{made['id']}/e2b"):
        assert (await client.get(path, headers=partner)).status_code == 403
    refused = await client.post(f"/cases/{world['ref']}/adverse-events", json=report(),
                                headers=partner)
    assert refused.status_code == 403
    await staff.add_staff(session, "picker1", "P. Icker", ["picker"], PASSWORD, "test")
    await staff.add_staff(session, "qa1", "Q. Ality", ["qa"], PASSWORD, "test")
    await session.commit()
    await sign_in(client, "picker1", PASSWORD)
    assert (await client.get(f"/adverse-events/{made['id']}")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "qa1", PASSWORD)
    assert (await client.get(f"/adverse-events/{made['id']}/e2b")).status_code == 200


async def test_reports_are_append_only(session, world, client):
    made = (await client.post(f"/cases/{world['ref']}/adverse-events", json=report(),
                              headers=world["keys"]["admin"])).json()
    with pytest.raises(Exception, match="append-only"):
        await session.execute(text(f"UPDATE adverse_events SET outcome = 'fatal' WHERE id = {made['id']}"))
    await session.rollback()


async def test_the_case_page_lists_reports_with_their_e2b_links(client, world, session):
    await staff.add_staff(session, "pharm2", "P. Harm", ["pharmacist"], PASSWORD, "test")
    await staff.add_staff(session, "qa2", "Q. Ality", ["qa"], PASSWORD, "test")
    await session.commit()
    made = (await client.post(f"/cases/{world['ref']}/adverse-events", json=report(),
                              headers=world["keys"]["admin"])).json()
    await sign_in(client, "pharm2", PASSWORD)
    page = await client.get(f"/staff/cases/{world['ref']}")
    assert page.status_code == 200
    assert f'href="/adverse-events/{made["id"]}/e2b?format=xml"' in page.text
    assert PATIENT not in page.text
    client.cookies.clear()  # QA reads reports by the API; the case pages need ``cases``
    await sign_in(client, "qa2", PASSWORD)
    page = await client.get(f"/staff/cases/{world['ref']}")
    assert page.status_code == 403 and "/e2b" not in page.text


async def _accesses(session, ref: str) -> list[tuple[str, str, dict]]:
    case = await session.scalar(select(Case).where(Case.ref == ref))
    rows = await session.scalars(select(VaultAccess).where(VaultAccess.case_id == case.id)
                                 .order_by(VaultAccess.id))
    return [(a.actor, a.action, a.detail) for a in rows if a.action.startswith("adverse")]


async def test_each_read_is_in_the_vault_access_log_and_the_subject_access_export(
        client, world, session):
    h, ref = world["keys"]["admin"], world["ref"]
    made = (await client.post(f"/cases/{ref}/adverse-events", json=report(), headers=h)).json()
    assert await _accesses(session, ref) == []  # recording is not a read
    for path, params in ((f"/adverse-events/{made['id']}", {}), (f"/cases/{ref}/adverse-events", {}),
                         (f"/adverse-events/{made['id']}/e2b", {"format": "json"}),
                         (f"/adverse-events/{made['id']}/e2b", {"format": "xml"})):
        assert (await client.get(path, params=params, headers=h)).status_code == 200, path
    logged = await _accesses(session, ref)
    assert [action for _, action, _ in logged] == [
        "adverse-read", "adverse-list", "adverse-e2b", "adverse-e2b"]
    [actor] = {actor for actor, _, _ in logged}
    assert actor.startswith("key:")  # the operator key that read
    assert logged[0][2] == {"adverse_event": made["id"]} and logged[1][2]["reports"] >= 1
    exported = (await client.get(f"/cases/{ref}/export", headers=h)).json()
    assert [a["action"] for a in exported["access_log"]].count("adverse-e2b") == 2
    assert "Rash and fever" not in json.dumps(exported["access_log"])  # who and when, no content


async def test_a_refused_read_is_not_an_audited_read(client, world, session):
    h, ref = world["keys"]["admin"], world["ref"]
    made = (await client.post(f"/cases/{ref}/adverse-events", json=report(), headers=h)).json()
    await staff.add_staff(session, "picker3", "P. Icker", ["picker"], PASSWORD, "test")
    await session.commit()
    before = (await session.execute(text("SELECT count(*) FROM vault_access"))).scalar()
    paths = (f"/adverse-events/{made['id']}", f"/cases/{ref}/adverse-events",
             f"/adverse-events/{made['id']}/e2b", f"/adverse-events/{made['id']}/e2b?format=xml")
    for path in paths:
        refused = await client.get(path, headers=world["keys"]["partner"])
        assert refused.status_code == 403 and "Rash" not in refused.text, path
    await sign_in(client, "picker3", PASSWORD)
    for path in paths:
        refused = await client.get(path)
        assert refused.status_code == 403 and "pharmacist or qa or admin" in refused.text, path
    client.cookies.clear()
    for path in ("/adverse-events/999999", "/adverse-events/999999/e2b",
                 "/cases/CASE-0000-0000-0000/adverse-events"):
        assert (await client.get(path, headers=h)).status_code == 404  # nothing was read
    assert (await session.execute(text("SELECT count(*) FROM vault_access"))).scalar() == before
