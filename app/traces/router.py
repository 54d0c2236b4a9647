"""HTTP: file trace requests, read and list one's own, answer them (operator)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from app.audit.deps import OriginDep
from app.auth.deps import require
from app.auth.service import Caller
from app.deps import INTEGER_MAX, SessionDep
from app.models.base import utcnow
from app.staff.deps import Tracer
from app.traces import service
from app.traces.schemas import TraceRequestIn, TraceRequestOut

router = APIRouter(tags=["trace requests"])
FILER = require("report", "regulator")
READER = require("report", "regulator", "admin")
Id = Path(ge=1, le=INTEGER_MAX)


@router.post("/trace-requests", status_code=201, summary="File a trace request",
             description="A regulator (scope `regulator`) or an authorized trading partner "
             "(scope `report`) asks about a product; due in one US federal business day.")
async def file(body: TraceRequestIn, response: Response, session: SessionDep, origin: OriginDep,
               caller: Caller = FILER) -> TraceRequestOut:
    request = await service.file(session, caller, body.spec(), origin)
    response.headers["Location"] = f"/trace-requests/{request.id}"
    return TraceRequestOut.of(request, utcnow())


@router.get("/trace-requests", summary="Trace requests: one's own (regulators and admins: all)")
async def listing(session: SessionDep, caller: Caller = READER) -> list[TraceRequestOut]:
    now = utcnow()
    return [TraceRequestOut.of(r, now, with_answer=False)
            for r in await service.listing(session, caller)]


@router.get("/trace-requests/{request_id}", summary="A trace request and, once given, its answer")
async def get(session: SessionDep, origin: OriginDep, request_id: int = Id,
              caller: Caller = READER) -> TraceRequestOut:
    return TraceRequestOut.of(await service.get(session, caller, request_id, origin), utcnow())


@router.post("/trace-requests/{request_id}/answer",
             summary="Answer from the ledger (operator staff or admin key)")
async def answer(session: SessionDep, origin: OriginDep, actor: Tracer,
                 request_id: int = Id) -> TraceRequestOut:
    return TraceRequestOut.of(await service.answer(session, actor, request_id, origin), utcnow())
