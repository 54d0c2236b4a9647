"""SQL for printables: who ships and receives, what the units are, where stock lies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dialect import in_values
from app.models import CompanyPrefix, Location, PartnerGln, Product, TradingPartner, Unit
from app.models.shipments import CaseUnit
from app.models.units import UnitStatus

IN_STOCK = (UnitStatus.COMMISSIONED, UnitStatus.RECEIVED, UnitStatus.RETURNED)


async def partner(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    return await session.get(TradingPartner, partner_id)


async def first_gln(session: AsyncSession, partner_id: int) -> str | None:
    return await session.scalar(select(PartnerGln.gln).where(PartnerGln.partner_id == partner_id)
                                .order_by(PartnerGln.gln).limit(1))


async def location(session: AsyncSession, location_id: int) -> Location | None:
    return await session.get(Location, location_id)


async def prefixes(session: AsyncSession, partner_id: int) -> list[str]:
    return list(await session.scalars(select(CompanyPrefix.prefix).where(
        CompanyPrefix.partner_id == partner_id)))


async def units(session: AsyncSession, identifiers: Sequence[str]) -> Sequence[Row]:
    """Each unit's identifier, serial, lot, expiry and product (name, NDC) when known."""
    if not identifiers:
        return []
    query = (select(Unit.identifier, Unit.gtin, Unit.serial, Unit.lot, Unit.expiry,
                    Product.proprietary_name, Product.strength, Product.ndc)
             .outerjoin(Product, Product.gtin == Unit.gtin)
             .where(in_values(session, Unit.identifier, list(identifiers))))
    return (await session.execute(query)).all()


async def stock(session: AsyncSession, custodian_id: int, today: date,
                limit: int) -> Sequence[Row]:
    """Saleable packages the custodian holds outside any case, by product, lot and site,
    earliest expiry first (FEFO)."""
    packed = select(CaseUnit.unit_id).where(CaseUnit.active)
    query = (select(Unit.gtin, Unit.lot, Unit.expiry, Product.proprietary_name,
                    Product.strength, Product.ndc, Location.name,
                    func.count().label("quantity"))
             .outerjoin(Product, Product.gtin == Unit.gtin)
             .outerjoin(Location, Location.id == Unit.location_id)
             .where(Unit.custodian_id == custodian_id, Unit.kind == "sgtin",
                    Unit.status.in_(IN_STOCK), Unit.parent_id.is_(None),
                    (Unit.expiry.is_(None)) | (Unit.expiry >= today),
                    Unit.id.not_in(packed))
             .group_by(Unit.gtin, Unit.lot, Unit.expiry, Product.proprietary_name,
                       Product.strength, Product.ndc, Location.name)
             .order_by(Unit.expiry.is_(None), Unit.expiry, Unit.gtin, Unit.lot).limit(limit))
    return (await session.execute(query)).all()
