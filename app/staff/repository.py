"""SQL for staff accounts and scan stations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Location, PartnerGln, ScanStation, StaffUser


async def by_username(session: AsyncSession, username: str, *, lock: bool = False) -> StaffUser | None:
    """The account named ``username``; ``lock`` takes a row lock (sign-in counts failures)."""
    query = select(StaffUser).where(StaffUser.username == username)
    return await session.scalar(query.with_for_update() if lock else query)


async def staff_list(session: AsyncSession) -> Sequence[StaffUser]:
    return (await session.scalars(select(StaffUser).order_by(StaffUser.username))).all()


async def partner_by_gln(session: AsyncSession, gln: str) -> int | None:
    """The id of the partner holding party GLN ``gln``."""
    return await session.scalar(select(PartnerGln.partner_id).where(PartnerGln.gln == gln))


async def location_by_sgln(session: AsyncSession, sgln: str) -> Location | None:
    return await session.scalar(select(Location).where(Location.sgln == sgln))


async def station_by_name(session: AsyncSession, name: str) -> tuple[ScanStation, str] | None:
    """The station named ``name`` with its site's SGLN."""
    query = (select(ScanStation, Location.sgln)
             .join(Location, Location.id == ScanStation.location_id)
             .where(ScanStation.name == name))
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def stations(session: AsyncSession) -> list[tuple[ScanStation, str]]:
    """Every station with its site's SGLN, by name."""
    query = (select(ScanStation, Location.sgln)
             .join(Location, Location.id == ScanStation.location_id)
             .order_by(ScanStation.name))
    return [(s, sgln) for s, sgln in (await session.execute(query)).all()]
