"""HTTP: ``GET /units/{identifier}``: status, custodian, location, container, chain summary.

Registered after the ledger router so ``/units/{identifier}/chain`` (public proofs) wins.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.audit import service as audit
from app.audit.deps import OriginDep
from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep
from app.units import service
from app.units.schemas import HopSummary, UnitOut

router = APIRouter(tags=["units"])
QUERY = require("query", "regulator")


@router.get("/units/{identifier:path}", summary="A unit's current state and custody summary")
async def get_unit(identifier: str, session: SessionDep, origin: OriginDep,
                   caller: Caller = QUERY) -> UnitOut:
    view = await service.get_unit(session, caller, identifier)
    await audit.record(session, caller, "unit.read", view.unit["identifier"], origin)
    return UnitOut(**view.unit, chain=[HopSummary(**h) for h in view.hops])
