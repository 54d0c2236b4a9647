"""HTTP: ``GET /units/{identifier}``: status, custodian, location, container, chain summary.

Registered after the ledger router so ``/units/{identifier}/chain`` (public proofs) wins.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep
from app.errors import NotFound
from app.units import repository
from app.units.status import UnitStatus

router = APIRouter(tags=["units"])
QUERY = require("query")


class HopSummary(BaseModel):
    seq: int
    kind: str
    from_party: str | None
    to_party: str | None
    location: str | None
    time: datetime
    event_hash: str


class UnitOut(BaseModel):
    identifier: str
    kind: str
    gtin: str | None
    serial: str | None
    lot: str | None
    status: UnitStatus
    custodian_id: int | None
    destination_id: int | None
    location: str | None
    container: str | None
    contents: int
    chain: list[HopSummary]


@router.get("/units/{identifier:path}", summary="A unit's current state and custody summary")
async def get_unit(identifier: str, session: SessionDep, caller: Caller = QUERY) -> UnitOut:
    unit = await repository.get_unit(session, identifier)
    hops = await repository.hops(session, identifier) if unit else []
    if unit and not caller.sees_everything and caller.partner_id not in (
        unit["custodian_id"], unit["destination_id"]
    ):  # otherwise visible only to partners that were on its chain
        mine = set(await repository.partner_glns(session, caller.partner_id))
        unit = unit if any({h["from_party"], h["to_party"]} & mine for h in hops) else None
    if unit is None:
        raise NotFound(f"no unit {identifier} visible to this key", field="identifier")
    return UnitOut(**unit, chain=[HopSummary(**h) for h in hops])
