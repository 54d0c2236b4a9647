"""SQL for units: one unit with its custodian, destination, location, container and hops."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CustodyHop, Location, PartnerGln, Unit


async def get_unit(session: AsyncSession, identifier: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.identifier == identifier))


async def identifier_of(session: AsyncSession, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    return await session.scalar(select(Unit.identifier).where(Unit.id == unit_id))


async def count_contents(session: AsyncSession, unit_id: int) -> int:
    return await session.scalar(select(func.count()).where(Unit.parent_id == unit_id))


async def location_sgln(session: AsyncSession, location_id: int | None) -> str | None:
    if location_id is None:
        return None
    return await session.scalar(select(Location.sgln).where(Location.id == location_id))


async def partner_glns(session: AsyncSession, partner_id: int) -> list[str]:
    return list(await session.scalars(select(PartnerGln.gln).where(PartnerGln.partner_id == partner_id)))


async def hops(session: AsyncSession, identifier: str) -> list[CustodyHop]:
    q = select(CustodyHop).where(CustodyHop.unit == identifier).order_by(CustodyHop.seq)
    return list(await session.scalars(q))
