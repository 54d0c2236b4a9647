"""SQL for trace requests: store, find, list, and the units of a product a requester may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import PartnerGln, TraceRequest, TradingPartner, Unit
from app.units.repository import visible_to


async def add(session: AsyncSession, request: TraceRequest) -> TraceRequest:
    session.add(request)
    await session.flush()
    return request


async def get(session: AsyncSession, request_id: int, partner_id: int | None,
              everything: bool, *, lock: bool = False) -> TraceRequest | None:
    """The request, if filed by ``partner_id`` (``everything``: by anyone); ``lock``: held
    ``FOR UPDATE`` until the transaction ends (two answers queue, the second sees the first)."""
    query = select(TraceRequest).where(TraceRequest.id == request_id)
    if lock:
        query = query.with_for_update()
    if not everything:
        query = query.where(TraceRequest.requester_partner_id == partner_id)
    return await session.scalar(query)


async def listing(session: AsyncSession, partner_id: int | None, everything: bool,
                  limit: int) -> list[TraceRequest]:
    """Requests filed by ``partner_id`` (``everything``: all), open before answered, oldest
    deadline first."""
    query = select(TraceRequest)
    if not everything:
        query = query.where(TraceRequest.requester_partner_id == partner_id)
    order = (TraceRequest.answered_at.is_not(None), TraceRequest.due_at, TraceRequest.id)
    return list(await session.scalars(query.order_by(*order).limit(limit)))


async def units(session: AsyncSession, gtin: str, serial: str | None, lot: str | None,
                partner_id: int | None, everything: bool, limit: int) -> list[str]:
    """Identifiers of the units of ``gtin`` (with this serial and/or lot) the requester may see:
    one query whether or not the product exists, so another partner's units answer like none."""
    query = select(Unit.identifier).where(Unit.gtin == gtin)
    if serial is not None:
        query = query.where(Unit.serial == serial)
    if lot is not None:
        query = query.where(Unit.lot == lot)
    if not everything:
        query = query.where(visible_to(partner_id))
    return list(await session.scalars(query.order_by(Unit.id).limit(limit)))


async def names(session: AsyncSession, glns: set[str]) -> dict[str, str]:
    """The legal name of the partner holding each GLN."""
    query = select(PartnerGln.gln, TradingPartner.legal_name).join(
        TradingPartner, TradingPartner.id == PartnerGln.partner_id).where(PartnerGln.gln.in_(glns))
    return {gln: name for gln, name in (await session.execute(query)).all()}
