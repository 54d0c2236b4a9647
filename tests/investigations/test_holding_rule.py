"""The ``holding`` rule is every partner's: a wholesaler's own quarantine is captured like any
event; a disposition the rule does not know changes nothing; nobody holds another's units."""

from app.ingest.worker import run_once
from app.models import UnitStatus as S
from app.world import events as ev
from tests.ingest.chain import WHOLESALER, at, document, sgtin
from tests.investigations.stock import stock
from tests.investigations.test_investigations import status_of
from tests.partners.helpers import WHOLESALER_GLN


async def post(client, sessions, headers, *events):
    assert (await client.post("/capture", content=document(*events), headers=headers)).status_code == 202
    return await run_once(sessions)


async def test_a_partner_quarantines_and_releases_its_own_unit_by_capture(client, session, sessions):
    s = await stock(client, session, sessions)
    wholesaler = s.partners["wholesaler"][1]
    job = await post(client, sessions, wholesaler,
                     ev.hold([sgtin(5)], at(60), WHOLESALER, "non_sellable_other"))
    assert job.status == "succeeded", job.errors
    assert await status_of(session, sgtin(5)) == S.QUARANTINED
    job = await post(client, sessions, wholesaler, ev.hold([sgtin(5)], at(61), WHOLESALER, "damaged"))
    assert job.status == "succeeded" and await status_of(session, sgtin(5)) == S.QUARANTINED
    job = await post(client, sessions, wholesaler,
                     ev.hold([sgtin(5)], at(62), WHOLESALER, "sellable_accessible"))
    assert job.status == "succeeded" and await status_of(session, sgtin(5)) == S.RECEIVED


async def test_nobody_holds_another_partners_unit(client, session, sessions):
    s = await stock(client, session, sessions)
    job = await post(client, sessions, s.partners["wholesaler"][1],
                     ev.hold([sgtin(3)], at(60), WHOLESALER, "recalled"))
    assert (job.status, [(e["reason"], e["detail"]) for e in job.errors]) == (
        "failed", [("NOT_CUSTODIAN", f"event 0: unit {sgtin(3)} is not held by {WHOLESALER_GLN}")])
    assert await status_of(session, sgtin(3)) == S.RECEIVED
