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


async def get_unit(session: AsyncSession, caller: Caller, identifier: str) -> UnitView:
    """The unit, if ``caller`` may see it: its custodian, the partner it is in transit to, or
    a partner named on its chain (regulators and admins see every unit)."""
    unit = await repository.get_unit(session, identifier)
    hops = await repository.hops(session, identifier) if unit else []
    if unit and not caller.sees_everything and caller.partner_id not in (
        unit["custodian_id"], unit["destination_id"]
    ):
        mine = set(await repository.partner_glns(session, caller.partner_id))
        unit = unit if any({h["from_party"], h["to_party"]} & mine for h in hops) else None
    if unit is None:
        raise NotFound(f"no unit {identifier} visible to this key", field="identifier")
    return UnitView(unit, hops)
