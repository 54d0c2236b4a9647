"""``acting(permission)``: the one dependency for acting as the operator (quarantine,
investigations, recalls).

A signed-in staff member (session cookie with its CSRF token), a staff member's personal
key, or an operator key (issued to no partner) with the ``admin`` scope; the staff member's
roles must grant ``permission`` (``app.staff.roles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from app.deps import SessionDep, SettingsDep
from app.operator.service import Operator, operator
from app.staff.deps import permitted
from app.staff.roles import Permission
from app.staff.service import Actor


@dataclass(frozen=True)
class Acting:
    """Who acts (as the audit names them), their staff id if any, and the operator."""

    actor: str
    operator: Operator
    staff_id: int | None = None


def acting(permission: Permission, *also: Permission):
    """A dependency giving :class:`Acting` for callers that hold ``permission`` (and ``also``)."""
    who = permitted(permission, *also)

    async def dependency(session: SessionDep, settings: SettingsDep, actor: Actor = who) -> Acting:
        return Acting(actor.label, await operator(session, settings.operator_gln), actor.staff_id)

    return Depends(dependency)


INVESTIGATE = acting(Permission.INVESTIGATE)
QUARANTINE = acting(Permission.QUARANTINE)
RELEASE = acting(Permission.RELEASE)
RECALL = acting(Permission.RECALL)

Staff = Annotated[Acting, acting(*Permission)]
"""For a route that names no permission yet: callers holding every one (admin staff, operator
admin keys), as before roles existed. Prefer ``acting(Permission.X)``."""
