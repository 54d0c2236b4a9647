"""The whole flow over HTTP: open, authorize, seal patient data, link units, confirm receipt by a
one-off link (no account), follow up; and the link's hostile uses."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth import service as auth
from app.delivery.service import LinkUnusable, open_link
from app.demo import LYON, ZENTERVA
from app.models import CaseStatus, EpcisEvent, Unit, UnitStatus
from app.models.base import utcnow

IN_TRANSIT = [ZENTERVA.sgtin("ZT00013"), ZENTERVA.sgtin("ZT00014")]


async def admin_headers(session) -> dict[str, str]:
    _, key = await auth.issue(session, None, ["admin"], "cases-test", actor="test")
    await session.commit()
    return {"Authorization": f"Bearer {key}"}


async def shipped_case(client, headers) -> str:
    today = date.today()
    made = await client.post("/cases", headers=headers, json={
        "country": "FR", "prescriber_name": "Dr. B. Test", "prescriber_licence": "RPPS-2",
        "prescriber_country": "FR", "receiver_gln": LYON.gln, "drug": ZENTERVA.ndc, "quantity": 2,
        "authorization": {"authorization_ref": "AAC-9",
                          "authorization_issued": str(today - timedelta(days=1)),
                          "authorization_expires": str(today + timedelta(days=30))}})
    assert made.status_code == 201, made.text
    ref = made.json()["ref"]
    assert (await client.post(f"/cases/{ref}/authorize", headers=headers)).status_code == 200
    put = await client.put(f"/cases/{ref}/patient", headers=headers, json={
        "name": "Bea Fictional", "date_of_birth": "1990-05-06"})
    assert put.status_code == 204, put.text
    linked = await client.post(f"/cases/{ref}/links", headers=headers,
                               json={"identifiers": IN_TRANSIT})
    assert linked.status_code == 201, linked.text
    assert len(linked.json()["commitment"]) == 64
    return ref


CONFIRMATION = {"confirmer_name": "Dr. C. Receiver", "confirmer_role": "hospital pharmacist",
                "institution": "Pharmacie des Hospices de Lyon", "condition": "intact",
                "storage_ok": True}


async def test_a_receiver_confirms_once_and_the_ledger_records_the_receipt(client, demo, session,
                                                                          caplog):
    logging.getLogger("httpx").setLevel("WARNING")  # the test's client logs the URLs it asks
    headers = await admin_headers(session)
    ref = await shipped_case(client, headers)
    again = await client.post(f"/cases/{ref}/links", headers=headers,
                              json={"identifiers": IN_TRANSIT})
    assert again.status_code == 409 and again.json()["rule"] == "already-linked"
    issued = await client.post(f"/cases/{ref}/confirmation-links", headers=headers)
    assert issued.status_code == 201, issued.text
    token = issued.json()["url"].rsplit("/", 1)[1]
    page = await client.get(f"/confirm/{token}")
    assert page.status_code == 200 and ref in page.text and "Bea" not in page.text
    done = await client.post(f"/confirm/{token}", json=CONFIRMATION)  # no account
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "delivered"
    units = (await session.scalars(select(Unit).where(Unit.identifier.in_(IN_TRANSIT)))).all()
    assert {u.status for u in units} == {UnitStatus.RECEIVED}
    body = (await session.scalars(select(EpcisEvent.body).order_by(EpcisEvent.id.desc()))).first()
    text = str(body)
    assert ref in text and "Dr. C. Receiver" in text and "Bea" not in text
    assert "'path': '/confirm/{token}'" in caplog.text and token not in caplog.text
    replay = await client.post(f"/confirm/{token}", json=CONFIRMATION)
    assert replay.status_code == 410 and "already used" in replay.json()["detail"]
    case = (await client.get(f"/cases/{ref}", headers=headers)).json()
    assert case["status"] == CaseStatus.DELIVERED and case["follow_up"]["status"] == "open"
    assert case["follow_up"]["overdue"] is False
    queue = (await client.get("/follow-ups.json", headers=headers)).json()
    mine = next(f for f in queue if f["case_ref"] == ref)
    refused = await client.post(f"/follow-ups/{mine['id']}", headers=headers, json={"done": True})
    assert refused.status_code == 422 and refused.json()["field"] == "outcome", refused.text
    closed = await client.post(f"/follow-ups/{mine['id']}", headers=headers,
                               json={"done": True, "outcome": "stored at 2-8 C, patient dosed"})
    assert closed.json()["status"] == "done"


async def test_revoked_tampered_and_expired_links_are_refused(client, demo, session, settings):
    headers = await admin_headers(session)
    ref = await shipped_case(client, headers)
    first = (await client.post(f"/cases/{ref}/confirmation-links", headers=headers)).json()
    token = first["url"].rsplit("/", 1)[1]
    revoked = await client.post(f"/cases/{ref}/confirmation-links/{first['id']}/revoke",
                                headers=headers)
    assert revoked.json()["revoked_at"]
    gone = await client.post(f"/confirm/{token}", json=CONFIRMATION)
    assert gone.status_code == 410 and "revoked" in gone.json()["detail"]
    tampered = await client.post(f"/confirm/{token[:-2]}xx", json=CONFIRMATION)
    assert tampered.status_code == 410 and "not valid" in tampered.json()["detail"]
    short = (await client.post(f"/cases/{ref}/confirmation-links", headers=headers,
                               json={"hours": 1})).json()
    with pytest.raises(LinkUnusable, match="expired"):
        await open_link(session, short["url"].rsplit("/", 1)[1],
                        settings.session_secret.get_secret_value(), now=utcnow() + timedelta(hours=2))
    bad = await client.post(f"/confirm/{token}", json={**CONFIRMATION, "condition": "meh"})
    assert bad.status_code == 422
    case = (await client.get(f"/cases/{ref}", headers=headers)).json()
    assert case["status"] == "shipped"  # nothing half-written


async def test_a_partner_key_cannot_see_cases(client, demo, session):
    from app.models import PartnerGln

    lyon = await session.get(PartnerGln, LYON.gln)
    _, key = await auth.issue(session, lyon.partner_id, ["query"], "lyon", actor="test")
    await session.commit()
    answer = await client.get("/cases", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 403


async def test_a_unit_inside_a_linked_case_cannot_be_linked_again(client, demo, session):
    headers = await admin_headers(session)
    sscc, inside = "urn:epc:id:sscc:0370002.0000000001", ZENTERVA.sgtin("ZS00001")
    refs = []
    for quantity in (3, 1):
        made = await client.post("/cases", headers=headers, json={
            "country": "FR", "prescriber_name": "Dr. B. Test", "prescriber_licence": "RPPS-2",
            "prescriber_country": "FR", "receiver_gln": LYON.gln, "drug": ZENTERVA.ndc,
            "quantity": quantity, "authorization": {
                "authorization_ref": f"AAC-{quantity}",
                "authorization_issued": str(date.today() - timedelta(days=1)),
                "authorization_expires": str(date.today() + timedelta(days=30))}})
        assert made.status_code == 201, made.text
        refs.append(made.json()["ref"])
        assert (await client.post(f"/cases/{refs[-1]}/authorize", headers=headers)).status_code == 200
    first = await client.post(f"/cases/{refs[0]}/links", headers=headers,
                              json={"identifiers": [sscc]})  # the SSCC stands for its 3 vials
    assert first.status_code == 201, first.text
    second = await client.post(f"/cases/{refs[1]}/links", headers=headers,
                               json={"identifiers": [inside]})
    assert second.status_code == 409 and second.json()["rule"] == "already-linked", second.text
