"""The staff web app's pages: sign-in, sign-out, scan & verify, and what every page shares.

Plain HTML forms (each POST carries the session's CSRF token) calling the same services as
the API; pages extend ``templates/base.html`` (see ``app/web/README.md``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.service import Caller
from app.deps import SessionDep
from app.errors import CustodyError
from app.models import StaffUser
from app.operator.service import Operator, operator
from app.partners import service as partners
from app.scans import service as scans
from app.scans.schemas import VerifyOut
from app.staff import service as staff
from app.staff.deps import csrf_ok, csrf_token, end_session, session_staff, start_session
from app.staff.roles import ACTIONS, Permission, permissions_of, roles_with
from app.web.router import templates

router = APIRouter(include_in_schema=False)
STALE = "This form has expired or did not come from this site; it was not sent. Try again."
T = TypeVar("T")

VERDICTS = {  # verdict -> (heading, tone, icon): the tone picks colours, never alone
    "verified": ("Verified", "ok", "check"),
    "unreadable": ("Unreadable", "warn", "question"),
    "unknown-identifier": ("Unknown identifier", "stop", "cross"),
    "lot-mismatch": ("Lot mismatch", "stop", "cross"),
    "expiry-mismatch": ("Expiry mismatch", "stop", "cross"),
    "expired": ("Expired", "stop", "cross"),
    "recalled": ("Recalled", "stop", "cross"),
    "quarantined": ("Quarantined", "stop", "cross"),
    "suspect": ("Suspect", "stop", "cross"),
    "not-in-custody": ("Not in our custody", "stop", "cross"),
    "already-dispensed": ("Already dispensed", "stop", "cross"),
    "decommissioned": ("Decommissioned", "stop", "cross"),
}


def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    """Render ``name`` with what ``base.html`` needs (user, CSRF token) and ``context``."""
    return templates.TemplateResponse(request, name, {"csrf": csrf_token(request), **context},
                                      status_code=status)


def to_signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


def may(user: StaffUser, permission: Permission) -> bool:
    """Whether ``user``'s roles grant ``permission`` (the one table, ``app.staff.roles``)."""
    return permission in permissions_of(user.roles)


def refused(request: Request, user: StaffUser, action: str,
            permission: Permission) -> HTMLResponse:
    """The 403 page for ``user``, whose roles do not allow ``action``."""
    return page(request, "refused.html", 403, user=user, action=action,
                roles=roles_with(permission))


def refusal(request: Request, user: StaffUser, permission: Permission) -> HTMLResponse | None:
    """The 403 page when ``user`` lacks ``permission`` (the one its API routes need), else None."""
    return None if may(user, permission) else refused(request, user, ACTIONS[permission],
                                                      permission)


async def holding(request: Request, session, permission: Permission) -> StaffUser | Response:
    """The signed-in user if they hold ``permission``, else what to answer instead: the sign-in
    redirect, or the 403 page naming the roles that hold it (``isinstance(x, Response)``)."""
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    return refusal(request, user, permission) or user


async def attempt(session, action: Callable[[], Awaitable[T]]) -> tuple[T | None, str | None]:
    """Run ``action`` in a savepoint: its result, or (nothing written and) the error's words."""
    try:
        async with session.begin_nested():
            return await action(), None
    except CustodyError as err:
        return None, err.detail


async def acting_for(request: Request, session) -> Operator:
    """The operator this instance runs for (``CUSTODY_OPERATOR_GLN``)."""
    return await operator(session, request.app.state.settings.operator_gln)


async def party_names(session) -> dict[str, str]:
    """Trading partners' names by GLN, and with the site's name by SGLN."""
    names: dict[str, str] = {}
    for partner in await partners.list_partners(session):
        names |= {g.gln: partner.legal_name for g in partner.glns}
        names |= {loc.sgln: f"{partner.legal_name}, {loc.name}" for loc in partner.locations}
    return names


def seeing_as(op: Operator) -> Caller:
    """Staff read what their operator, as a trading partner, may read (decision 0009): the
    units it holds, that are in transit to it, or whose chain names it."""
    return Caller(op.id, frozenset({"query"}), prefix="staff")


@router.get("/signin", response_class=HTMLResponse)
async def signin_form(request: Request, session: SessionDep) -> Response:
    if await session_staff(session, request) is not None:
        return RedirectResponse("/scan", status_code=303)
    return page(request, "signin.html")


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request, session: SessionDep,
                 username: Annotated[str, Form(max_length=200)] = "",
                 password: Annotated[str, Form(max_length=1000)] = "",
                 csrf_token: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, csrf_token):
        return page(request, "signin.html", 403, error=STALE, username=username)
    done = await staff.sign_in(session, username, password, source="web")
    if done.user is None:
        return page(request, "signin.html", 401, error=f"Sign-in failed: {done.failure}.",
                    username=username)
    start_session(request, done.user)
    return RedirectResponse("/scan", status_code=303)


@router.post("/signout")
async def signout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, csrf_token):
        return HTMLResponse(STALE, status_code=403)
    end_session(request)
    return to_signin()


async def _scan_page(request: Request, session, user: StaffUser, status: int = 200,
                     result: VerifyOut | None = None, error: str | None = None) -> HTMLResponse:
    stations = [s.name for s, _ in await staff.list_stations(session)]
    recent = await scans.recent_scans(session, 10, user.id)
    verdict = VERDICTS[result.verdict] if result else None
    return page(request, "scan.html", status, user=user, stations=stations,
                station=request.session.get("station"), recent=recent, result=result,
                verdict=verdict, verdicts=VERDICTS, error=error)


@router.get("/scan", response_class=HTMLResponse)
async def scan_form(request: Request, session: SessionDep) -> Response:
    user = await session_staff(session, request)
    return to_signin() if user is None else await _scan_page(request, session, user)


@router.post("/scan", response_class=HTMLResponse)
async def scan_text(request: Request, session: SessionDep,
                    text: Annotated[str, Form(max_length=1000)] = "",
                    station: Annotated[str, Form(max_length=100)] = "",
                    csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    if not csrf_ok(request, csrf_token):
        return await _scan_page(request, session, user, 403, error=STALE)
    if not text.strip():
        return await _scan_page(request, session, user, 422, error="Scan a code or type one first.")
    request.session["station"] = station or None
    done = await scans.verify_text(session, request.app.state.settings.operator_gln, text,
                                   station or None, staff.staff_actor(user))
    return await _scan_page(request, session, user, result=VerifyOut.of(done))


@router.post("/scan/image", response_class=HTMLResponse)
async def scan_image(request: Request, session: SessionDep,
                     image: Annotated[UploadFile, File()],
                     station: Annotated[str, Form(max_length=100)] = "",
                     csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    if not csrf_ok(request, csrf_token):
        return await _scan_page(request, session, user, 403, error=STALE)
    request.session["station"] = station or None
    data = await image.read(scans.MAX_IMAGE_BYTES + 1)
    done = await scans.verify_image(session, request.app.state.settings.operator_gln, data,
                                    station or None, staff.staff_actor(user))
    return await _scan_page(request, session, user, result=VerifyOut.of(done))
