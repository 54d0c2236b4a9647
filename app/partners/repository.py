"""SQL for trading partners."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import (
    AuditEntry,
    CompanyPrefix,
    Licence,
    Location,
    PartnerGln,
    TradingPartner,
    Unit,
)

_FULL = (
    selectinload(TradingPartner.glns),
    selectinload(TradingPartner.prefixes),
    selectinload(TradingPartner.licences),
    selectinload(TradingPartner.locations),
    selectinload(TradingPartner.principals).selectinload(TradingPartner.glns),
)


async def list_partners(session: AsyncSession) -> list[TradingPartner]:
    """Every partner with identifiers, licences and locations loaded, by id."""
    rows = await session.scalars(select(TradingPartner).options(*_FULL).order_by(TradingPartner.id))
    return list(rows)


async def get_partner(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    """One partner with its details (as stored now, even if loaded before), or None."""
    query = (select(TradingPartner).options(*_FULL).where(TradingPartner.id == partner_id)
             .execution_options(populate_existing=True))
    return await session.scalar(query)


async def find_partner(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    """The partner row alone (no details loaded), or None."""
    return await session.get(TradingPartner, partner_id)


async def find_gln(session: AsyncSession, gln: str) -> PartnerGln | None:
    """The partner identifier ``gln``, or None."""
    return await session.get(PartnerGln, gln)


async def partner_glns(session: AsyncSession, partner_id: int) -> list[str]:
    """The GLNs a partner holds."""
    return list(await session.scalars(select(PartnerGln.gln).where(PartnerGln.partner_id == partner_id)))


async def first_gln_taken(
    session: AsyncSession, glns: Sequence[str], other_than: int | None = None
) -> PartnerGln | None:
    """One of ``glns`` that already identifies a partner (other than ``other_than``), or None."""
    query = select(PartnerGln).where(PartnerGln.gln.in_(glns))
    if other_than is not None:
        query = query.where(PartnerGln.partner_id != other_than)
    return await session.scalar(query.limit(1))


async def first_location_taken(
    session: AsyncSession, sglns: Sequence[str], other_than: int | None = None
) -> Location | None:
    """One of ``sglns`` that already belongs to a partner (other than ``other_than``), or None."""
    query = select(Location).where(Location.sgln.in_(sglns))
    if other_than is not None:
        query = query.where(Location.partner_id != other_than)
    return await session.scalar(query.limit(1))


async def units_at(session: AsyncSession, location_id: int) -> int:
    """How many units are at the location."""
    query = select(func.count()).where(Unit.location_id == location_id)
    return (await session.execute(query)).scalar_one()


async def audit(session: AsyncSession, partner_id: int) -> list[AuditEntry]:
    """The partner's audit entries, oldest first."""
    query = select(AuditEntry).where(AuditEntry.subject == f"partner:{partner_id}")
    return list(await session.scalars(query.order_by(AuditEntry.id)))


async def first_prefix_overlapping(
    session: AsyncSession, prefixes: Sequence[str]
) -> CompanyPrefix | None:
    """A held company prefix that equals, starts or starts with one of ``prefixes``, or None."""
    if not prefixes:
        return None
    starts = {p[:n] for p in prefixes for n in range(6, len(p) + 1)}
    query = select(CompanyPrefix).where(or_(
        CompanyPrefix.prefix.in_(starts), *(CompanyPrefix.prefix.startswith(p) for p in prefixes)))
    return await session.scalar(query.order_by(CompanyPrefix.prefix).limit(1))


async def find_licence(
    session: AsyncSession, kind: str, jurisdiction: str, number: str
) -> Licence | None:
    """The licence of ``kind`` numbered ``number`` in ``jurisdiction``, whoever holds it."""
    query = select(Licence).where(
        Licence.kind == kind, Licence.jurisdiction == jurisdiction, Licence.number == number
    )
    return await session.scalar(query)
