"""SQL for event queries: filters, visibility, keyset pagination."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.query import EventFilter
from app.models import EpcisEvent, EpcRole, EventEpc, EventParty

IDPAT = "urn:epc:idpat:"


def epc_condition(values: tuple[str, ...]):
    """Exact EPC URIs, or EPC patterns (``urn:epc:idpat:sgtin:0312345.060011.*``) as prefixes.

    A pattern's ``*`` fields are trailing (TDS), so everything before the first ``*`` is
    the prefix every matching identifier starts with; a pattern without ``*`` names one.
    """
    ids = [("urn:epc:id:" + v[len(IDPAT):]) if v.startswith(IDPAT) else v for v in values]
    exact = [v for v in ids if "*" not in v]
    prefixes = [v.split("*", 1)[0] for v in ids if "*" in v]
    return or_(
        *([EventEpc.epc.in_(exact)] if exact else []),
        *(EventEpc.epc.startswith(p, autoescape=True) for p in prefixes),
    )


def names(values: tuple[str, ...], role: EpcRole | None):
    """The event names one of ``values`` (URIs or patterns) in ``role`` (None: in any role)."""
    where = [EventEpc.event_id == EpcisEvent.id, epc_condition(values)]
    if role is not None:
        where.append(EventEpc.role == role)
    return exists().where(*where)


def visible(partner_id: int | None):
    """Events ``partner_id`` submitted or is a party to (source, destination, custodian)."""
    return exists().where(EventParty.event_id == EpcisEvent.id, EventParty.partner_id == partner_id)


async def find(
    session: AsyncSession, f: EventFilter, partner_id: int | None, everything: bool,
    after: int, limit: int,
) -> list[EpcisEvent]:
    """Up to ``limit`` matching events with id > ``after``, in capture order."""
    q = select(EpcisEvent).where(EpcisEvent.id > after)
    if not everything:
        q = q.where(visible(partner_id))
    if f.event_types:
        q = q.where(EpcisEvent.event_type.in_(f.event_types))
    if f.ge_time:
        q = q.where(EpcisEvent.event_time >= f.ge_time)
    if f.lt_time:
        q = q.where(EpcisEvent.event_time < f.lt_time)
    if f.biz_steps:
        q = q.where(EpcisEvent.biz_step.in_(f.biz_steps))
    if f.dispositions:
        q = q.where(EpcisEvent.disposition.in_(f.dispositions))
    if f.biz_locations:
        q = q.where(EpcisEvent.biz_location.in_(f.biz_locations))
    for role, values in f.named():  # each parameter is one more condition (EPCIS 8.2.7.1)
        q = q.where(names(values, role))
    return list(await session.scalars(q.order_by(EpcisEvent.id).limit(limit)))


async def by_hash(
    session: AsyncSession, event_hash: str, partner_id: int | None, everything: bool
) -> EpcisEvent | None:
    q = select(EpcisEvent).where(EpcisEvent.event_hash == event_hash)
    if not everything:
        q = q.where(visible(partner_id))
    return await session.scalar(q)
