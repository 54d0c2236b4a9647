"""SQL for event queries: filters, visibility, keyset pagination."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.query import EventFilter, Position
from app.models import (
    CustodyHop,
    EpcisEvent,
    EpcRole,
    EventEpc,
    EventParty,
    EventReference,
    PartnerGln,
)

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
    """Events ``partner_id`` submitted or is a party to (source, destination, custodian), and
    the aggregation events that built a container shipped to it (:func:`packed_for`)."""
    return or_(exists().where(EventParty.event_id == EpcisEvent.id,
                              EventParty.partner_id == partner_id),
               packed_for(partner_id))


def packed_for(partner_id: int | None):
    """AggregationEvents whose parent (a pallet, a case) was later shipped to ``partner_id``:
    the receiver lists what it was sent (``MATCH_parentID=<pallet>``), as the GS1 US guideline
    has the shipper send those events with the shipment. Only packing before the shipment,
    and only to the ledger's destination of a ``ship`` hop of that very container: a partner
    it was never shipped to sees nothing (decision 0020, receiving).
    """
    names = select(PartnerGln.gln).where(PartnerGln.partner_id == partner_id)
    return and_(EpcisEvent.event_type == "AggregationEvent", exists().where(
        EventEpc.event_id == EpcisEvent.id, EventEpc.role == EpcRole.PARENT,
        CustodyHop.unit == EventEpc.epc, CustodyHop.kind == "ship",
        CustodyHop.time >= EpcisEvent.event_time,
        or_(CustodyHop.to_party.in_(names), CustodyHop.to_party == f"partner:{partner_id}")))


def refers(field: str, type_: str, values: tuple[str, ...]):
    """The event names one of ``values`` as a ``field`` entry of type ``type_``."""
    return exists().where(EventReference.event_id == EpcisEvent.id, EventReference.field == field,
                          EventReference.type == type_, EventReference.value.in_(values))


def matching(f: EventFilter):
    """The conditions of ``f``: each parameter given is one more (EPCIS 2.0 8.2.7.1)."""
    columns = ((EpcisEvent.event_type, f.event_types), (EpcisEvent.action, f.actions),
               (EpcisEvent.biz_step, f.biz_steps), (EpcisEvent.disposition, f.dispositions),
               (EpcisEvent.biz_location, f.biz_locations))
    bounds = ((EpcisEvent.event_time, f.ge_time, f.lt_time),
              (EpcisEvent.record_time, f.ge_record_time, f.lt_record_time))
    return [
        *(column.in_(values) for column, values in columns if values),
        *(column >= low for column, low, _ in bounds if low is not None),
        *(column < high for column, _, high in bounds if high is not None),
        *([refers("readPoint", "", f.read_points)] if f.read_points else []),
        *(names(values, role) for role, values in f.identifiers),
        *(refers(field, type_, values) for field, type_, values in f.references),
    ]


ORDER_KEYS = {"eventTime": EpcisEvent.event_time, "recordTime": EpcisEvent.record_time}


async def find(
    session: AsyncSession, f: EventFilter, partner_id: int | None, everything: bool,
    order_by: str | None, descending: bool, after: Position, limit: int,
) -> list[EpcisEvent]:
    """Up to ``limit`` matching events past ``after``: in capture order, or by ``order_by``
    (ties in capture order, reversed when ``descending``)."""
    q = select(EpcisEvent).where(*matching(f))
    if not everything:
        q = q.where(visible(partner_id))
    if order_by is None:
        q = q.where(EpcisEvent.id > after.after).order_by(EpcisEvent.id)
    else:
        key, id_ = ORDER_KEYS[order_by], EpcisEvent.id
        if after.key is not None:
            past = (key < after.key, id_ < after.after) if descending else (
                key > after.key, id_ > after.after)
            q = q.where(or_(past[0], and_(key == after.key, past[1])))
        q = q.order_by(key.desc(), id_.desc()) if descending else q.order_by(key, id_)
    return list(await session.scalars(q.limit(limit)))


async def by_hash(
    session: AsyncSession, event_hash: str, partner_id: int | None, everything: bool
) -> EpcisEvent | None:
    q = select(EpcisEvent).where(EpcisEvent.event_hash == event_hash)
    if not everything:
        q = q.where(visible(partner_id))
    return await session.scalar(q)
