"""Demo trace requests: an FDA fire drill answered from the ledger, and a partner's request open."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Origin
from app.auth.service import Caller
from app.models import TraceReason, TraceResponse
from app.traces import repository, service
from app.traces.service import TraceSpec

ACTOR = "custody demo"


async def trace_requests(session: AsyncSession, gtin: str, serial: str, lot: str,
                         partner_id: int) -> list[int]:
    """File (once) a fire drill by a regulator about one unit, answered at once, and a
    recall-investigation request by ``partner_id`` about a lot, left open; return their ids."""
    if existing := await repository.listing(session, None, True, 2):
        return sorted(r.id for r in existing)
    origin = Origin(client="demo")
    drill = await service.file(
        session, Caller(None, frozenset({"regulator"}), "demo"),
        TraceSpec("FDA Office of Drug Security, Integrity and Response", "drugtrace@fda.test",
                  TraceReason.SUSPECT_PRODUCT, TraceResponse.TRANSACTION_INFORMATION,
                  gtin=gtin, serial=serial, incident_number="3911-2026-0042", fire_drill=True),
        origin)
    await service.answer(session, ACTOR, drill.id, origin)
    open_ = await service.file(
        session, Caller(partner_id, frozenset({"report"}), "demo"),
        TraceSpec("Atlas Specialty Distribution LLC, compliance", "compliance@atlas.test",
                  TraceReason.RECALL_INVESTIGATION, TraceResponse.ALL_KNOWN_OWNERS,
                  gtin=gtin, lot=lot), origin)
    return [drill.id, open_.id]
