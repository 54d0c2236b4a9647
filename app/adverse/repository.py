"""SQL for adverse events: the reports, the units they name, their custody hops."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import select_in
from app.models import AdverseEvent, Case, CustodyHop, Product, Unit

LOT_UNITS_MAX = 1_000
"""Units of a lot whose hops make a lot report's supplier chain (the chain repeats per unit)."""


async def unit(session: AsyncSession, identifier: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.identifier == identifier,
                                                   Unit.kind == "sgtin"))


async def lot_units(session: AsyncSession, gtin: str, lot: str,
                    limit: int = LOT_UNITS_MAX) -> Sequence[Unit]:
    return (await session.scalars(select(Unit).where(Unit.gtin == gtin, Unit.lot == lot,
                                                     Unit.kind == "sgtin")
                                  .order_by(Unit.id).limit(limit))).all()


async def hops(session: AsyncSession, units: Sequence[str]) -> list[CustodyHop]:
    query = select(CustodyHop).order_by(CustodyHop.time, CustodyHop.unit, CustodyHop.seq)
    found = [h for (h,) in await select_in(session, query, CustodyHop.unit, list(units))]
    return sorted(found, key=lambda h: (h.time, h.unit, h.seq))


async def of_case(session: AsyncSession, case_id: int) -> Sequence[AdverseEvent]:
    return (await session.scalars(select(AdverseEvent).where(AdverseEvent.case_id == case_id)
                                  .order_by(AdverseEvent.id))).all()


async def case_ref(session: AsyncSession, case_id: int) -> str:
    return (await session.scalar(select(Case.ref).where(Case.id == case_id))) or ""


async def product(session: AsyncSession, gtin: str) -> Product | None:
    return await session.get(Product, gtin)


async def of_lot(session: AsyncSession, gtin: str, lot: str, identifiers: Sequence[str]) -> list[str]:
    """Those of ``identifiers`` that are units of lot ``lot`` of ``gtin``."""
    query = select(Unit.identifier).where(Unit.gtin == gtin, Unit.lot == lot)
    return [i for (i,) in await select_in(session, query, Unit.identifier, list(identifiers))]
