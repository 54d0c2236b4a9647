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


def require(scope: Scope | str, *, optional: bool = False):
    """A dependency giving the :class:`Caller`; 401 without a valid key, 403 without ``scope``.

    A ``regulator`` key may query (read every partner's events and units) without ``query``.
    With ``optional`` (public reads that show more to a key) a request without
    ``Authorization``, or with a valid key lacking ``scope``, gets ``None``; an invalid key
    is still a 401.
    """
    scope = Scope(scope)

    async def dependency(
        session: SessionDep,
        request: Request,
        _: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,  # for /docs
    ) -> Caller | None:
        header = request.headers.get("authorization")
        if optional and header is None:
            return None
        caller = await authenticate(session, header)
        implied = scope is Scope.QUERY and Scope.REGULATOR.value in caller.scopes
        if scope.value not in caller.scopes and not implied:
            if optional:
                return None
            held = ", ".join(sorted(caller.scopes))
            raise Forbidden(
                f"API key ck_{caller.prefix}_... lacks scope {scope.value!r}; it has {held}",
                required=scope.value,
            )
        return caller

    return Depends(dependency)
