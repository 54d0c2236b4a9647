"""SQL for scans: the unit a scanned key names, its open exceptions, stored scans."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CustodyException, Location, Product, Scan, Unit

_UNIT = (
    select(Unit.id, Unit.identifier, Unit.status, Unit.lot, Unit.expiry, Unit.custodian_id,
           Unit.destination_id, Location.sgln.label("location"),
           Product.proprietary_name.label("product"))
    .outerjoin(Location, Location.id == Unit.location_id)
    .outerjoin(Product, Product.gtin == Unit.gtin)
)


async def unit_by_key(session: AsyncSession, gtin: str | None, serial: str | None,
                      sscc: str | None) -> RowMapping | None:
    """The unit whose GS1 key is ``(gtin, serial)`` or ``sscc`` (one indexed lookup)."""
    where = Unit.sscc == sscc if sscc else (Unit.gtin == gtin) & (Unit.serial == serial)
    return (await session.execute(_UNIT.where(where))).mappings().first()


async def prefix_length(session: AsyncSession, gtin: str) -> int | None:
    """The company prefix length its master data gives a GTIN (to spell its EPC)."""
    return await session.scalar(select(Product.company_prefix_length).where(Product.gtin == gtin))


async def open_exceptions(session: AsyncSession, unit_id: int) -> list[str]:
    """Reason codes of the unit's open custody exceptions."""
    query = select(CustodyException.reason_code).where(
        CustodyException.unit_id == unit_id, CustodyException.status == "open"
    ).order_by(CustodyException.id)
    return list(await session.scalars(query))


async def add_scan(session: AsyncSession, scan: Scan) -> Scan:
    session.add(scan)
    await session.flush()
    return scan


async def recent(session: AsyncSession, limit: int, staff_id: int | None = None) -> Sequence[Scan]:
    """The last ``limit`` scans, newest first (of one staff member when ``staff_id``)."""
    query = select(Scan).order_by(Scan.id.desc()).limit(limit)
    if staff_id is not None:
        query = query.where(Scan.staff_id == staff_id)
    return (await session.scalars(query)).all()
