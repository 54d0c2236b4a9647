"""The exceptions and investigations queue: filters, overdue first; one investigation with
its units, partners to notify, history, actions and Form FDA 3911 draft; open one by hand.

Anyone signed in may read, open an investigation and add a note; determinations, the
notification record and follow-up or termination reports need the ``investigate`` permission (``app.staff.roles``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.deps import INTEGER_MAX, SessionDep
from app.investigations import service
from app.models.base import utcnow
from app.staff.deps import csrf_ok
from app.staff.roles import Permission
from app.staff.service import staff_actor
from app.units.service import visible_unit
from app.web.pages import (
    STALE,
    acting_for,
    attempt,
    holding,
    page,
    seeing_as,
)

router = APIRouter(include_in_schema=False)
QUEUE = "/staff/investigations"
ID = Path(ge=1, le=INTEGER_MAX)
FREE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Text = Annotated[str, Form(max_length=10_000, pattern=FREE_TEXT)]
Short = Annotated[str, Form(max_length=200, pattern=FREE_TEXT)]
ACTIONS = ("note", "clear", "illegitimate", "notified", "report")


def _matches(view: service.View, trigger: str, gtin: str, lot: str) -> bool:
    return ((not trigger or view.investigation.trigger == trigger)
            and (not gtin or any(u.gtin == gtin for u in view.units))
            and (not lot or any(u.lot == lot for u in view.units)))


@router.get(QUEUE, response_class=HTMLResponse)
async def queue(request: Request, session: SessionDep,
                status: Annotated[str, Query(max_length=30)] = "",
                trigger: Annotated[str, Query(max_length=30)] = "",
                gtin: Annotated[str, Query(max_length=14)] = "",
                lot: Annotated[str, Query(max_length=20)] = "") -> Response:
    user = await holding(request, session, Permission.INVESTIGATE)
    if isinstance(user, Response):
        return user
    views, error = await attempt(session, lambda: service.list_investigations(
        session, status or None, limit=1000))
    shown = [v for v in views or [] if _matches(v, trigger, gtin.strip(), lot.strip())]
    return page(request, "investigations.html", 422 if error else 200, user=user, views=shown,
                now=utcnow(), error=error, statuses=list(service.Status),
                triggers=service.TRIGGERS, chosen={"status": status, "trigger": trigger,
                                                   "gtin": gtin, "lot": lot})


@router.post(QUEUE, response_class=HTMLResponse)
async def open_by_hand(request: Request, session: SessionDep,
                       identifier: Annotated[str, Form(max_length=200)] = "",
                       reason: Text = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await holding(request, session, Permission.INVESTIGATE)
    if isinstance(user, Response):
        return user
    if not csrf_ok(request, csrf_token):
        return page(request, "refused.html", 403, user=user, error=STALE)
    op = await acting_for(request, session)

    async def open_one() -> service.View:
        unit = await visible_unit(session, seeing_as(op), identifier)  # never another's unit
        return await service.open_investigation(session, [unit["identifier"]], reason,
                                                staff_actor(user).label, operator=op)

    view, error = await attempt(session, open_one)
    if view is None:
        return page(request, "refused.html", 422, user=user, error=f"Not opened: {error}")
    return RedirectResponse(f"{QUEUE}/{view.investigation.id}", status_code=303)


async def _detail(request: Request, session, user, investigation_id: int, status: int = 200,
                  error: str | None = None) -> Response:
    op = await acting_for(request, session)
    view, missing = await attempt(session, lambda: service.get(session, investigation_id, op))
    if view is None:
        return page(request, "refused.html", 404, user=user, error=missing)
    draft = None
    if view.status in (service.Status.ILLEGITIMATE, service.Status.TERMINATION_REQUESTED):
        draft = await service.form_3911(session, investigation_id, op)
    return page(request, "investigation.html", status, user=user, view=view, now=utcnow(),
                draft=draft, error=error,
                classifications=service.CLASSIFICATIONS)


@router.get(QUEUE + "/{investigation_id}", response_class=HTMLResponse)
async def one(request: Request, session: SessionDep, investigation_id: int = ID) -> Response:
    user = await holding(request, session, Permission.INVESTIGATE)
    if isinstance(user, Response):
        return user
    return await _detail(request, session, user, investigation_id)


@router.post(QUEUE + "/{investigation_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, session: SessionDep, action: str, investigation_id: int = ID,
              text: Text = "", classification: Short = "", kind: Short = "",
              incident_number: Annotated[str, Form(max_length=50, pattern=FREE_TEXT)] = "",
              contact_name: Short = "", contact_phone: Short = "", contact_email: Short = "",
              csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await holding(request, session, Permission.INVESTIGATE)
    if isinstance(user, Response):
        return user
    if action not in ACTIONS:
        return page(request, "refused.html", 404, user=user, error=f"No action {action!r}.")
    if not csrf_ok(request, csrf_token):
        return await _detail(request, session, user, investigation_id, 403, STALE)
    op, actor = await acting_for(request, session), staff_actor(user).label
    contact = {k: v.strip() for k, v in (("name", contact_name), ("phone", contact_phone),
                                         ("email", contact_email)) if v.strip()}
    runs = {
        "note": lambda: service.add_note(session, investigation_id, text, actor, op),
        "clear": lambda: service.clear(session, investigation_id, text, actor, op),
        "illegitimate": lambda: service.determine_illegitimate(
            session, investigation_id, classification, text, actor, op, contact),
        "notified": lambda: service.record_notified(session, investigation_id, actor, op,
                                                    incident_number.strip() or None,
                                                    text.strip() or None),
        "report": lambda: service.add_report(session, investigation_id, kind, text, actor, op,
                                             incident_number.strip() or None),
    }
    _, error = await attempt(session, runs[action])
    if error is not None:
        return await _detail(request, session, user, investigation_id, 422, error)
    return RedirectResponse(f"{QUEUE}/{investigation_id}", status_code=303)


@router.get(QUEUE + "/{investigation_id}/form-3911.json")
async def form_3911(request: Request, session: SessionDep, investigation_id: int = ID) -> Response:
    user = await holding(request, session, Permission.INVESTIGATE)
    if isinstance(user, Response):
        return user
    op = await acting_for(request, session)
    return JSONResponse(jsonable_encoder(await service.form_3911(session, investigation_id, op)))


@router.get(QUEUE + "/{investigation_id}/form-3911.pdf")
async def form_3911_pdf(request: Request, session: SessionDep,
                        investigation_id: int = ID) -> Response:
    user = await holding(request, session, Permission.INVESTIGATE)
    if isinstance(user, Response):
        return user
    body = await service.form_3911_pdf(session, investigation_id, await acting_for(request, session))
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="fda-3911-investigation-{investigation_id}.pdf"'})
