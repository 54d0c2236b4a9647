"""Shipments for named-patient cases: linked to the case when they ship, within its authorization,
tied to it in the ledger by the vault's salted commitment only (the app has a vault key)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.cases import service as cases
from app.demo import CORLUMAB
from app.models import Case, CaseLink, EpcisEvent, Shipment, Unit
from app.staff import service as staff
from app.vault import service as vault
from app.vault.crypto import Keyring
from tests.cases.conftest import KEY, settings, spec  # noqa: F401  (fixture: the app has KEY)
from tests.shipments.helpers import new_shipment, packed_case
from tests.staff.helpers import PASSWORD, csrf_of, sign_in

pytestmark = pytest.mark.usefixtures("stocked")


async def open_case(sessions, authorize: bool = True, **changes) -> str:
    async with sessions.begin() as session:
        case = await cases.open_case(session, spec(**changes), "test")
        if authorize:
            await cases.authorize(session, case.ref, None, "test")
        return case.ref


async def packed(client, stocked, case_ref: str, count: int) -> int:
    h = stocked["headers"]
    sid = (await new_shipment(client, h, case_ref=case_ref.lower()))["id"]
    box = await packed_case(client, h, sid, stocked["vials"][:count])
    closed = await client.post(f"/shipments/{sid}/cases/{box['id']}/close", headers=h)
    assert closed.status_code == 200, closed.text
    return sid


async def test_shipping_links_the_units_and_the_case_becomes_shipped(client, stocked, sessions):
    ref = await open_case(sessions)
    sid = await packed(client, stocked, ref, 2)
    h = stocked["headers"]
    assert (await client.get(f"/shipments/{sid}", headers=h)).json()["case_ref"] == ref
    shipped = await client.post(f"/shipments/{sid}/ship", headers=h)
    assert shipped.status_code == 200, shipped.text
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.ref == ref))
        assert case.status == "shipped"
        [link] = (await session.scalars(select(CaseLink).where(CaseLink.case_id == case.id))).all()
        assert sorted(link.identifiers) == sorted(stocked["vials"][:2]) and link.quantity == 2
    for fmt in ("1.2-xml", "2.0-jsonld"):
        doc = await client.get(f"/shipments/{sid}/epcis", params={"format": fmt}, headers=h)
        assert doc.status_code == 200 and ref not in doc.text  # the reference stays home
        assert "caseCommitment" not in doc.text  # no patient details sealed: nothing to commit to


PATIENT, BORN = "Ottoline Prewitt-Vasquez", date(1958, 2, 3)


async def sealed_case(sessions) -> tuple[str, str]:
    """An authorized case with the patient's details in the vault: its ref and commitment."""
    ring, ref = Keyring((KEY,)), await open_case(sessions)
    async with sessions.begin() as session:
        case = await cases.get(session, ref)
        await vault.put_patient(session, ring, case, vault.PatientData(PATIENT, BORN),
                                vault.Reader("test", frozenset({"admin"})))
        expected = await vault.commitment(session, ring, case)
    assert expected and len(expected) == 64
    return ref, expected


async def link_of(sessions, ref: str) -> CaseLink:
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.ref == ref))
        [link] = (await session.scalars(select(CaseLink).where(CaseLink.case_id == case.id))).all()
        return link


async def test_shipping_ties_the_case_by_its_commitment_never_its_reference_or_patient(
        client, stocked, sessions):
    ref, expected = await sealed_case(sessions)
    sid = await packed(client, stocked, ref, 2)
    h = stocked["headers"]
    shipped = await client.post(f"/shipments/{sid}/ship", headers=h)
    assert shipped.status_code == 200, shipped.text
    assert (await link_of(sessions, ref)).commitment == expected
    async with sessions() as session:
        shipment = await session.get(Shipment, sid)
        body = await session.scalar(select(EpcisEvent.body).where(
            EpcisEvent.event_hash == shipment.ship_event_hash))
    text = str(body)
    assert expected in text and "caseCommitment" in text  # the ledger's shipping event
    docs = [(await client.get(f"/shipments/{sid}/epcis", params={"format": fmt}, headers=h)).text
            for fmt in ("1.2-xml", "2.0-jsonld")]
    for shown in (text, *docs):
        assert expected in shown and ref not in shown
        assert not any(p in shown for p in ("Ottoline", "Prewitt", "Vasquez", BORN.isoformat()))


@pytest.mark.parametrize(("changes", "authorize", "count", "rule"), [
    ({}, False, 1, "case-not-authorized"),
    ({"drug": CORLUMAB.ndc}, True, 1, "wrong-drug"),
    ({}, True, 3, "quantity-above-authorized-remaining"),
    ({"authorization": cases.Authorization("AAC-OLD", date(2026, 1, 1), date(2026, 6, 30))},
     True, 1, "authorization-expired"),
])
async def test_shipping_outside_the_authorization_is_refused_naming_the_rule(
        client, stocked, sessions, changes, authorize, count, rule):
    ref = await open_case(sessions, authorize, **changes)
    sid = await packed(client, stocked, ref, count)
    h = stocked["headers"]
    refused = await client.post(f"/shipments/{sid}/ship", headers=h)
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == rule and ref in refused.json()["detail"]
    assert (await client.get(f"/shipments/{sid}", headers=h)).json()["status"] == "packed"
    async with sessions() as session:  # nothing half-written: no link, units not shipped
        units = (await session.scalars(
            select(Unit.status).where(Unit.identifier.in_(stocked["vials"][:count])))).all()
        assert "shipped" not in units
        case = await session.scalar(select(Case).where(Case.ref == ref))
        assert case.status != "shipped"
        assert not (await session.scalars(select(CaseLink).where(CaseLink.case_id == case.id))).all()


async def test_an_unknown_case_reference_is_refused_at_create(client, stocked):
    made = await client.post("/shipments", json={"ship_to_gln": "3760003000007",
                                                 "case_ref": "CASE-NONE-0000-0000"},
                             headers=stocked["headers"])
    assert made.status_code == 404 and made.json()["field"] == "case_ref", made.text


async def test_the_staff_page_ships_with_the_commitment_too(client, stocked, sessions, session):
    ref, expected = await sealed_case(sessions)
    sid = await packed(client, stocked, ref, 2)
    await staff.add_staff(session, "shipper", "S. Hipper", ["picker"], PASSWORD, "test")
    await session.commit()
    await sign_in(client, "shipper", PASSWORD)
    page = await client.get(f"/shipping/{sid}")
    done = await client.post(f"/shipping/{sid}/ship", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303, done.text
    assert (await link_of(sessions, ref)).commitment == expected
