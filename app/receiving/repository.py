"""SQL for receiving: shipments addressed to the operator, their contents, scans, exceptions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, case, exists, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.bulk import insert_rows, select_in
from app.dialect import for_update
from app.models import (
    EpcisEvent,
    EpcRole,
    EventEpc,
    EventParty,
    RawDocument,
    RecallLot,
    Receiving,
    ReceivingException,
    ReceivingLine,
    ReceivingScan,
    TradingPartner,
    Unit,
    UnitStatus,
)
from app.models.suspect import Recall

SHIPPING = "urn:epcglobal:cbv:bizstep:shipping"


def _in_transit_to(operator_id: int):
    """The event names, as a shipped object, a unit still in transit to the operator."""
    return exists().where(EventEpc.event_id == EpcisEvent.id, EventEpc.role == EpcRole.EPC,
                          Unit.identifier == EventEpc.epc, Unit.status == UnitStatus.SHIPPED,
                          Unit.destination_id == operator_id)


def _addressed_to(operator_id: int):
    """Shipping events by another partner that the operator may read (it is the destination)."""
    return and_(EpcisEvent.biz_step == SHIPPING, EpcisEvent.partner_id != operator_id,
                exists().where(EventParty.event_id == EpcisEvent.id,
                               EventParty.partner_id == operator_id))


async def expected(session: AsyncSession, operator_id: int, limit: int) -> Sequence[Row]:
    """Shipments still in transit to the operator, newest first: ``(event_id, event_hash,
    event_time, legal_name, receiving_id)`` (the receiving opened for it, if any)."""
    query = (select(EpcisEvent.id.label("event_id"), EpcisEvent.event_hash, EpcisEvent.event_time,
                    TradingPartner.legal_name, Receiving.id.label("receiving_id"))
             .join(TradingPartner, TradingPartner.id == EpcisEvent.partner_id)
             .outerjoin(Receiving, Receiving.shipment == EpcisEvent.event_hash)
             .where(_addressed_to(operator_id), _in_transit_to(operator_id),
                    Receiving.closed_at.is_(None))
             .order_by(EpcisEvent.event_time.desc(), EpcisEvent.id.desc()).limit(limit))
    return (await session.execute(query)).all()


async def shipment(session: AsyncSession, operator_id: int, event_hash: str) -> Row | None:
    """``(event id, event_hash, shipper_id, document_id, document_index)`` of a shipping event
    addressed to the operator, or None."""
    query = (select(EpcisEvent.id, EpcisEvent.event_hash, EpcisEvent.partner_id,
                    EpcisEvent.document_id, EpcisEvent.document_index)
             .where(EpcisEvent.event_hash == event_hash, _addressed_to(operator_id)))
    return (await session.execute(query)).first()


async def shipped_units(session: AsyncSession, event_ids: Sequence[int], operator_id: int
                        ) -> dict[str, list[str]]:
    """The units each shipping event names that are still in transit to the operator, by
    event hash (EPC URNs as the ledger stores them)."""
    query = (select(EpcisEvent.event_hash, Unit.identifier)
             .join(EventEpc, EventEpc.event_id == EpcisEvent.id)
             .join(Unit, Unit.identifier == EventEpc.epc)
             .where(EventEpc.role == EpcRole.EPC, Unit.status == UnitStatus.SHIPPED,
                    Unit.destination_id == operator_id))
    found: dict[str, list[str]] = {}
    for event_hash, identifier in await select_in(session, query, EpcisEvent.id, event_ids):
        found.setdefault(event_hash, []).append(identifier)
    return found


def _tree(identifiers: Sequence[str]):
    """A recursive CTE of the ids of the named units and everything inside them (the
    aggregation in force now), walked down ``units.parent_id`` by the database."""
    tree = (select(Unit.id, Unit.kind).where(Unit.identifier.in_(identifiers))
            .cte("tree", recursive=True))
    return tree.union_all(select(Unit.id, Unit.kind).where(  # only containers have contents
        tree.c.kind == "sscc", Unit.parent_id == tree.c.id))


async def units_inside(session: AsyncSession, identifiers: Sequence[str]) -> int:
    """How many units (not containers) the named ones are or hold, at every depth."""
    tree = _tree(identifiers)
    return await session.scalar(select(func.count()).select_from(tree)
                                .where(tree.c.kind != "sscc")) or 0


def _key(unit):
    """A unit's key as the GS1 element string :func:`app.receiving.reconcile.key_of` makes."""
    return case((unit.sscc.is_not(None), "00" + unit.sscc),
                else_="01" + unit.gtin + "21" + unit.serial)


async def copy_contents(session: AsyncSession, receiving_id: int, identifiers: Sequence[str]) -> None:
    """Copy the named units and everything inside them into the receiving's lines, in one
    statement (pallet, cases, units: the database walks the hierarchy)."""
    tree, parent = _tree(identifiers), aliased(Unit)
    query = (select(literal(receiving_id), _key(Unit), Unit.identifier,
                    case((Unit.identifier.in_(identifiers), None), else_=_key(parent)),
                    Unit.id, Unit.kind, Unit.lot, Unit.expiry)
             .select_from(tree.join(Unit, Unit.id == tree.c.id)
                          .outerjoin(parent, parent.id == Unit.parent_id))
             .where(_key(Unit).is_not(None)))
    columns = ["receiving_id", "key", "identifier", "parent", "unit_id", "kind", "lot", "expiry"]
    await session.execute(insert(ReceivingLine).from_select(columns, query))


async def add(session: AsyncSession, receiving: Receiving) -> Receiving:
    session.add(receiving)
    await session.flush()
    return receiving


async def get(session: AsyncSession, receiving_id: int, *, lock: bool = False) -> Receiving | None:
    """The receiving; its row locked (PostgreSQL) with ``lock``, so closing happens once."""
    query = select(Receiving).where(Receiving.id == receiving_id)
    return (await session.scalars(for_update(session, query) if lock else query)).first()


async def by_shipment(session: AsyncSession, event_hash: str) -> Receiving | None:
    return await session.scalar(select(Receiving).where(Receiving.shipment == event_hash))


async def listing(session: AsyncSession, limit: int) -> Sequence[Row]:
    """Receivings, open first then newest: the receiving, its shipper's name, its scan count."""
    scans = (select(func.count()).where(ReceivingScan.receiving_id == Receiving.id)
             .scalar_subquery())
    query = (select(Receiving, TradingPartner.legal_name, scans)
             .outerjoin(TradingPartner, TradingPartner.id == Receiving.shipper_id)
             .order_by(Receiving.closed_at.is_not(None), Receiving.id.desc()).limit(limit))
    return (await session.execute(query)).all()


async def line(session: AsyncSession, receiving_id: int, key: str) -> ReceivingLine | None:
    return await session.get(ReceivingLine, (receiving_id, key))


async def inside(session: AsyncSession, receiving_id: int, key: str) -> int:
    """How many units (not containers) the line ``key`` holds, at every depth."""
    count, layer = 0, [key]
    while layer:
        rows = (await session.execute(
            select(ReceivingLine.key, ReceivingLine.kind).where(
                ReceivingLine.receiving_id == receiving_id, ReceivingLine.parent.in_(layer)))).all()
        count += sum(1 for _, kind in rows if kind != "sscc")
        layer = [k for k, kind in rows if kind == "sscc"]
    return count


async def lines(session: AsyncSession, receiving_id: int) -> Sequence[ReceivingLine]:
    query = select(ReceivingLine).where(ReceivingLine.receiving_id == receiving_id)
    return (await session.scalars(query.order_by(ReceivingLine.identifier))).all()


async def scans(session: AsyncSession, receiving_id: int) -> Sequence[ReceivingScan]:
    query = select(ReceivingScan).where(ReceivingScan.receiving_id == receiving_id)
    return (await session.scalars(query.order_by(ReceivingScan.id))).all()


async def scanned(session: AsyncSession, receiving_id: int, key: str, action: str) -> bool:
    """Whether ``key`` was already scanned (or marked, as ``action`` says) in the receiving."""
    return bool(await session.scalar(select(exists().where(
        ReceivingScan.receiving_id == receiving_id, ReceivingScan.key == key,
        ReceivingScan.action == action))))


async def add_scan(session: AsyncSession, scan: ReceivingScan) -> None:
    session.add(scan)
    await session.flush()


async def add_exceptions(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(session, ReceivingException.__table__, rows)


async def exceptions(session: AsyncSession, receiving_id: int) -> Sequence[ReceivingException]:
    query = select(ReceivingException).where(ReceivingException.receiving_id == receiving_id)
    return (await session.scalars(query.order_by(ReceivingException.id))).all()


async def unit_states(session: AsyncSession, unit_ids: Sequence[int]) -> list[Row]:
    """``(id, status, custodian_id, destination_id, gtin, lot)`` of units."""
    query = select(Unit.id, Unit.status, Unit.custodian_id, Unit.destination_id, Unit.gtin, Unit.lot)
    return await select_in(session, query, Unit.id, unit_ids)


async def recalled_lots(session: AsyncSession, gtins: set[str]) -> set[tuple[str, str]]:
    """``(gtin, lot)`` of every recalled lot of ``gtins``."""
    if not gtins:
        return set()
    query = (select(Recall.gtin, RecallLot.lot).join(RecallLot, RecallLot.recall_id == Recall.id)
             .where(Recall.gtin.in_(gtins)))
    return {(g, lot) for g, lot in (await session.execute(query)).all()}


async def units_by_key(session: AsyncSession, keys: Sequence[tuple[str | None, str | None, str | None]]
                       ) -> list[Row]:
    """``(identifier, custodian_id, status)`` of units named by ``(gtin, serial, sscc)``."""
    ssccs = [s for _, _, s in keys if s]
    pairs = [(g, s) for g, s, _ in keys if g and s]
    found: list[Row] = []
    columns = select(Unit.identifier, Unit.custodian_id, Unit.status, Unit.gtin, Unit.serial, Unit.sscc)
    if ssccs:
        found += await select_in(session, columns, Unit.sscc, ssccs)
    for gtin, serial in pairs:
        found += (await session.execute(columns.where(Unit.gtin == gtin, Unit.serial == serial))).all()
    return found


async def document_of(session: AsyncSession, document_id: int) -> bytes:
    return await session.scalar(select(RawDocument.body).where(RawDocument.id == document_id)) or b""


async def shipper_name(session: AsyncSession, partner_id: int | None) -> str | None:
    if partner_id is None:
        return None
    return await session.scalar(select(TradingPartner.legal_name).where(TradingPartner.id == partner_id))
