"""HTTP: adverse-event reports on cases and their E2B(R3) product block (pharmacist, QA, admin)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from app.adverse import service
from app.adverse.e2b import to_xml
from app.adverse.schemas import AdverseEventIn, AdverseEventOut
from app.cases.deps import AdverseReader
from app.deps import INTEGER_MAX, SessionDep

router = APIRouter(tags=["adverse events"])
REF = Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
ID = Path(ge=1, le=INTEGER_MAX)


@router.post("/cases/{ref}/adverse-events", status_code=201,
             summary="Record an adverse-event report against the case and a unit or lot")
async def record(body: AdverseEventIn, session: SessionDep, reader: AdverseReader, response: Response,
                 ref: str = REF) -> AdverseEventOut:
    event = await service.record(session, ref, body.spec(), reader)
    response.headers["Location"] = f"/adverse-events/{event.id}"
    return AdverseEventOut.of(event, await service.case_ref(session, event))


@router.get("/cases/{ref}/adverse-events", summary="The case's adverse-event reports")
async def of_case(session: SessionDep, reader: AdverseReader, ref: str = REF) -> list[AdverseEventOut]:
    found = await service.of_case(session, ref, reader)
    return [AdverseEventOut.of(e, ref.upper()) for e in found]


@router.get("/adverse-events/{event_id}", summary="One adverse-event report (operator-internal)")
async def get(session: SessionDep, reader: AdverseReader, event_id: int = ID) -> AdverseEventOut:
    event = await service.get(session, event_id, reader)
    return AdverseEventOut.of(event, await service.case_ref(session, event))


@router.get("/adverse-events/{event_id}/e2b",
            summary="The ICH E2B(R3) product block for the manufacturer (JSON or XML)")
async def e2b(session: SessionDep, reader: AdverseReader, event_id: int = ID,
              format: Literal["json", "xml"] = Query("json")) -> Response:
    data = await service.product_block(session, event_id, reader)
    name = f"adverse-event-{event_id}-e2b.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "xml":
        return Response(to_xml(data), media_type="application/xml", headers=headers)
    return JSONResponse(data, headers=headers)
