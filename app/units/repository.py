"""SQL for units: one unit with its location, container and contents count, and its hops."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models import CustodyHop, Location, PartnerGln, Unit

_container, _content = aliased(Unit), aliased(Unit)
_HOP_COLUMNS = (CustodyHop.seq, CustodyHop.kind, CustodyHop.from_party, CustodyHop.to_party,
                CustodyHop.location, CustodyHop.time, CustodyHop.event_hash)
_UNIT = (
    select(
        *(Unit.__table__.c[name] for name in ("identifier", "kind", "gtin", "serial", "lot",
                                              "expiry", "status", "custodian_id", "destination_id")),
        Location.sgln.label("location"),
        _container.identifier.label("container"),
        select(func.count()).where(_content.parent_id == Unit.id).scalar_subquery().label("contents"),
    )
    .outerjoin(Location, Location.id == Unit.location_id)
    .outerjoin(_container, _container.id == Unit.parent_id)
)


def visible_to(partner_id: int | None):
    """Units ``partner_id`` may see: it holds it, it is in transit to it, or a hop names it."""
    if partner_id is None:
        return false()
    glns = select(PartnerGln.gln).where(PartnerGln.partner_id == partner_id)
    named = exists().where(
        CustodyHop.unit == Unit.identifier,
        or_(CustodyHop.from_party.in_(glns), CustodyHop.to_party.in_(glns)),
    )
    return or_(Unit.custodian_id == partner_id, Unit.destination_id == partner_id, named)


async def get_unit(
    session: AsyncSession, identifiers: list[str], partner_id: int | None, everything: bool
) -> RowMapping | None:
    """The first unit stored under one of ``identifiers`` that ``partner_id`` may see
    (``everything``: any), with ``location`` (SGLN), ``container`` and ``contents``. One query
    whether or not the unit exists, so a unit that is not the caller's answers like none.
    """
    query = _UNIT.where(Unit.identifier.in_(identifiers)).order_by(Unit.id)
    if not everything:
        query = query.where(visible_to(partner_id))
    return (await session.execute(query)).mappings().first()


async def hops(session: AsyncSession, identifier: str) -> list[dict[str, Any]]:
    """The unit's hops in chain order, as the summary shows them."""
    q = select(*_HOP_COLUMNS).where(CustodyHop.unit == identifier).order_by(CustodyHop.seq)
    return [dict(row) for row in (await session.execute(q)).mappings()]
