"""Staff pages: the audit trail (admins) and trace requests (admins, QA, pharmacists).

Reading either page is itself audited (``page.audit``, ``page.traces``); answering a trace
request from its page builds the answer from the ledger and records ``trace.answer``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.audit import service as audit
from app.audit.deps import OriginDep
from app.deps import INTEGER_MAX, SessionDep
from app.errors import CustodyError, ValidationFailed
from app.models import StaffUser
from app.models.base import utcnow
from app.staff.deps import csrf_ok, session_staff
from app.staff.roles import Permission
from app.staff.service import staff_actor
from app.traces import service as traces
from app.traces.calendar import is_overdue
from app.web.pages import STALE, page, refusal, to_signin

router = APIRouter(include_in_schema=False)


@router.get("/staff/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request, session: SessionDep, origin: OriginDep,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=50)] = None,
    object: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    page_token: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    if (refused := refusal(request, user, Permission.AUDIT)) is not None:
        return refused
    who = staff_actor(user)
    where = audit.Filter(actor or None, action or None, object or None)
    secret = request.app.state.settings.page_token_secret.get_secret_value().encode()
    try:
        where = audit.Filter(where.actor, where.action, where.object, _time("since", since),
                             _time("until", until))
        found = await audit.find(session, where, page_token or None, 50, secret, who.label)
    except CustodyError as bad:
        return page(request, "audit.html", bad.status, user=user, where=where, entries=[],
                    actions=audit.ACTIONS, error=bad.detail)
    await audit.record(session, who, "page.audit", "/staff/audit", origin)
    return page(request, "audit.html", user=user, where=where, entries=found.entries,
                next_token=found.next_token, actions=audit.ACTIONS)


def _time(name: str, value: str | None) -> datetime | None:
    """A form's time (``datetime-local``: no zone, read as UTC); empty is none."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{name}: expected a date and time like 2026-12-06T09:30, "
                               f"got {value!r}", field=name, found=value) from None


@router.get("/staff/trace-requests", response_class=HTMLResponse)
async def traces_page(request: Request, session: SessionDep, origin: OriginDep) -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    return refusal(request, user, Permission.TRACE) or await _traces(request, session, user, origin)


async def _traces(request: Request, session: SessionDep, user: StaffUser, origin: audit.Origin,
                  error: str | None = None, status: int = 200) -> HTMLResponse:
    """The list, overdue open requests first, then open ones by deadline, then answered."""
    who, now = staff_actor(user), utcnow()
    rows = await traces.listing(session, who)
    rows.sort(key=lambda r: (r.answered_at is not None,
                             not is_overdue(r.due_at, r.answered_at, now), r.due_at))
    await audit.record(session, who, "page.traces", "/staff/trace-requests", origin)
    return page(request, "traces.html", status, user=user, rows=rows,
                overdue=lambda r: is_overdue(r.due_at, r.answered_at, now), error=error)


@router.post("/staff/trace-requests/{request_id}/answer", response_class=HTMLResponse)
async def answer_from_page(request: Request, session: SessionDep, origin: OriginDep,
                           request_id: int,
                           csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    if (refused := refusal(request, user, Permission.TRACE)) is not None:
        return refused
    if not csrf_ok(request, csrf_token):
        return await _traces(request, session, user, origin, STALE, 403)
    if not 1 <= request_id <= INTEGER_MAX:
        return await _traces(request, session, user, origin, f"No trace request {request_id}.", 404)
    try:
        async with session.begin_nested():  # refused part-way: nothing of the answer stays
            await traces.answer(session, staff_actor(user), request_id, origin)
    except CustodyError as bad:
        return await _traces(request, session, user, origin, bad.detail, bad.status)
    return RedirectResponse(f"/staff/trace-requests#request-{request_id}", status_code=303)
