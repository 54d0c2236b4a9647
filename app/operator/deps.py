"""``Staff``: the one dependency for acting as the operator (quarantine, investigations, recalls).

Today an operator key (issued to no partner) with the ``admin`` scope; staff sessions widen
this dependency, and every route that acts for the operator follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep, SettingsDep
from app.errors import Forbidden
from app.operator.service import Operator, operator

ADMIN = require("admin")


@dataclass(frozen=True)
class Acting:
    """Who acts (as the audit names them) and the operator they act for."""

    actor: str
    operator: Operator


async def _acting(session: SessionDep, settings: SettingsDep, caller: Caller = ADMIN) -> Acting:
    if caller.partner_id is not None:
        raise Forbidden(f"API key ck_{caller.prefix}_... belongs to a trading partner: only the "
                        "operator's staff and operator keys act for the operator",
                        required="operator key")
    return Acting(caller.actor, await operator(session, settings.operator_gln))


Staff = Annotated[Acting, Depends(_acting)]
