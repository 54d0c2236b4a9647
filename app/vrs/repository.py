"""SQL for verification: served GTINs, the unit asked about, evidence, routes, answers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.models import (
    CompanyPrefix,
    PartnerAgent,
    PartnerGln,
    TradingPartner,
    Unit,
    VrsEvidence,
    VrsRoute,
)


def _prefixes(gtin: str) -> list[str]:
    """The GS1 Company Prefixes (6 to 12 digits after the indicator) a GTIN-14 may carry."""
    return [gtin[1 : 1 + n] for n in range(6, 13)]


async def operator_serves(session: AsyncSession, operator_gln: str, gtin: str) -> bool:
    """True when the partner holding ``operator_gln``, or a brand owner it is agent for, holds
    the company prefix of ``gtin``."""
    operator = select(PartnerGln.partner_id).where(PartnerGln.gln == operator_gln)
    principals = select(PartnerAgent.principal_id).where(PartnerAgent.agent_id.in_(operator))
    query = select(CompanyPrefix.prefix).where(
        CompanyPrefix.prefix.in_(_prefixes(gtin)),
        or_(CompanyPrefix.partner_id.in_(operator), CompanyPrefix.partner_id.in_(principals)),
    )
    return await session.scalar(query.limit(1)) is not None


async def requester(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    """The partner with its GLNs and licences loaded (one query: a partner has few of each)."""
    query = select(TradingPartner).where(TradingPartner.id == partner_id).options(
        joinedload(TradingPartner.glns), joinedload(TradingPartner.licences))
    return (await session.scalars(query)).unique().first()


async def unit_state(
    session: AsyncSession, gtin: str, serial: str
) -> tuple[str | None, date | None, str] | None:
    """``(lot, expiry, status)`` of the package with this GTIN and serial, or None."""
    query = select(Unit.lot, Unit.expiry, Unit.status).where(Unit.gtin == gtin, Unit.serial == serial)
    row = (await session.execute(query)).first()
    return (row[0], row[1], str(row[2])) if row else None


async def unit_id(session: AsyncSession, gtin: str, serial: str) -> int | None:
    return await session.scalar(select(Unit.id).where(Unit.gtin == gtin, Unit.serial == serial))


async def evidence(session: AsyncSession, requester_id: int, corr_uuid: str) -> VrsEvidence | None:
    """The answer already given to ``requester_id`` under ``corr_uuid``, if any."""
    query = select(VrsEvidence).where(
        VrsEvidence.requester_id == requester_id, VrsEvidence.corr_uuid == corr_uuid)
    return await session.scalar(query)


async def route_for(session: AsyncSession, gtin: str) -> VrsRoute | None:
    """The route of ``gtin``: the GTIN itself, else its longest routed company prefix."""
    query = select(VrsRoute).where(VrsRoute.prefix.in_([gtin, *_prefixes(gtin)]))
    routes = sorted(await session.scalars(query), key=lambda r: len(r.prefix), reverse=True)
    return routes[0] if routes else None


async def routes(session: AsyncSession) -> list[VrsRoute]:
    return list(await session.scalars(select(VrsRoute).order_by(VrsRoute.prefix)))


async def partner_by_gln(session: AsyncSession, gln: str) -> int | None:
    return await session.scalar(select(PartnerGln.partner_id).where(PartnerGln.gln == gln))

