"""Staff pages: a unit's provenance report, and its downloads (bundle, PDF, CSV, printable).

They read as the operator (every unit, with its cases), so they need the ``trace`` permission,
as answering a trace request from the same ledger does."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.audit import service as audit
from app.audit.deps import OriginDep
from app.deps import SessionDep
from app.errors import CustodyError
from app.reports import render, service
from app.reports.router import UnitFormat, audit_action, unit_response
from app.staff.roles import Permission
from app.staff.service import staff_actor
from app.web.pages import holding, page

router = APIRouter(include_in_schema=False)


@router.get("/staff/reports", response_class=HTMLResponse)
async def report_page(request: Request, session: SessionDep, origin: OriginDep,
                      unit: str | None = Query(None, max_length=300)) -> Response:
    user = await holding(request, session, Permission.TRACE)
    if isinstance(user, Response):
        return user
    if not unit:
        return page(request, "staff_report.html", user=user)
    try:
        bundle = await service.unit_bundle(session, unit, service.operator_reader(staff_actor(user).label))
    except CustodyError as exc:
        return page(request, "staff_report.html", exc.status, user=user, unit=unit, error=exc.detail)
    await audit.record(session, staff_actor(user), "report.unit", bundle["report"]["subject"], origin)
    return page(request, "staff_report.html", user=user, unit=unit, **render.html_context(bundle))


@router.get("/staff/reports/download")
async def report_download(request: Request, session: SessionDep, origin: OriginDep,
                          unit: str = Query(max_length=300),
                          format: UnitFormat = Query("json")) -> Response:  # noqa: A002
    user = await holding(request, session, Permission.TRACE)
    if isinstance(user, Response):
        return user
    bundle = await service.unit_bundle(session, unit, service.operator_reader(staff_actor(user).label))
    await audit.record(session, staff_actor(user), audit_action(format), bundle["report"]["subject"],
                       origin)
    pdf = await anyio.to_thread.run_sync(render.unit_pdf, bundle) if format == "pdf" else None
    return unit_response(bundle, format, request, pdf)
