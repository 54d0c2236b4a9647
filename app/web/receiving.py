"""The receiving pages: expected shipments (``/receiving``) and one receiving's board
(``/receiving/{id}``): scan, mark damaged, close. Plain forms with the session's CSRF token,
calling :mod:`app.receiving.service` as the API does, for staff holding ``receive``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import RowId, SessionDep
from app.errors import CustodyError
from app.models import StaffUser
from app.operator.service import operator
from app.receiving import service
from app.receiving.schemas import ReceivingOut
from app.staff.deps import csrf_ok
from app.staff.roles import Permission
from app.staff.service import staff_actor
from app.web.pages import STALE, holding, page

router = APIRouter(include_in_schema=False)

OUTCOMES = {  # outcome -> (word, tone, icon): the tone picks colours, never alone
    "matched": ("Matched", "ok", "check"),
    "missing": ("Missing", "stop", "cross"),
    "extra": ("Extra", "stop", "cross"),
    "wrong_lot": ("Wrong lot or expiry", "stop", "cross"),
    "damaged": ("Damaged", "stop", "cross"),
    "quarantined": ("Quarantined", "warn", "question"),
}
SCANNED = {
    "received": ("Received", "ok", "check"),
    "extra": ("Extra: not in this shipment", "stop", "cross"),
    "duplicate": ("Already scanned", "warn", "question"),
}


@router.get("/receiving", response_class=HTMLResponse)
async def receiving_list(request: Request, session: SessionDep) -> Response:
    user = await holding(request, session, Permission.RECEIVE)
    return user if isinstance(user, Response) else await _list(request, session, user)


async def _list(request: Request, session, user: StaffUser, status: int = 200,
                error: str | None = None) -> HTMLResponse:
    op = await operator(session, request.app.state.settings.operator_gln)
    return page(request, "receiving_list.html", status, user=user, error=error,
                expected=await service.expected(session, op),
                receivings=await service.receivings(session))


@router.post("/receiving", response_class=HTMLResponse)
async def receiving_open(request: Request, session: SessionDep,
                         shipment: Annotated[str, Form(max_length=100)] = "",
                         reference: Annotated[str, Form(max_length=1000)] = "",
                         csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await holding(request, session, Permission.RECEIVE)
    if isinstance(user, Response):
        return user
    if not csrf_ok(request, csrf_token):
        return await _list(request, session, user, 403, STALE)
    op = await operator(session, request.app.state.settings.operator_gln)
    try:
        async with session.begin_nested():  # refused: nothing of it stays
            made, _ = await service.open_receiving(session, op, staff_actor(user).label,
                                                   shipment or None, reference or None)
    except CustodyError as err:
        return await _list(request, session, user, err.status, str(err))
    return RedirectResponse(f"/receiving/{made.id}", status_code=303)


@router.get("/receiving/{receiving_id:int}", response_class=HTMLResponse)
async def receiving_board(request: Request, session: SessionDep, receiving_id: RowId) -> Response:
    user = await holding(request, session, Permission.RECEIVE)
    return user if isinstance(user, Response) else await _board(request, session, user, receiving_id)


async def _board(request: Request, session, user: StaffUser, receiving_id: int, status: int = 200,
                 error: str | None = None, scanned: service.Scanned | None = None) -> HTMLResponse:
    try:
        view = ReceivingOut.of(await service.view(session, receiving_id))
    except CustodyError as err:
        return await _list(request, session, user, err.status, str(err))
    return page(request, "receiving.html", status, user=user, r=view, error=error,
                scanned=scanned, shown=SCANNED[scanned.outcome] if scanned else None,
                outcomes=OUTCOMES)


@router.post("/receiving/{receiving_id:int}/scan", response_class=HTMLResponse)
async def receiving_scan(request: Request, session: SessionDep, receiving_id: RowId,
                         text: Annotated[str, Form(max_length=1000)] = "",
                         action: Annotated[str, Form(max_length=10)] = "scan",
                         csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await holding(request, session, Permission.RECEIVE)
    if isinstance(user, Response):
        return user
    if not csrf_ok(request, csrf_token):
        return await _board(request, session, user, receiving_id, 403, STALE)
    try:
        async with session.begin_nested():
            done = await service.scan(session, receiving_id, text, staff_actor(user).label,
                                      action)
    except CustodyError as err:
        return await _board(request, session, user, receiving_id, err.status, str(err))
    return await _board(request, session, user, receiving_id, 201, scanned=done)


@router.post("/receiving/{receiving_id:int}/close", response_class=HTMLResponse)
async def receiving_close(request: Request, session: SessionDep, receiving_id: RowId,
                          investigate: Annotated[str, Form(max_length=10)] = "",
                          csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await holding(request, session, Permission.RECEIVE)
    if isinstance(user, Response):
        return user
    if not csrf_ok(request, csrf_token):
        return await _board(request, session, user, receiving_id, 403, STALE)
    op = await operator(session, request.app.state.settings.operator_gln)
    try:
        async with session.begin_nested():  # a close that fails part-way leaves nothing behind
            await service.close(session, op, receiving_id, staff_actor(user).label,
                                investigate=bool(investigate))
    except CustodyError as err:
        return await _board(request, session, user, receiving_id, err.status, str(err))
    return RedirectResponse(f"/receiving/{receiving_id}", status_code=303)
