"""SQL for trading partners."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import TradingPartner

_FULL = (
    selectinload(TradingPartner.glns),
    selectinload(TradingPartner.licences),
    selectinload(TradingPartner.locations),
    selectinload(TradingPartner.principals).selectinload(TradingPartner.glns),
)


async def list_partners(session: AsyncSession) -> list[TradingPartner]:
    """Every partner with identifiers, licences and locations loaded, by id."""
    rows = await session.scalars(select(TradingPartner).options(*_FULL).order_by(TradingPartner.id))
    return list(rows)


async def get_partner(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    """One partner with its details, or None."""
    query = select(TradingPartner).options(*_FULL).where(TradingPartner.id == partner_id)
    return await session.scalar(query)
