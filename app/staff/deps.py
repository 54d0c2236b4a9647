"""Who is acting for the operator: a staff session (signed cookie) or an operator key.

The session cookie (Starlette's ``SessionMiddleware``: itsdangerous-signed, HttpOnly,
SameSite=Lax) holds the staff id, a stamp of the password hash (a password change or
another hash ends the session) and the session's CSRF token. Every state-changing request
made with the cookie must carry that token: form field ``csrf_token`` or header
``X-CSRF-Token``. Requests with an API key carry no cookie authority and need no token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import bearer
from app.auth.service import Caller, authenticate
from app.deps import SessionDep
from app.errors import Forbidden, Unauthorized
from app.models import StaffUser
from app.staff.keys import key_permissions
from app.staff.roles import ACTIONS, Permission, roles_with
from app.staff.service import Actor, active_staff, password_stamp, staff_actor

CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"
SIGN_IN = ("sign in at /signin, or send your personal API key or an operator API key with "
           "scope 'admin' (Authorization: Bearer ck_<prefix>_<secret>)")


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use; a sign-in replaces it)."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def csrf_ok(request: Request, given: str | None) -> bool:
    """True when ``given`` is this session's CSRF token."""
    expected = request.session.get("csrf")
    if not (isinstance(expected, str) and expected and given):
        return False
    return hmac.compare_digest(expected, given)


def start_session(request: Request, user: StaffUser) -> None:
    """A fresh session for ``user``: nothing carried over from before sign-in (no fixation)."""
    request.session.clear()
    request.session.update(staff=user.id, stamp=password_stamp(user))
    csrf_token(request)


def end_session(request: Request) -> None:
    request.session.clear()


async def session_staff(session: AsyncSession, request: Request) -> StaffUser | None:
    """The signed-in staff member, or None (a disabled account's session is ended)."""
    staff_id, stamp = request.session.get("staff"), request.session.get("stamp")
    if not isinstance(staff_id, int) or not isinstance(stamp, str):
        return None
    user = await active_staff(session, staff_id, stamp)
    if user is None:
        end_session(request)
    return user


async def _operator_actor(
    session: SessionDep,
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,  # for /docs
) -> Actor:
    header = request.headers.get("authorization")
    if header:
        return key_actor(await authenticate(session, header))
    user = await session_staff(session, request)
    if user is None:
        raise Unauthorized(f"not signed in; {SIGN_IN}")
    if request.method not in ("GET", "HEAD") and not csrf_ok(
        request, request.headers.get(CSRF_HEADER)
    ):
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header: a request made with the staff "
                        "session cookie must carry the session's CSRF token")
    return staff_actor(user)


def key_actor(caller: Caller) -> Actor:
    """Who a key acts as: its staff member (their roles, narrowed by the key), or the operator
    with every permission (an operator key with ``admin``); any other key is refused."""
    if caller.staff is not None:
        return staff_actor(caller.staff, key_permissions(caller.scopes, caller.staff.roles))
    if caller.partner_id is not None:
        raise Forbidden(f"API key ck_{caller.prefix}_... belongs to a trading partner; only the "
                        "operator's staff and admin keys may do this", required="operator key")
    if "admin" not in caller.scopes:
        raise Forbidden(f"API key ck_{caller.prefix}_... is not an operator key with scope "
                        "'admin'; only the operator's staff and admin keys may do this",
                        required="admin")
    return Actor(caller.actor, None, frozenset(Permission), ("operator key",))


def permitted(permission: Permission, *also: Permission):
    """A dependency giving the :class:`Actor` (session or key) when they hold ``permission``
    (and every one of ``also``); 401 for nobody, 403 naming the roles that grant it otherwise."""

    wanted = (permission, *also)

    async def dependency(actor: Annotated[Actor, Depends(_operator_actor)]) -> Actor:
        for each in wanted:
            if each in actor.permissions:
                continue
            needed = roles_with(each)
            raise Forbidden(
                f"{actor.label} ({', '.join(actor.roles)}) may not {ACTIONS[each]}: that "
                f"needs the role {' or '.join(needed)}", required=list(needed),
                permission=each.value)
        return actor

    return Depends(dependency)


Scanner = Annotated[Actor, permitted(Permission.SCAN)]
Shipper = Annotated[Actor, permitted(Permission.SHIP)]
Receiver = Annotated[Actor, permitted(Permission.RECEIVE)]
CaseWorker = Annotated[Actor, permitted(Permission.CASES)]
Tracer = Annotated[Actor, permitted(Permission.TRACE)]
"""The acting staff member or operator key, holding the permission named (401/403 otherwise)."""
