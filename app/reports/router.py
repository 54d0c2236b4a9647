"""HTTP: unit provenance and lot reports, for keys with the ``report``, ``regulator`` or
``admin`` scope (a partner's ``report`` key sees only the units it handled)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app.audit import service as audit
from app.audit.deps import OriginDep
from app.auth.deps import require
from app.auth.service import Caller
from app.deps import BIGINT_MAX, SessionDep
from app.reports import render, service
from app.web.router import templates

router = APIRouter(tags=["reports"])
REPORT = require(*service.READERS)
UnitFormat = Literal["json", "html", "pdf", "csv"]
LotFormat = Literal["json", "csv"]


def unit_response(bundle: dict[str, Any], fmt: str, request: Request, pdf: bytes | None = None) -> Response:
    """The bundle in format ``fmt`` (``pdf`` rendered by the caller, off the event loop)."""
    name = bundle["report"]["subject"].rsplit(":", 1)[-1].replace("/", "_")
    if fmt == "html":
        return templates.TemplateResponse(request, "report_unit.html", render.html_context(bundle))
    if fmt == "csv":
        return Response(render.unit_csv(bundle), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "pdf":
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})
    return JSONResponse(bundle, headers={
        "Content-Disposition": f'inline; filename="{name}.bundle.json"'})


def audit_action(fmt: str) -> str:
    """The proof bundle (JSON) is audited as such; the other formats as reports."""
    return "bundle.unit" if fmt == "json" else "report.unit"


@router.get(
    "/reports/units/{identifier:path}",
    summary="A unit's provenance with its proof bundle",
    description="Every hop from commissioning to now (with the hops of its cases and pallets), "
    "proven against the latest signed checkpoint, and what Custody knows about it: parties and "
    "their licences on each date, TI and TS as received, investigations, recalls, scans, "
    "verifications. `format=json` is the proof bundle (docs/proof-bundle.md), which "
    "`custody report verify` checks offline; `html`, `pdf` (with a chain diagram) and `csv` "
    "show the same. `since_size`: add a consistency proof from that signed tree size.",
    response_class=JSONResponse,
    responses={200: {"description": "the report in the format asked for", "content": {
        "application/json": {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "text/csv": {"schema": {"type": "string"}}}}},
)
async def unit_report(
    identifier: str, request: Request, session: SessionDep, origin: OriginDep,
    caller: Caller = REPORT,
    format: UnitFormat = Query("json"),  # noqa: A002 - the public parameter name
    since_size: int | None = Query(None, ge=0, le=BIGINT_MAX),
) -> Response:
    bundle = await service.unit_bundle(session, identifier, caller, since_size=since_size)
    await audit.record(session, caller, audit_action(format), bundle["report"]["subject"], origin)
    pdf = await anyio.to_thread.run_sync(render.unit_pdf, bundle) if format == "pdf" else None
    return unit_response(bundle, format, request, pdf)


@router.get(
    "/reports/lots/{gtin}/{lot:path}",
    summary="Every unit of a lot: status and custodian now, units in transit (streamed)",
    response_class=StreamingResponse,
    responses={200: {"description": "the lot's units", "content": {
        "application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}}}},
)
async def lot_report(
    request: Request, session: SessionDep, origin: OriginDep, caller: Caller = REPORT,
    gtin: str = Path(max_length=14), lot: str = Path(max_length=20),
    format: LotFormat = Query("json"),  # noqa: A002
) -> StreamingResponse:
    header = asdict(await service.lot_header(session, gtin, lot, caller))
    await audit.record(session, caller, "report.lot", f"lot:{gtin}/{lot}", origin)
    sessions = request.app.state.sessions

    async def pages() -> AsyncIterator[list[dict[str, Any]]]:
        async with sessions() as reading, reading.begin():
            async for page in service.lot_units(reading, gtin, lot, caller):
                yield page

    if format == "csv":
        return StreamingResponse(_csv(header, pages()), media_type="text/csv; charset=utf-8")
    return StreamingResponse(_json(header, pages()), media_type="application/json")


async def _json(header: dict[str, Any], pages: AsyncIterator[list[dict[str, Any]]]) -> AsyncIterator[str]:
    """``{"report": .., "units": [..], "count": n, "in_transit": n}``, one chunk per page."""
    yield json.dumps({"report": {"kind": "lot", **header}})[:-1] + ', "units": ['
    count, in_transit = 0, 0
    async for page in pages:
        if page:
            yield ("," if count else "") + json.dumps(page)[1:-1]
        count += len(page)
        in_transit += sum(1 for u in page if u["in_transit_to"])
    yield f'], "count": {count}, "in_transit": {in_transit}}}'


async def _csv(header: dict[str, Any], pages: AsyncIterator[list[dict[str, Any]]]) -> AsyncIterator[str]:
    yield render.lot_csv_header(header)
    async for page in pages:
        yield render.lot_csv_rows(page)

