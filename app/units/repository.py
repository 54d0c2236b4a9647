"""SQL for units: one unit with its location, container and contents count, and its hops."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
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


async def get_unit(session: AsyncSession, identifiers: list[str]) -> RowMapping | None:
    """The first unit stored under one of ``identifiers``, with ``location`` (SGLN),
    ``container`` and ``contents``: one query."""
    query = _UNIT.where(Unit.identifier.in_(identifiers)).order_by(Unit.id)
    return (await session.execute(query)).mappings().first()


async def partner_glns(session: AsyncSession, partner_id: int) -> list[str]:
    return list(await session.scalars(select(PartnerGln.gln).where(PartnerGln.partner_id == partner_id)))


async def hops(session: AsyncSession, identifier: str) -> list[dict[str, Any]]:
    """The unit's hops in chain order, as the summary shows them."""
    q = select(*_HOP_COLUMNS).where(CustodyHop.unit == identifier).order_by(CustodyHop.seq)
    return [dict(row) for row in (await session.execute(q)).mappings()]
