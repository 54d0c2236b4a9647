"""HTTP: ``POST /capture`` and ``GET /capture/{captureID}`` (EPCIS 2.0 REST binding)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.capture import service
from app.config import Settings
from app.deps import SessionDep, SettingsDep
from app.errors import Forbidden, PayloadTooLarge
from app.models import CaptureJob

router = APIRouter(prefix="/capture", tags=["capture"])
CAPTURE = require("capture")
READ_JOBS = require("capture", "admin", "regulator")  # partners: their own jobs only
VERSION = {"GS1-EPCIS-Version": "2.0.0"}


LIMITS_HELP = {
    "GS1-EPCIS-Capture-Limit": {
        "description": "Most events one document may hold (CUSTODY_CAPTURE_EVENT_LIMIT); a "
                       "document with more fails its capture job (CAPTURE_LIMIT_EXCEEDED)",
        "schema": {"type": "integer", "minimum": 1}},
    "GS1-EPCIS-Capture-File-Size-Limit": {
        "description": "Largest document in bytes (CUSTODY_MAX_DOCUMENT_BYTES); a larger one "
                       "is refused with 413",
        "schema": {"type": "integer", "minimum": 1}},
}


def limits(settings: Settings) -> dict[str, str]:
    """The capture limits as the EPCIS 2.0 REST binding's headers."""
    return {"GS1-EPCIS-Capture-Limit": str(settings.capture_event_limit),
            "GS1-EPCIS-Capture-File-Size-Limit": str(settings.max_document_bytes)}


async def _body(request: Request, settings: Settings) -> bytes:
    limit = settings.max_document_bytes
    declared = request.headers.get("content-length")
    too_big = PayloadTooLarge(
        f"document exceeds the limit of {limit} bytes (CUSTODY_MAX_DOCUMENT_BYTES)",
        expected=f"at most {limit} bytes", headers=limits(settings),
    )
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _time(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def job_out(job: CaptureJob) -> dict[str, Any]:
    """The capture job document of the binding, plus Custody's status and counts."""
    running = job.status in ("pending", "running")
    return {
        "captureID": job.id,
        "status": str(job.status),
        "running": running,
        "success": not running and job.status == "succeeded" and not job.errors,
        "captureErrorBehaviour": job.error_behaviour or "rollback",
        "eventCount": job.event_count,
        "attempts": job.attempts,
        "createdAt": _time(job.created_at),
        **({"finishedAt": _time(job.finished_at)} if job.finished_at else {}),
        "errors": job.errors or [],
        "warnings": job.warnings or [],
    }


@router.options("", status_code=204, response_class=Response,
                summary="Discover the capture interface's settings",
                responses={204: {"description": "Versions, limits and error behaviours",
                                 "headers": LIMITS_HELP}})
async def discover(settings: SettingsDep) -> Response:
    return Response(status_code=204, headers={
        **VERSION,
        "Allow": "OPTIONS, GET, POST",
        **limits(settings),
        "GS1-Capture-Error-Behaviour": "rollback, proceed",
    })


@router.get("", summary="Capture jobs, newest first: a partner's own, or all for admins and "
                        "regulators")
async def list_jobs(
    session: SessionDep, caller: Caller = READ_JOBS, limit: int = Query(50, ge=1, le=500)
) -> JSONResponse:
    jobs = await service.list_jobs(session, caller.partner_id, caller.sees_everything, limit)
    return JSONResponse([job_out(j) for j in jobs], headers=VERSION)


@router.post("", status_code=202, summary="Capture an EPCIS document (asynchronous)",
             responses={202: {"headers": LIMITS_HELP},
                        413: {"description": "Larger than GS1-EPCIS-Capture-File-Size-Limit",
                              "headers": LIMITS_HELP}})
async def capture(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: Caller = CAPTURE,
    behaviour: Annotated[str | None, Header(alias="GS1-Capture-Error-Behaviour")] = None,
) -> JSONResponse:
    if caller.partner_id is None:
        raise Forbidden("capture needs a key issued to a trading partner")
    body = await _body(request, settings)
    # Its own short transaction, a writer from its first statement (SQLite then waits for the
    # worker instead of failing), committed before the 202.
    async with request.app.state.sessions() as writer, writer.begin():
        await service.write_lock(writer)
        made = await service.capture(
            writer, body, request.headers.get("content-type"), caller.partner_id, behaviour
        )
    location = f"/capture/{made.job.id}"
    return JSONResponse(job_out(made.job), status_code=202,
                        headers={"Location": location, **VERSION, **limits(settings)})


@router.get("/{capture_id}", summary="A capture job's status and errors")
async def get_job(capture_id: str, session: SessionDep, caller: Caller = READ_JOBS) -> JSONResponse:
    job = await service.get_job(session, capture_id, caller.partner_id, caller.sees_everything)
    return JSONResponse(job_out(job), headers=VERSION)
