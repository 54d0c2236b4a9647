"""Every ingest rule through HTTP and the worker, with exact reason codes and effects."""

import dataclasses

from sqlalchemy import func, select

from app.ingest.worker import run_once
from app.ledger.verify import verify
from app.models import CustodyException, CustodyHop, EpcisEvent, Unit
from app.models import UnitStatus as S
from app.world.partners import gln
from epcis.model import Action
from tests.ingest.chain import (
    MFG,
    PHARMACY,
    WHOLESALER,
    commission,
    document,
    observe,
    pack,
    receive,
    sgtin,
    ship,
    sscc,
)
from tests.partners.helpers import (
    MFG_GLN,
    PHARMACY_GLN,
    WHOLESALER_GLN,
    chain_partners,
    event_leaves,
    make_key,
)


async def capture(client, sessions, headers, body, **extra):
    posted = await client.post("/capture", content=body, headers={**headers, **extra})
    assert posted.status_code == 202, posted.text
    await run_once(sessions)
    return (await client.get(posted.headers["location"], headers=headers)).json()


async def units(session) -> dict[str, tuple]:
    rows = (await session.scalars(select(Unit).execution_options(populate_existing=True))).all()
    by_id = {u.id: u.identifier for u in rows}
    return {u.identifier: (u.status, u.custodian_id, by_id.get(u.parent_id)) for u in rows}


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def test_full_chain_moves_custody_and_logs_every_event(client, session, sessions):
    p = await chain_partners(session)
    mfg, wh, ph = p["mfg"][0], p["wholesaler"][0], p["pharmacy"][0]
    items = [sgtin(1), sgtin(2)]
    job = await capture(client, sessions, p["mfg"][1], document(
        commission(items), pack(sscc(1), items), ship([sscc(1)], MFG, WHOLESALER)))
    assert (job["status"], job["eventCount"], job["errors"]) == ("succeeded", 3, [])
    assert await units(session) == {
        sgtin(1): (S.SHIPPED, mfg, sscc(1)), sgtin(2): (S.SHIPPED, mfg, sscc(1)),
        sscc(1): (S.SHIPPED, mfg, None)}

    job = await capture(client, sessions, p["wholesaler"][1], document(
        receive([sscc(1)], WHOLESALER),
        pack(sscc(1), items, minutes=4, where=WHOLESALER, action=Action.DELETE),
        ship([sgtin(1)], WHOLESALER, PHARMACY, minutes=5)))
    assert job["status"] == "succeeded", job["errors"]
    job = await capture(client, sessions, p["pharmacy"][1], document(
        receive([sgtin(1)], PHARMACY, minutes=6), observe([sgtin(1)], "dispensing", minutes=7)))
    assert job["status"] == "succeeded", job["errors"]
    assert await units(session) == {
        sgtin(1): (S.DISPENSED, ph, None), sgtin(2): (S.RECEIVED, wh, None),
        sscc(1): (S.RECEIVED, wh, None)}
    hops = (await session.execute(select(CustodyHop.kind, CustodyHop.from_party, CustodyHop.to_party)
                                  .where(CustodyHop.unit == sgtin(1)).order_by(CustodyHop.seq))).all()
    assert [tuple(h) for h in hops] == [
        ("commission", None, MFG_GLN), ("pack", MFG_GLN, MFG_GLN), ("ship", MFG_GLN, WHOLESALER_GLN),
        ("receive", MFG_GLN, WHOLESALER_GLN), ("unpack", WHOLESALER_GLN, WHOLESALER_GLN),
        ("ship", WHOLESALER_GLN, PHARMACY_GLN), ("receive", WHOLESALER_GLN, PHARMACY_GLN),
        ("dispense", PHARMACY_GLN, None)]
    assert await count(session, EpcisEvent) == await event_leaves(session) == 8
    report = await verify(session, None)  # stored bodies re-hash to their event hashes
    assert report.ok, report.mismatch

    # Replaying a document (even re-encoded) changes nothing.
    job = await capture(client, sessions, p["mfg"][1], document(
        commission(items), pack(sscc(1), items), ship([sscc(1)], MFG, WHOLESALER), fmt="1.2-xml"))
    assert (job["status"], job["errors"]) == ("succeeded", [])
    assert await event_leaves(session) == 8


async def rejected(client, session, sessions, headers, *events, **kw) -> list[tuple]:
    job = await capture(client, sessions, headers, document(*events, **kw))
    assert job["status"] == "failed"
    for e in job["errors"]:  # each error is an RFC 9457 problem naming its event
        assert (e["type"], e["title"]) == ("https://custody.dev/problems/custody-exception",
                                           "Custody exception")
        assert e["detail"].startswith(f"event {e['eventIndex']}: ")
    return [(e["eventIndex"], e["reason"], e["detail"].split(": ", 1)[1]) for e in job["errors"]]


async def test_contradictions_reject_the_document_with_reason_codes(client, session, sessions):
    p = await chain_partners(session)
    mfg, wh, ph = p["mfg"][1], p["wholesaler"][1], p["pharmacy"][1]
    assert await rejected(client, session, sessions, wh, commission([sgtin(9)], where=WHOLESALER)) == [
        (0, "NOT_BRAND_OWNER", f"{WHOLESALER_GLN} does not own company prefix 0312345 of "
                               f"{sgtin(9)}; only the brand owner or its agent commissions it")]
    assert await rejected(client, session, sessions, mfg, ship([sgtin(8)], MFG, WHOLESALER)) == [
        (0, "UNKNOWN_UNIT", f"unit {sgtin(8)} was never commissioned")]
    await capture(client, sessions, mfg, document(commission([sgtin(1)])))
    assert await rejected(client, session, sessions, mfg, commission([sgtin(1)], minutes=9)) == [
        (0, "ALREADY_COMMISSIONED", f"unit {sgtin(1)} is already commissioned")]
    assert await rejected(client, session, sessions, wh, ship([sgtin(1)], WHOLESALER, PHARMACY)) == [
        (0, "SHIPPER_NOT_CUSTODIAN", f"unit {sgtin(1)} is not held by {WHOLESALER_GLN}")]
    assert await rejected(client, session, sessions, wh, ship([sgtin(1)], MFG, WHOLESALER, 9)) == [
        (0, "SENDER_NOT_SHIPPER", f"{WHOLESALER_GLN} cannot report a shipment by {MFG}")]
    assert await rejected(client, session, sessions, mfg, ship([sgtin(1)], MFG, WHOLESALER),
                          statement=False) == [
        (0, "TS_MISSING", "no DSCSA transaction statement in the event or the document header")]
    await capture(client, sessions, mfg, document(ship([sgtin(1)], MFG, WHOLESALER)))
    assert await rejected(client, session, sessions, ph, receive([sgtin(1)], PHARMACY)) == [
        (0, "NOT_SHIPPED_TO_RECEIVER", f"unit {sgtin(1)} is not in a shipment to {PHARMACY_GLN}")]
    await capture(client, sessions, wh, document(receive([sgtin(1)], WHOLESALER)))
    await capture(client, sessions, wh, document(ship([sgtin(1)], WHOLESALER, PHARMACY, minutes=5)))
    await capture(client, sessions, ph, document(receive([sgtin(1)], PHARMACY, minutes=6),
                                                 observe([sgtin(1)], "dispensing", minutes=7)))
    assert await rejected(client, session, sessions, ph,
                          observe([sgtin(1)], "dispensing", minutes=8)) == [
        (0, "ALREADY_DISPENSED", f"unit {sgtin(1)} cannot go from dispensed to dispensed")]
    # Nothing of a rejected document is applied; every contradiction is on record.
    assert await units(session) == {sgtin(1): (S.DISPENSED, p["pharmacy"][0], None)}
    codes = (await session.scalars(select(CustodyException.reason_code)
                                   .order_by(CustodyException.id))).all()
    assert codes == ["NOT_BRAND_OWNER", "UNKNOWN_UNIT", "ALREADY_COMMISSIONED",
                     "SHIPPER_NOT_CUSTODIAN", "SENDER_NOT_SHIPPER", "TS_MISSING", "NOT_SHIPPED_TO_RECEIVER",
                     "ALREADY_DISPENSED"]


async def test_one_bad_event_rejects_the_whole_document(client, session, sessions):
    p = await chain_partners(session)
    errors = await rejected(client, session, sessions, p["mfg"][1],
                            commission([sgtin(1)]), ship([sgtin(1), sgtin(2)], MFG, WHOLESALER))
    assert errors == [(1, "UNKNOWN_UNIT", f"unit {sgtin(2)} was never commissioned")]
    assert await count(session, Unit) == await count(session, EpcisEvent) == 0
    assert await event_leaves(session) == 0


async def test_proceed_accepts_with_exceptions(client, session, sessions):
    p = await chain_partners(session)
    job = await capture(client, sessions, p["mfg"][1], document(
        commission([sgtin(1)]), ship([sgtin(1), sgtin(2)], MFG, WHOLESALER)),
        **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert job["status"] == "succeeded"
    assert [(e["eventIndex"], e["reason"], e["unit"]) for e in job["errors"]] == [
        (1, "UNKNOWN_UNIT", sgtin(2))]
    assert await units(session) == {sgtin(1): (S.COMMISSIONED, p["mfg"][0], None)}
    assert await count(session, EpcisEvent) == await event_leaves(session) == 2
    exc = await session.scalar(select(CustodyException))
    assert (exc.reason_code, exc.event_id is not None, exc.job_id) == (
        "UNKNOWN_UNIT", True, job["captureID"])


async def test_proceed_links_an_exception_to_a_unit_made_by_the_same_document(client, session, sessions):
    p = await chain_partners(session)
    twice = [commission([sgtin("A%2F1")]), commission([sgtin("A%2F1")], minutes=1)]
    job = await capture(client, sessions, p["mfg"][1], document(*twice),
                        **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert [(e["eventIndex"], e["reason"]) for e in job["errors"]] == [(1, "ALREADY_COMMISSIONED")]
    unit = await session.scalar(select(Unit).where(Unit.identifier == sgtin("A%2F1")))
    assert (unit.kind, unit.gtin, unit.serial, unit.lot) == ("sgtin", "00312345600112", "A/1", "L1")
    assert (await session.scalar(select(CustodyException))).unit_id == unit.id


async def test_unauthorized_sender_and_destination(client, session, sessions):
    p = await chain_partners(session)
    from app.models import TradingPartner

    (await session.get(TradingPartner, p["wholesaler"][0])).authorized = False
    await session.commit()
    assert await rejected(client, session, sessions, p["wholesaler"][1],
                          observe([sgtin(1)], "inspecting")) == [
        (0, "SENDER_NOT_AUTHORIZED",
         f"sender {WHOLESALER_GLN} is not an authorized trading partner with a valid licence")]
    await capture(client, sessions, p["mfg"][1], document(commission([sgtin(1)])))
    assert await rejected(client, session, sessions, p["mfg"][1],
                          ship([sgtin(1)], MFG, WHOLESALER)) == [
        (0, "DESTINATION_NOT_AUTHORIZED",
         f"destination {WHOLESALER_GLN} is not an authorized trading partner")]


async def test_unreadable_document_fails_naming_the_event(client, session, sessions):
    p = await chain_partners(session)
    body = document(commission([sgtin(1)]), commission([sgtin(2)], minutes=1)).replace(
        b'"2026-11-02T08:01:00Z"', b'"yesterday"')
    job = await capture(client, sessions, p["mfg"][1], body)
    assert job["status"] == "failed"
    (error,) = job["errors"]
    assert (error["reason"], error["eventIndex"], error["field"]) == ("EPCIS_INVALID", 1, "eventTime")


async def test_status_rules_and_their_contradictions(client, session, sessions):
    p = await chain_partners(session)
    mfg, wh = p["mfg"][1], p["wholesaler"][1]
    items = [sgtin(n) for n in range(1, 5)]
    await capture(client, sessions, mfg, document(commission(items), pack(sscc(1), items[:2])))
    assert await rejected(client, session, sessions, wh, observe([sgtin(3)], "destroying",
                                                                 where=WHOLESALER)) == [
        (0, "NOT_CUSTODIAN", f"unit {sgtin(3)} is not held by {WHOLESALER_GLN}")]
    assert await rejected(client, session, sessions, mfg, ship([sgtin(3)], MFG, PHARMACY.replace(
        "0370002", "0399999"))) == [
        (0, "UNKNOWN_PARTY", "destination urn:epc:id:sgln:0399999.00000.0 is not a known trading partner"),
        (0, "TI_BUYER_ADDRESS_MISSING",
         "no Location or Party master data for the buyer urn:epc:id:sgln:0399999.00000.0")]
    no_destination = dataclasses.replace(ship([sgtin(3)], MFG, WHOLESALER), destinations=())
    assert await rejected(client, session, sessions, mfg, no_destination) == [
        (0, "MISSING_DESTINATION", "the shipment names no owning_party destination"),
        (0, "TI_BUYER_MISSING", "no destination of type owning_party names the buyer")]
    assert await rejected(client, session, sessions, mfg,
                          pack(sscc(1), [sgtin(3)], minutes=5, action=Action.DELETE)) == [
        (0, "NOT_IN_CONTAINER", f"unit {sgtin(3)} is not in {sscc(1)}")]
    assert await rejected(client, session, sessions, mfg, receive([sgtin(3)], MFG)) == [
        (0, "NOT_SHIPPED_TO_RECEIVER", f"unit {sgtin(3)} is not in a shipment to {MFG_GLN}")]

    job = await capture(client, sessions, mfg, document(
        observe([sgtin(3)], "decommissioning", where=MFG, action=Action.DELETE),
        observe([sscc(1)], "destroying", where=MFG, action=Action.DELETE, minutes=5)))
    assert job["status"] == "succeeded", job["errors"]
    assert await units(session) == {
        sgtin(1): (S.DESTROYED, p["mfg"][0], sscc(1)), sgtin(2): (S.DESTROYED, p["mfg"][0], sscc(1)),
        sscc(1): (S.DESTROYED, p["mfg"][0], None), sgtin(3): (S.DECOMMISSIONED, p["mfg"][0], None),
        sgtin(4): (S.COMMISSIONED, p["mfg"][0], None)}

    # A dispensed unit taken back by the dispenser is returned, not received.
    for who, body in (("mfg", document(ship([sgtin(4)], MFG, WHOLESALER, minutes=6))),
                      ("wholesaler", document(receive([sgtin(4)], WHOLESALER, minutes=7),
                                              ship([sgtin(4)], WHOLESALER, PHARMACY, minutes=8))),
                      ("pharmacy", document(receive([sgtin(4)], PHARMACY, minutes=9),
                                            observe([sgtin(4)], "dispensing", minutes=10),
                                            receive([sgtin(4)], PHARMACY, minutes=11,
                                                    disposition="returned")))):
        job = await capture(client, sessions, p[who][1], body)
        assert job["status"] == "succeeded", job["errors"]
    assert (await units(session))[sgtin(4)] == (S.RETURNED, p["pharmacy"][0], None)


async def test_digital_link_and_urn_name_one_unit(client, session, sessions):
    p = await chain_partners(session)
    link = "https://id.gs1.org/01/00312345600112/21/7"
    job = await capture(client, sessions, p["mfg"][1], document(commission([link])))
    assert job["status"] == "succeeded", job["errors"]
    job = await capture(client, sessions, p["mfg"][1], document(ship([sgtin(7)], MFG, WHOLESALER)))
    assert job["status"] == "succeeded", job["errors"]
    assert await units(session) == {sgtin(7): (S.SHIPPED, p["mfg"][0], None)}
    stranger = "https://id.gs1.org/01/00999999600117/21/7"
    assert await rejected(client, session, sessions, p["mfg"][1], commission([stranger])) == [
        (0, "NOT_BRAND_OWNER", f"{MFG_GLN} owns no company prefix that {stranger} starts with; "
                               "only the brand owner or its agent commissions it")]


async def test_a_digital_link_sscc_gets_its_exact_company_prefix(client, session, sessions):
    """Partner GLNs do not say where a company prefix ends; products and URNs do."""
    p = await chain_partners(session)
    pallet = "https://id.gs1.org/00/003123450000000028"
    body = document(commission([sgtin(7)]), pack(pallet, [sgtin(7)]))
    job = await capture(client, sessions, p["mfg"][1], body)
    assert job["status"] == "succeeded", job["errors"]
    assert "urn:epc:id:sscc:0312345.0000000002" in await units(session)


async def test_an_agent_of_the_brand_owner_commissions_under_its_prefix(client, session, sessions):
    p = await chain_partners(session)
    admin = await make_key(session, None, "admin")
    await session.commit()
    cmo_gln = gln("038000300000")
    onboarded = await client.post("/partners", headers=admin, json={
        "legal_name": "Contract Packager", "kind": "manufacturer", "glns": [cmo_gln],
        "licences": [{"kind": "manufacturer_registration", "jurisdiction": "FDA",
                      "number": "FEI-3800030", "valid_from": "2024-01-01"}],
        "agent_for": [MFG_GLN]})
    assert onboarded.status_code == 201, onboarded.text
    assert onboarded.json()["agent_for"] == [MFG_GLN]
    cmo = onboarded.json()["id"]
    key = await make_key(session, cmo, "capture", "query")
    await session.commit()
    site = f"urn:epc:id:sgln:{cmo_gln[:7]}.{cmo_gln[7:12]}.0"

    job = await capture(client, sessions, key, document(commission([sgtin(5)], where=site)))
    assert (job["status"], job["errors"]) == ("succeeded", [])
    assert await units(session) == {sgtin(5): (S.COMMISSIONED, cmo, None)}
    # The brand owner's other partners are not its agents.
    assert await rejected(client, session, sessions, p["wholesaler"][1],
                          commission([sgtin(6)], where=WHOLESALER)) == [
        (0, "NOT_BRAND_OWNER", f"{WHOLESALER_GLN} does not own company prefix 0312345 of "
                               f"{sgtin(6)}; only the brand owner or its agent commissions it")]

    unknown = await client.post("/partners", headers=admin, json={
        "legal_name": "Nobody's agent", "kind": "3pl", "agent_for": [gln("039999900000")]})
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "agent_for"


async def test_receiving_takes_custody_only_of_a_shipment_addressed_to_the_receiver(
        client, session, sessions):
    # The wave-1 probe: a unit another partner holds as `returned` was received by a stranger.
    p = await chain_partners(session)
    mfg, wh = p["mfg"][1], p["wholesaler"][1]
    items = [sgtin(n) for n in range(1, 4)]
    job = await capture(client, sessions, mfg, document(
        commission(items), observe([sgtin(1)], "dispensing", minutes=1, where=MFG),
        receive([sgtin(1)], MFG, minutes=2, disposition="returned"),
        ship([sgtin(3)], MFG, PHARMACY, minutes=3)))
    assert job["status"] == "succeeded", job["errors"]
    before = await units(session)
    assert before[sgtin(1)] == (S.RETURNED, p["mfg"][0], None)
    not_shipped = f"is not in a shipment to {WHOLESALER_GLN}"
    for unit in items:  # returned, commissioned, shipped to someone else: one answer for all
        for disposition in ("in_progress", "returned"):
            assert await rejected(client, session, sessions, wh, receive(
                [unit], WHOLESALER, minutes=9, disposition=disposition)) == [
                (0, "NOT_SHIPPED_TO_RECEIVER", f"unit {unit} {not_shipped}")]
    assert await units(session) == before


async def test_errors_never_name_the_holder_nor_confirm_another_partners_unit(
        client, session, sessions):
    p = await chain_partners(session)
    mfg, wh = p["mfg"][1], p["wholesaler"][1]
    await capture(client, sessions, mfg, document(commission([sgtin(1)])))
    # A unit the manufacturer holds and one that was never commissioned read alike to others...
    for unit in (sgtin(1), sgtin(2)):
        assert await rejected(client, session, sessions, wh, ship([unit], WHOLESALER, PHARMACY)) == [
            (0, "SHIPPER_NOT_CUSTODIAN", f"unit {unit} is not held by {WHOLESALER_GLN}")]
        assert await rejected(client, session, sessions, wh,
                              observe([unit], "destroying", where=WHOLESALER)) == [
            (0, "NOT_CUSTODIAN", f"unit {unit} is not held by {WHOLESALER_GLN}")]
        assert await rejected(client, session, sessions, wh, commission([unit], where=WHOLESALER)) == [
            (0, "NOT_BRAND_OWNER", f"{WHOLESALER_GLN} does not own company prefix 0312345 of "
                                   f"{unit}; only the brand owner or its agent commissions it")]
    # ...while the brand owner learns what its own prefix holds.
    assert await rejected(client, session, sessions, mfg, ship([sgtin(2)], MFG, WHOLESALER)) == [
        (0, "UNKNOWN_UNIT", f"unit {sgtin(2)} was never commissioned")]
    jobs = (await client.get("/capture", headers=wh)).json()
    assert len(jobs) == 6 and all(j["status"] == "failed" for j in jobs)
    assert MFG_GLN not in str(jobs)
