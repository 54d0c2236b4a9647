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


def require(scope: Scope | str, *alternatives: Scope | str, optional: bool = False):
    """A dependency giving the :class:`Caller`; 401 without a valid key, 403 unless the key
    holds ``scope`` or one of ``alternatives`` (``require("query", "regulator")``: a regulator
    reads every partner's events without holding ``query``).

    With ``optional`` (public reads that show more to a key) a request without
    ``Authorization``, or with a valid key holding none of the scopes, gets ``None``; an
    invalid key is still a 401.
    """
    accepted = [Scope(s).value for s in (scope, *alternatives)]

    async def dependency(
        session: SessionDep,
        request: Request,
        _: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,  # for /docs
    ) -> Caller | None:
        header = request.headers.get("authorization")
        if optional and header is None:
            return None
        caller = await authenticate(session, header)
        if not caller.scopes.intersection(accepted):
            if optional:
                return None
            held = ", ".join(sorted(caller.scopes))
            wanted = " or ".join(repr(s) for s in accepted)
            raise Forbidden(
                f"API key ck_{caller.prefix}_... lacks scope {wanted}; it has {held}",
                required=accepted[0],
            )
        return caller

    return Depends(dependency)
