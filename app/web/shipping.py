"""Pick & pack pages: ``/shipping`` (shipments, a new one, the outbox) and ``/shipping/{id}``
(cases with counts, a scan field for wedge scanners, close/reopen, ship, printables). Every
page needs the ``ship`` permission, as the API does.

The JSON API owns ``/shipments``; these pages call the same services
(``app.shipments.service``, ``app.outbox.service``) with plain forms, each POST carrying the
session's CSRF token, and answer a refused action with its reason in the alert box.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import INTEGER_MAX, SessionDep
from app.errors import CustodyError
from app.models import StaffUser
from app.operator.service import Operator, operator
from app.outbox import service as outbox
from app.partners import service as partners
from app.shipments import service
from app.staff import service as staff
from app.staff.deps import csrf_ok
from app.staff.roles import Permission
from app.vault.keys import optional_keyring
from app.web import coldchain
from app.web.pages import STALE, VERDICTS, holding, page

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=INTEGER_MAX)]
Line = Annotated[str, Form(max_length=200)]
PACKED = ("Packed", "ok", "check")
REFUSALS = {**VERDICTS, "duplicate": ("Already packed", "stop", "cross")}


def _refusal(verdict: str) -> tuple[str, str, str]:
    """(heading, tone, icon) of a refused pack scan: its scan verdict, or why else."""
    return REFUSALS.get(verdict, ("Refused", "stop", "cross"))


async def _sites(session) -> list[tuple[str, str]]:
    """(value, text) of every site of an authorized partner: "GLN SGLN", "Partner - site"."""
    out = []
    for p in await partners.list_partners(session):
        if p.authorized and p.glns:
            gln = min(g.gln for g in p.glns)
            out += [(f"{gln} {x.sgln}", f"{p.legal_name} - {x.name}") for x in p.locations]
    return out


async def _list_page(request: Request, session, user: StaffUser, status: int = 200,
                     error: str | None = None, form: dict | None = None) -> HTMLResponse:
    return page(request, "shipments.html", status, user=user, error=error, form=form or {},
                shipments=await service.list_shipments(session, None, 50),
                sites=await _sites(session),
                outbox=await outbox.list_messages(session, None, 20))


async def _shipment_page(request: Request, session, user: StaffUser, shipment_id: int,
                         status: int = 200, error: str | None = None,
                         packed: Any = None, refused: dict | None = None,
                         case_id: int | None = None) -> HTMLResponse:
    view = await service.get_shipment(session, shipment_id)
    open_cases = [c for c in view.cases if c.case.closed_at is None]
    current = next((c for c in open_cases if c.case.id == case_id),
                   open_cases[-1] if open_cases else None)
    verdict = PACKED if packed else _refusal(refused["verdict"]) if refused else None
    stations = [s.name for s, _ in await staff.list_stations(session)]
    return page(request, "shipment.html", status, user=user, view=view, current=current,
                error=error, packed=packed, refused=refused, verdict=verdict, stations=stations,
                station=request.session.get("station"),
                cold=await coldchain.of_shipment(session, shipment_id))


async def _act(request: Request, session, csrf_token: str, shipment_id: int | None,
               action: Callable[[StaffUser, Operator], Awaitable[Any]],
               ) -> tuple[StaffUser | None, Any, Response | None]:
    """Sign-in, permission and CSRF checks, then ``action``; a refusal re-renders the page with
    its reason."""
    user = await holding(request, session, Permission.SHIP)
    if isinstance(user, Response):
        return None, None, user
    if not csrf_ok(request, csrf_token):
        failed = (await _shipment_page(request, session, user, shipment_id, 403, STALE)
                  if shipment_id else await _list_page(request, session, user, 403, STALE))
        return user, None, failed
    try:
        op = await operator(session, request.app.state.settings.operator_gln)
        async with session.begin_nested():  # a refused action leaves nothing half-written
            return user, await action(user, op), None
    except CustodyError as exc:
        if shipment_id is None:
            return user, None, await _list_page(request, session, user, exc.status, exc.detail)
        return user, None, await _shipment_page(request, session, user, shipment_id,
                                                exc.status, exc.detail)


def _to(shipment_id: int, case_id: int | None = None) -> RedirectResponse:
    query = f"?case={case_id}" if case_id else ""
    return RedirectResponse(f"/shipping/{shipment_id}{query}", status_code=303)


@router.get("/shipping", response_class=HTMLResponse)
async def shipments(request: Request, session: SessionDep) -> Response:
    user = await holding(request, session, Permission.SHIP)
    return user if isinstance(user, Response) else await _list_page(request, session, user)


@router.post("/shipping", response_class=HTMLResponse)
async def create(request: Request, session: SessionDep, ship_to: Line = "",
                 order_number: Line = "", case_ref: Line = "", carrier: Line = "",
                 tracking: Line = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    gln, _, site = ship_to.partition(" ")

    async def make(user: StaffUser, op: Operator):
        spec = service.ShipmentSpec(gln, site or None, order_number.strip() or None,
                                    case_ref.strip() or None, carrier.strip() or None,
                                    tracking.strip() or None)
        return await service.create_shipment(session, op, spec, staff.staff_actor(user).label)

    if not gln:
        user = await holding(request, session, Permission.SHIP)
        if isinstance(user, Response):
            return user
        return await _list_page(request, session, user, 422, "Choose the ship-to site first.")
    _, view, failed = await _act(request, session, csrf_token, None, make)
    return failed or RedirectResponse(f"/shipping/{view.shipment.id}", status_code=303)


@router.get("/shipping/{shipment_id}", response_class=HTMLResponse)
async def shipment(request: Request, session: SessionDep, shipment_id: Id,
                   case: int | None = None) -> Response:
    user = await holding(request, session, Permission.SHIP)
    if isinstance(user, Response):
        return user
    try:
        return await _shipment_page(request, session, user, shipment_id, case_id=case)
    except CustodyError as exc:
        return await _list_page(request, session, user, exc.status, exc.detail)


@router.post("/shipping/{shipment_id}/cases", response_class=HTMLResponse)
async def new_case(request: Request, session: SessionDep, shipment_id: Id,
                   csrf_token: Annotated[str, Form()] = "") -> Response:
    _, made, failed = await _act(request, session, csrf_token, shipment_id, lambda user, op:
                                 service.add_case(session, op, shipment_id,
                                                  staff.staff_actor(user).label))
    return failed or _to(shipment_id, made.case.id)


@router.post("/shipping/{shipment_id}/scan", response_class=HTMLResponse)
async def scan(request: Request, session: SessionDep, shipment_id: Id,
               text: Annotated[str, Form(max_length=1000)] = "",
               case_id: Annotated[int, Form(ge=0, le=INTEGER_MAX)] = 0,
               station: Annotated[str, Form(max_length=100)] = "",
               csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await holding(request, session, Permission.SHIP)
    if isinstance(user, Response):
        return user
    if not csrf_ok(request, csrf_token):
        return await _shipment_page(request, session, user, shipment_id, 403, STALE)
    if not text.strip() or not case_id:
        return await _shipment_page(request, session, user, shipment_id, 422,
                                    "Open a case, then scan a package into it.")
    request.session["station"] = station or None
    try:
        op = await operator(session, request.app.state.settings.operator_gln)
        done = await service.pack_scan(session, op, shipment_id, case_id, text, station or None,
                                       staff.staff_actor(user))
    except service.PackRefused as exc:  # refused before packing: the verification scan stays
        refused = {"verdict": exc.extensions.get("verdict", "refused"), "detail": exc.detail,
                   "reasons": exc.extensions.get("reasons") or []}
        return await _shipment_page(request, session, user, shipment_id, 409,
                                    refused=refused, case_id=case_id)
    except CustodyError as exc:  # refused before writing (shipment or case state)
        return await _shipment_page(request, session, user, shipment_id, exc.status,
                                    exc.detail, case_id=case_id)
    return await _shipment_page(request, session, user, shipment_id, packed=done,
                                case_id=case_id)


@router.post("/shipping/outbox/{message_id}/retry", response_class=HTMLResponse)
async def retry(request: Request, session: SessionDep, message_id: Id,
                csrf_token: Annotated[str, Form()] = "") -> Response:
    _, _, failed = await _act(request, session, csrf_token, None,
                              lambda user, op: outbox.retry(session, message_id))
    return failed or RedirectResponse("/shipping#outbox", status_code=303)


@router.post("/shipping/{shipment_id}/cases/{case_id}/{verb}", response_class=HTMLResponse)
async def case_action(request: Request, session: SessionDep, shipment_id: Id, case_id: Id,
                      verb: str, csrf_token: Annotated[str, Form()] = "") -> Response:
    actions = {"close": service.close_case, "reopen": service.reopen_case}
    if verb not in actions:
        return HTMLResponse("Not found", status_code=404)
    _, _, failed = await _act(request, session, csrf_token, shipment_id, lambda user, op:
                              actions[verb](session, op, shipment_id, case_id,
                                            staff.staff_actor(user).label))
    return failed or _to(shipment_id, case_id if verb == "reopen" else None)


@router.post("/shipping/{shipment_id}/{verb}", response_class=HTMLResponse)
async def shipment_action(request: Request, session: SessionDep, shipment_id: Id, verb: str,
                          csrf_token: Annotated[str, Form()] = "") -> Response:
    actions: dict[str, Callable[..., Awaitable[Any]]] = {"ship": service.ship,
                                                          "cancel": service.cancel}
    if verb not in actions:
        return HTMLResponse("Not found", status_code=404)
    vault = {"ring": optional_keyring(request.app.state.settings)} if verb == "ship" else {}
    _, _, failed = await _act(request, session, csrf_token, shipment_id, lambda user, op:
                              actions[verb](session, op, shipment_id,
                                            staff.staff_actor(user).label, **vault))
    return failed or _to(shipment_id)
