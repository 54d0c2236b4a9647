"""SQL for the operator: its partner row and its first site."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Location, PartnerGln, TradingPartner


async def partner_of(session: AsyncSession, gln: str) -> Row | None:
    """``(id, legal_name)`` of the partner holding ``gln``, or None."""
    return (await session.execute(
        select(TradingPartner.id, TradingPartner.legal_name)
        .join(PartnerGln, PartnerGln.partner_id == TradingPartner.id).where(PartnerGln.gln == gln)
    )).first()


async def first_site(session: AsyncSession, partner_id: int) -> str | None:
    """The SGLN of the partner's first location, or None."""
    return await session.scalar(
        select(Location.sgln).where(Location.partner_id == partner_id).order_by(Location.id).limit(1))
