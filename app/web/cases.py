"""Staff pages for named-patient cases and follow-ups, and the receiver's one-off confirmation
page (no account: the signed link is the authority). Cases and follow-ups need the ``cases``
permission, as their API routes do.

Patient data shows only for pharmacists and admins, only when asked for (``?patient=1``), and
each showing is audited in ``vault_access``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cases import service as cases
from app.cases.router import case_out, commitment_of
from app.cases.schemas import AuthorizationIn, FollowUpOut
from app.delivery import service as delivery
from app.delivery.router import confirm_with, secret
from app.delivery.schemas import ConfirmationIn
from app.deps import RowId, SessionDep
from app.errors import CustodyError, ValidationFailed
from app.models import CaseStatus, StaffUser
from app.models.base import utcnow
from app.staff.deps import csrf_ok
from app.staff.roles import Permission
from app.staff.service import staff_actor
from app.vault import service as vault
from app.vault.keys import load_keyring
from app.web import coldchain
from app.web.pages import STALE, holding, may, page

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]


def _reader(user: StaffUser) -> vault.Reader:
    return vault.Reader(staff_actor(user).label, frozenset(user.roles))


@router.get("/staff/cases", response_class=HTMLResponse)
async def case_list(request: Request, session: SessionDep) -> Response:
    user = await holding(request, session, Permission.CASES)
    if isinstance(user, Response):
        return user
    rows = [(c, await cases.remaining(session, c), await cases.receiver_name(session, c))
            for c in await cases.list_cases(session)]
    return page(request, "cases.html", user=user, rows=rows)


async def _case_page(request: Request, session, user: StaffUser, ref: str, status: int = 200,
                     error: str | None = None, issued: str | None = None,
                     show_patient: bool = False) -> Response:
    case = await cases.get(session, ref)
    patient = None
    if show_patient and vault.may_read(frozenset(user.roles)):
        try:
            patient = await vault.read_patient(session, load_keyring(request.app.state.settings),
                                               case, _reader(user))
        except CustodyError as exc:
            error = exc.detail
    from app.adverse import service as adverse

    events = (await adverse.of_case(session, case.ref, _reader(user))
              if may(user, Permission.ADVERSE) else None)
    return page(request, "case.html", status, user=user, case=await case_out(session, case),
                links=await delivery.links_of(session, case), issued=issued, error=error,
                adverse_events=events, cold=await coldchain.of_case(session, case),
                patient=patient, may_read=vault.may_read(frozenset(user.roles)), today=utcnow().date())


@router.get("/staff/cases/{ref}", response_class=HTMLResponse)
async def case_page(request: Request, session: SessionDep, ref: str, patient: int = 0) -> Response:
    user = await holding(request, session, Permission.CASES)
    if isinstance(user, Response):
        return user
    return await _case_page(request, session, user, ref, show_patient=bool(patient))


@router.post("/staff/cases/{ref}/{action}", response_class=HTMLResponse)
async def case_action(request: Request, session: SessionDep, ref: str, action: str,
                      csrf_token: Annotated[str, Form()] = "",
                      authorization_ref: Annotated[str, Form(max_length=100)] = "",
                      issued: Annotated[str, Form(max_length=10)] = "",
                      expires: Annotated[str, Form(max_length=10)] = "",
                      identifiers: Text = "", status: Annotated[str, Form(max_length=20)] = "",
                      note: Text = "") -> Response:
    user = await holding(request, session, Permission.CASES)
    if isinstance(user, Response):
        return user
    if not csrf_ok(request, csrf_token):
        return await _case_page(request, session, user, ref, 403, STALE)
    actor, settings = staff_actor(user).label, request.app.state.settings
    try:
        async with session.begin_nested():
            token = await _act(session, settings, ref, action, actor, authorization_ref, issued,
                               expires, identifiers, status, note)
    except CustodyError as exc:
        return await _case_page(request, session, user, ref, exc.status, exc.detail)
    if token:
        url = str(request.url_for("confirm_page", token=token))
        return await _case_page(request, session, user, ref, issued=url)
    return RedirectResponse(f"/staff/cases/{ref}", status_code=303)


async def _act(session, settings, ref: str, action: str, actor: str, authorization_ref: str,
               issued: str, expires: str, identifiers: str, status: str, note: str) -> str | None:
    """Do a case page's form action; the confirmation link's token when one is issued."""
    if action == "authorize":
        try:
            auth = AuthorizationIn(authorization_ref=authorization_ref,
                                   authorization_issued=date.fromisoformat(issued),
                                   authorization_expires=date.fromisoformat(expires)).value()
        except ValueError:
            raise ValidationFailed("authorization: expected a reference and issue and expiry "
                                         "dates (YYYY-MM-DD)", field="authorization_ref") from None
        await cases.authorize(session, ref, auth, actor)
    elif action == "link":
        case = await cases.get(session, ref)
        await cases.link_shipment(session, ref, identifiers.split(), actor,
                                  await commitment_of(session, settings, case))
    elif action == "status":
        await cases.transition(session, ref, CaseStatus(status), actor, note or None)
    elif action == "confirmation-link":
        return (await delivery.issue_link(session, ref, actor, secret(settings)))[1]
    else:
        raise cases.CaseNotFound(f"action {action[:30]!r}: expected authorize, link, status or "
                                 "confirmation-link")
    return None


@router.get("/follow-ups", response_class=HTMLResponse)
async def follow_ups(request: Request, session: SessionDep) -> Response:
    user = await holding(request, session, Permission.CASES)
    if isinstance(user, Response):
        return user
    now = utcnow()
    rows = [FollowUpOut.of(f, ref, now) for f, ref in await delivery.follow_ups(session)]
    return page(request, "follow_ups.html", user=user, rows=rows)


@router.post("/follow-ups/{follow_up_id}/page", response_class=HTMLResponse)
async def follow_up_action(request: Request, session: SessionDep, follow_up_id: RowId,
                           csrf_token: Annotated[str, Form()] = "",
                           action: Annotated[str, Form(max_length=10)] = "",
                           outcome: Text = "") -> Response:
    user = await holding(request, session, Permission.CASES)
    if isinstance(user, Response):
        return user
    if not csrf_ok(request, csrf_token):
        return HTMLResponse(STALE, status_code=403)
    actor = staff_actor(user).label
    try:
        async with session.begin_nested():
            await delivery.update_follow_up(session, follow_up_id, actor,
                                            owner=actor if action == "take" else None,
                                            done=action == "done", outcome=outcome)
    except CustodyError as exc:
        now = utcnow()
        rows = [FollowUpOut.of(f, ref, now) for f, ref in await delivery.follow_ups(session)]
        return page(request, "follow_ups.html", exc.status, user=user, rows=rows, error=exc.detail)
    return RedirectResponse("/follow-ups", status_code=303)


@router.get("/confirm/{token}", response_class=HTMLResponse, name="confirm_page")
async def confirm_page(request: Request, session: SessionDep, token: str) -> Response:
    try:
        _, case = await delivery.open_link(session, token[:300], secret(request.app.state.settings))
    except CustodyError as exc:
        return page(request, "confirm.html", exc.status, unusable=exc.detail)
    return page(request, "confirm.html", case_ref=case.ref, token=token)


@router.post("/confirm/{token}/page", response_class=HTMLResponse)
async def confirm_form(request: Request, session: SessionDep, token: str,
                       csrf_token: Annotated[str, Form()] = "",
                       confirmer_name: Annotated[str, Form(max_length=200)] = "",
                       confirmer_role: Annotated[str, Form(max_length=200)] = "",
                       institution: Annotated[str, Form(max_length=200)] = "",
                       condition: Annotated[str, Form(max_length=20)] = "",
                       storage_ok: Annotated[str, Form(max_length=5)] = "",
                       storage_note: Annotated[str, Form(max_length=1000)] = "") -> Response:
    if not csrf_ok(request, csrf_token):
        return page(request, "confirm.html", 403, token=token, error=STALE)
    try:
        body = ConfirmationIn(confirmer_name=confirmer_name, confirmer_role=confirmer_role,
                              institution=institution, condition=condition or "intact",
                              storage_ok=storage_ok == "yes", storage_note=storage_note)
    except ValueError:
        return page(request, "confirm.html", 422, token=token,
                    error="Please fill in your name, role, institution and the condition.")
    try:
        async with session.begin_nested():
            done = await confirm_with(session, request.app.state.settings, token[:300], body)
    except CustodyError as exc:
        return page(request, "confirm.html", exc.status, token=token, error=exc.detail)
    return page(request, "confirm.html", done=done)
