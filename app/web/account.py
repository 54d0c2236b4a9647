"""``/account/keys``: a signed-in staff member issues and revokes their own personal API keys.

A new key is shown once, on the page that issued it; only its hash is kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.deps import SessionDep
from app.errors import CustodyError
from app.models import StaffUser
from app.staff import keys
from app.staff.deps import csrf_ok, session_staff
from app.staff.roles import permissions_of
from app.web.pages import STALE, page, to_signin

router = APIRouter(include_in_schema=False)


async def _keys_page(request: Request, session, user: StaffUser, status: int = 200,
                     **context) -> HTMLResponse:
    held = sorted(permissions_of(user.roles))
    return page(request, "account_keys.html", status, user=user, held=held,
                keys=await keys.staff_keys(session, user), **context)


@router.get("/account/keys", response_class=HTMLResponse)
async def my_keys(request: Request, session: SessionDep) -> Response:
    user = await session_staff(session, request)
    return to_signin() if user is None else await _keys_page(request, session, user)


@router.post("/account/keys", response_class=HTMLResponse)
async def issue_key(request: Request, session: SessionDep,
                    name: Annotated[str, Form(max_length=200)] = "",
                    csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    if not csrf_ok(request, csrf_token):
        return await _keys_page(request, session, user, 403, error=STALE)
    try:
        key, plaintext = await keys.issue_staff_key(session, user.username, [], name,
                                                    f"staff:{user.username}")
    except CustodyError as err:
        return await _keys_page(request, session, user, err.status, error=err.detail)
    return await _keys_page(request, session, user, 201, new_key=plaintext, new_prefix=key.prefix)


@router.post("/account/keys/{prefix}/revoke", response_class=HTMLResponse)
async def revoke_key(request: Request, session: SessionDep, prefix: str,
                     csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    if not csrf_ok(request, csrf_token):
        return await _keys_page(request, session, user, 403, error=STALE)
    try:
        await keys.revoke_own_key(session, user, prefix[:20])
    except CustodyError as err:
        return await _keys_page(request, session, user, err.status, error=err.detail)
    return await _keys_page(request, session, user, revoked=prefix)
