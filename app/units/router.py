"""HTTP: ``GET /units/{identifier}``: status, custodian, location, container, chain summary.

Registered after the ledger router so ``/units/{identifier}/chain`` (public proofs) wins.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep
from app.units import service
from app.units.schemas import HopSummary, UnitOut

router = APIRouter(tags=["units"])
QUERY = require("query", "regulator")


@router.get("/units/{identifier:path}", summary="A unit's current state and custody summary")
async def get_unit(identifier: str, session: SessionDep, caller: Caller = QUERY) -> UnitOut:
    view = await service.get_unit(session, caller, identifier)
    return UnitOut(**view.unit, chain=[HopSummary(**h) for h in view.hops])
