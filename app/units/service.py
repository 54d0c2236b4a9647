"""Unit reads: a unit's state and hops, for the callers allowed to see them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Caller
from app.errors import NotFound
from app.units import repository


@dataclass(frozen=True)
class UnitView:
    """A unit's columns (as :func:`repository.get_unit` reads them) and its hops in order."""

    unit: Mapping[str, Any]
    hops: list[dict[str, Any]]


async def visible_unit(session: AsyncSession, caller: Caller, identifier: str) -> Mapping[str, Any]:
    """The unit, if ``caller`` may see it: its custodian, the partner it is in transit to, or
    a partner named on its chain (regulators and admins see every unit).

    A unit the caller may not see is :class:`NotFound` exactly as one that does not exist:
    same status, same body, same query.
    """
    unit = await repository.get_unit(
        session, identifier, caller.partner_id, caller.sees_everything
    )
    if unit is None:
        raise NotFound(f"no unit {identifier} visible to this key", field="identifier")
    return unit


async def get_unit(session: AsyncSession, caller: Caller, identifier: str) -> UnitView:
    """The unit and its hops, if ``caller`` may see it (see :func:`visible_unit`)."""
    unit = await visible_unit(session, caller, identifier)
    return UnitView(unit, await repository.hops(session, identifier))
