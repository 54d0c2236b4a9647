"""Quarantine and release: the operator's own holding events, through the rules and the log."""

from sqlalchemy import select

from app.ingest.worker import run_once
from app.ledger.verify import verify
from app.models import CaptureJob, CustodyHop, LedgerLeaf, Unit
from app.models import UnitStatus as S
from tests.ingest.chain import PHARMACY, WHOLESALER, document, sgtin, ship
from tests.investigations.stock import CASE, IN_CASE, stock
from tests.partners.helpers import MFG_GLN, PHARMACY_GLN, make_key


async def statuses(session, *identifiers) -> dict[str, S]:
    rows = await session.execute(select(Unit.identifier, Unit.status)
                                 .where(Unit.identifier.in_(identifiers))
                                 .execution_options(populate_existing=True))
    return dict(rows.all())


async def test_quarantine_a_case_then_release_it_through_the_ledger(client, session, sessions):
    s = await stock(client, session, sessions)
    leaves = len((await session.scalars(select(LedgerLeaf))).all())
    held = await client.post("/quarantine", json={"identifiers": [CASE]}, headers=s.staff)
    assert held.status_code == 200, held.text
    assert held.json() == {"units": sorted([CASE, *IN_CASE])}
    assert await statuses(session, CASE, *IN_CASE, sgtin(3)) == {
        CASE: S.QUARANTINED, IN_CASE[0]: S.QUARANTINED, IN_CASE[1]: S.QUARANTINED,
        sgtin(3): S.RECEIVED}
    hops = (await session.execute(select(CustodyHop.kind, CustodyHop.from_party, CustodyHop.to_party)
                                  .where(CustodyHop.unit == IN_CASE[0])
                                  .order_by(CustodyHop.seq.desc()).limit(1))).one()
    assert tuple(hops) == ("quarantine", PHARMACY_GLN, PHARMACY_GLN)
    job = (await session.scalars(select(CaptureJob).order_by(CaptureJob.created_at.desc()))).first()
    assert (job.partner_id, job.status) == (s.operator.id, "succeeded")  # the operator's document

    # Quarantined units cannot be shipped, even by their custodian.
    posted = await client.post("/capture", headers=s.partners["pharmacy"][1], content=document(
        ship([CASE], PHARMACY, WHOLESALER, minutes=30)))
    job = await run_once(sessions)
    assert (job.status, [e["reason"] for e in job.errors]) == ("failed", ["INVALID_TRANSITION"] * 3)
    assert posted.status_code == 202

    refused = await client.post("/quarantine/release", json={"identifiers": [sgtin(3)]},
                                headers=s.staff)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"pharmacy cannot release these units: unit {sgtin(3)} cannot go from received "
        "to received")

    released = await client.post("/quarantine/release", json={"identifiers": [CASE]}, headers=s.staff)
    assert released.status_code == 200, released.text
    assert set((await statuses(session, CASE, *IN_CASE)).values()) == {S.RECEIVED}
    assert len((await session.scalars(select(LedgerLeaf))).all()) == leaves + 2
    report = await verify(session, None)  # the replay knows quarantine and release hops
    assert report.ok, report.mismatch


async def test_quarantine_a_lot_takes_only_the_operators_stock(client, session, sessions):
    s = await stock(client, session, sessions)
    held = await client.post("/quarantine", json={"gtin": "00312345600112", "lot": "L1"},
                             headers=s.staff)
    assert held.status_code == 200, held.text
    assert held.json()["units"] == sorted([*IN_CASE, sgtin(3)])  # not 4 (mfg), not 5 (wholesaler)
    assert await statuses(session, sgtin(4), sgtin(5)) == {sgtin(4): S.COMMISSIONED,
                                                           sgtin(5): S.RECEIVED}
    again = await client.post("/quarantine", json={"gtin": "00312345600112", "lot": "L1"},
                              headers=s.staff)
    assert again.status_code == 404
    assert again.json()["detail"] == ("no units of GTIN 00312345600112 lot L1 in the custody of "
                                      "pharmacy with status commissioned or packed or "
                                      "received or returned")


async def test_quarantining_another_partners_unit_is_refused_without_naming_its_holder(
        client, session, sessions):
    s = await stock(client, session, sessions)
    for unit in (sgtin(4), sgtin(5), "urn:epc:id:sgtin:0312345.060011.999"):
        refused = await client.post("/quarantine", json={"identifiers": [sgtin(3), unit]},
                                    headers=s.staff)
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["detail"] == (f"pharmacy cannot quarantine these units: unit {unit} "
                                  f"is not held by {PHARMACY_GLN}")
        assert MFG_GLN not in refused.text and "036000100000" not in refused.text
    # Nothing half-written: unit 3 was named beside the refused one and stays in stock.
    assert await statuses(session, sgtin(3)) == {sgtin(3): S.RECEIVED}


async def test_partner_keys_may_not_act_for_the_operator(client, session, sessions):
    s = await stock(client, session, sessions)
    partner_admin = await make_key(session, s.partners["pharmacy"][0], "admin")
    await session.commit()
    for headers in (s.partners["pharmacy"][1], s.partners["mfg"][1], partner_admin):
        for method, url, body in (("post", "/quarantine", {"identifiers": [sgtin(3)]}),
                                  ("post", "/quarantine/release", {"identifiers": [sgtin(3)]}),
                                  ("get", "/investigations", None),
                                  ("post", "/investigations", {"identifiers": [sgtin(3)],
                                                               "reason": "x"}),
                                  ("post", "/recalls", {"gtin": "00312345600112", "lots": ["L1"],
                                                        "class": "II", "reason": "x"}),
                                  ("get", "/recalls", None)):
            answer = await client.request(method, url, json=body, headers=headers)
            assert answer.status_code == 403, (url, answer.text)
    assert (await client.get("/investigations")).status_code == 401
    assert await statuses(session, sgtin(3)) == {sgtin(3): S.RECEIVED}


async def test_junk_identifiers_are_refused_not_crashed_on(client, session, sessions):
    s = await stock(client, session, sessions)
    for junk in ("not an epc", "urn:epc:id:sgtin:0312345.060011.", "urn:epc:id:sscc:1.2",
                 "https://id.gs1.org/01/00312345600112/21/999", "x" * 201):
        answer = await client.post("/quarantine", json={"identifiers": [junk]}, headers=s.staff)
        assert answer.status_code in (409, 422), (junk, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    both = await client.post("/quarantine", headers=s.staff,
                             json={"identifiers": [sgtin(3)], "gtin": "00312345600112", "lot": "L1"})
    assert both.json()["detail"] == ("name units or one lot, not both: expected identifiers, or "
                                     "gtin and lot")
    neither = await client.post("/quarantine", headers=s.staff, json={})
    assert neither.json()["detail"] == "expected identifiers, or gtin and lot; got neither"
    link = await client.post("/quarantine", headers=s.staff,  # a Digital Link names unit 3
                             json={"identifiers": ["https://id.gs1.org/01/00312345600112/21/3"]})
    assert link.json() == {"units": [sgtin(3)]}


async def test_a_partner_key_with_admin_still_sees_only_its_own(client, session, sessions):
    s = await stock(client, session, sessions)
    partner_admin = await make_key(session, s.partners["pharmacy"][0], "admin", "query", "capture")
    await session.commit()
    never_held = await client.get(f"/units/{sgtin(4)}", headers=partner_admin)  # Northwind's
    assert never_held.status_code == 404 and MFG_GLN not in never_held.text
    jobs = (await client.get("/capture", headers=partner_admin)).json()
    mine = await session.scalars(select(CaptureJob.id).where(
        CaptureJob.partner_id == s.partners["pharmacy"][0]))
    assert {j["captureID"] for j in jobs} == set(mine)  # not the manufacturer's or wholesaler's
    operator_admin = await make_key(session, None, "admin", "query")
    await session.commit()
    seen = await client.get(f"/units/{sgtin(4)}", headers=operator_admin)  # the operator's does
    assert seen.status_code == 200
