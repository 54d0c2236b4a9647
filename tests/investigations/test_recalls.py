"""Recalls: only the brand owner (or its agent) recalls; the operator's stock becomes recalled
by its own event; the custodians of every other unit are listed, in transit counting twice."""

from sqlalchemy import select

from app.investigations.service import unit_flags
from app.ledger.verify import verify
from app.models import PartnerAgent, Recall, Unit
from app.models import UnitStatus as S
from app.operator.service import operator
from app.recalls.service import RecallSpec, record_recall
from tests.ingest.chain import MFG, PHARMACY, sgtin, ship
from tests.investigations.stock import CASE, IN_CASE, capture, stock
from tests.investigations.test_investigations import status_of
from tests.partners.helpers import MFG_GLN, PHARMACY_GLN, WHOLESALER_GLN

GTIN = "00312345600112"
RECALL = {"gtin": GTIN, "lots": ["L1"], "class": "II", "reason": "particulate matter"}


async def test_a_recall_naming_another_companys_gtin_is_refused(client, session, sessions):
    s = await stock(client, session, sessions)  # the operator (pharmacy) owns prefix 0370002 only
    refused = await client.post("/recalls", headers=s.staff, json=RECALL)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"{PHARMACY_GLN} is neither the brand owner of GTIN {GTIN} nor its agent: only the brand "
        "owner (or its agent) recalls a product; to hold your own stock, quarantine the lot")
    assert await session.scalar(select(Recall.id)) is None
    assert await status_of(session, sgtin(3)) == S.RECEIVED


async def test_the_brand_owners_agent_recalls_and_custodians_are_listed(client, session, sessions):
    s = await stock(client, session, sessions)
    session.add(PartnerAgent(agent_id=s.operator.id, principal_id=s.partners["mfg"][0]))
    await session.commit()
    # Unit 4 leaves the manufacturer for the pharmacy: in transit, it counts for both ends.
    await capture(client, sessions, s.partners["mfg"][1], ship([sgtin(4)], MFG, PHARMACY, minutes=40))
    made = await client.post("/recalls", headers=s.staff, json=RECALL)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["gtin"], body["lots"], body["class"], body["issuer"]) == (
        GTIN, ["L1"], "II", PHARMACY_GLN)
    assert made.headers["location"] == f"/recalls/{body['id']}"
    assert body["recalled_here"] == sorted([*IN_CASE, sgtin(3)])
    assert body["custodians_to_notify"] == [
        {"gln": MFG_GLN, "name": "mfg", "units": 1, "in_transit": 1},
        {"gln": WHOLESALER_GLN, "name": "wholesaler", "units": 1, "in_transit": 0},
        {"gln": PHARMACY_GLN, "name": "pharmacy", "units": 4, "in_transit": 1},
    ]
    assert {await status_of(session, u) for u in (*IN_CASE, sgtin(3))} == {S.RECALLED}
    # Units held elsewhere keep their status and custodian: the recall is a record.
    assert (await status_of(session, sgtin(5)), await status_of(session, sgtin(4))) == (
        S.RECEIVED, S.SHIPPED)
    assert await status_of(session, CASE) == S.RECEIVED  # a case has no lot
    listed = (await client.get("/recalls", headers=s.staff)).json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert (await client.get(f"/recalls/{body['id']}", headers=s.staff)).json()["units"] == 5
    assert (await verify(session, None)).ok


async def test_the_brand_owner_recalls_units_wherever_they_are(client, session, sessions):
    s = await stock(client, session, sessions)
    view = await record_recall(session, RecallSpec(GTIN, ("L1",), "I", "sterility"), "test",
                               s.operator, issuer=s.partners["mfg"][0])
    assert view.issuer == MFG_GLN
    assert view.recalled_here == sorted([*IN_CASE, sgtin(3)])  # the operator's stock only
    unit = await session.scalar(select(Unit).where(Unit.identifier == sgtin(5)))
    assert await unit_flags(session, unit) == {
        "recalled": True, "quarantined": False, "suspect": False, "illegitimate": False}


async def test_recall_input_is_checked(client, session, sessions):
    s = await stock(client, session, sessions)
    for change, field, detail in (
        ({"gtin": "00312345600113"}, "gtin", None),
        ({"class": "IV"}, "class", "class 'IV': expected I, II or III"),
        ({"lots": ["L" * 21]}, "lots", None),
    ):
        answer = await client.post("/recalls", headers=s.staff, json={**RECALL, **change})
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
        if detail:
            assert answer.json()["detail"] == detail
    assert await session.scalar(select(Recall.id)) is None


async def test_operator_must_be_configured(client, session, sessions, settings):
    s = await stock(client, session, sessions)
    settings.operator_gln = None
    answer = await client.get("/investigations", headers=s.staff)
    assert answer.status_code == 409
    assert answer.json()["detail"] == ("CUSTODY_OPERATOR_GLN is not set: expected the GLN of the "
                                       "trading partner this instance runs for")
    assert (await operator(session, PHARMACY_GLN)).name == "pharmacy"
