"""Unit reads: a unit's state and hops, for the callers allowed to see them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Caller
from app.errors import NotFound
from app.ingest.identifiers import to_urn
from app.units import repository
from epcis.dl import normalise


@dataclass(frozen=True)
class UnitView:
    """A unit's columns (as :func:`repository.get_unit` reads them) and its hops in order."""

    unit: RowMapping
    hops: list[dict[str, Any]]


def spellings(identifier: str) -> list[str]:
    """The identifiers a unit named by ``identifier`` may be stored under.

    An EPC URN is itself. A GS1 Digital Link (``https://id.gs1.org/01/<GTIN>/21/<serial>``,
    ``/00/<SSCC>``) is stored as the EPC URN its company prefix gives, which the link does not
    say: one URN per prefix length (6 to 12 digits), and the link as written for a unit whose
    prefix was unknown at capture.

    >>> spellings("https://id.gs1.org/00/003123450000000011")[:2]
    ['https://id.gs1.org/00/003123450000000011', 'urn:epc:id:sscc:031234.05000000001']
    """
    if not identifier.startswith("http"):
        return [identifier]
    link = normalise(identifier) or identifier
    urns = (to_urn(link, _always(n)) for n in range(6, 13))
    return list(dict.fromkeys((identifier, link, *urns)))


def _always(length: int) -> Callable[[str, str], int]:
    """A company prefix length lookup that answers ``length`` for every key."""
    return lambda kind, key: length


async def visible_unit(session: AsyncSession, caller: Caller, identifier: str) -> RowMapping:
    """The unit named by ``identifier`` (an EPC URN or a GS1 Digital Link), if ``caller`` may
    see it: its custodian, the partner it is in transit to, or a partner named on its chain
    (regulators and admins see every unit).

    A unit the caller may not see is :class:`NotFound` exactly as one that does not exist:
    same status, same body, same query.
    """
    unit = await repository.get_unit(
        session, spellings(identifier), caller.partner_id, caller.sees_everything
    )
    if unit is None:
        raise NotFound(f"no unit {identifier} visible to this key", field="identifier")
    return unit


async def get_unit(session: AsyncSession, caller: Caller, identifier: str) -> UnitView:
    """The unit and its hops, if ``caller`` may see it (see :func:`visible_unit`)."""
    unit = await visible_unit(session, caller, identifier)
    return UnitView(unit, await repository.hops(session, unit["identifier"]))
