"""Stock for the suspect-product and recall tests: the pharmacy (the operator) holds a case of
two units, unit 3, and shipped unit 5 on to the wholesaler; the manufacturer keeps unit 4."""

from __future__ import annotations

from dataclasses import dataclass

from app.ingest.worker import run_once
from app.operator.service import Operator, operator
from tests.ingest.chain import (
    MFG,
    PHARMACY,
    WHOLESALER,
    commission,
    document,
    pack,
    receive,
    sgtin,
    ship,
    sscc,
)
from tests.partners.helpers import PHARMACY_GLN, chain_partners, make_key

CASE, IN_CASE = sscc(1), [sgtin(1), sgtin(2)]


@dataclass
class Stock:
    partners: dict
    staff: dict[str, str]  # headers of an operator key with admin
    operator: Operator


async def capture(client, sessions, headers, *events) -> None:
    posted = await client.post("/capture", content=document(*events), headers=headers)
    assert posted.status_code == 202, posted.text
    job = await run_once(sessions)
    assert job.status == "succeeded", job.errors


async def stock(client, session, sessions) -> Stock:
    p = await chain_partners(session)
    units = [*IN_CASE, sgtin(3), sgtin(4), sgtin(5)]
    await capture(client, sessions, p["mfg"][1], commission(units), pack(CASE, IN_CASE),
                  ship([CASE, sgtin(3), sgtin(5)], MFG, PHARMACY))
    await capture(client, sessions, p["pharmacy"][1], receive([CASE, sgtin(3), sgtin(5)], PHARMACY),
                  ship([sgtin(5)], PHARMACY, WHOLESALER, minutes=5))
    await capture(client, sessions, p["wholesaler"][1], receive([sgtin(5)], WHOLESALER, minutes=6))
    staff = await make_key(session, None, "admin")
    await session.commit()
    return Stock(p, staff, await operator(session, PHARMACY_GLN))
