"""``require(scope)``: authenticate the bearer key and insist on one scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.keys import Scope
from app.auth.service import Caller, authenticate
from app.deps import SessionDep
from app.errors import Forbidden

bearer = HTTPBearer(auto_error=False, description="An API key: `ck_<prefix>_<secret>`")


def require(scope: Scope | str):
    """A dependency giving the :class:`Caller`; 401 without a valid key, 403 without ``scope``.

    A ``regulator`` key may query (read every partner's events and units) without ``query``.
    """
    scope = Scope(scope)

    async def dependency(
        session: SessionDep,
        request: Request,
        _: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,  # for /docs
    ) -> Caller:
        caller = await authenticate(session, request.headers.get("authorization"))
        implied = scope is Scope.QUERY and Scope.REGULATOR.value in caller.scopes
        if scope.value not in caller.scopes and not implied:
            held = ", ".join(sorted(caller.scopes))
            raise Forbidden(
                f"API key ck_{caller.prefix}_... lacks scope {scope.value!r}; it has {held}",
                required=scope.value,
            )
        return caller

    return Depends(dependency)
