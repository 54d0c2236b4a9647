"""SQL for shipments: the SSCC counter, shipments, cases, packed units and their events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import insert_rows, select_in
from app.dialect import for_update, is_postgresql
from app.models import (
    CaseUnit,
    CompanyPrefix,
    EpcisEvent,
    EventEpc,
    Location,
    PartnerGln,
    Product,
    Shipment,
    ShipmentCase,
    ShipmentEvent,
    SsccAllocation,
    SsccCounter,
    TradingPartner,
    Unit,
)

COMMISSIONING = "urn:epcglobal:cbv:bizstep:commissioning"


async def take_serials(session: AsyncSession, prefix: str, extension: str, count: int) -> int:
    """Reserve ``count`` consecutive serial references under ``prefix`` and ``extension``;
    return the first. The counter row stays locked until the caller's transaction ends, so
    concurrent allocations queue and a rollback returns the numbers unseen."""
    dialect_insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    await session.execute(dialect_insert(SsccCounter).values(
        prefix=prefix, extension=extension, next_serial=1).on_conflict_do_nothing())
    taken = await session.scalar(
        update(SsccCounter).where(SsccCounter.prefix == prefix, SsccCounter.extension == extension)
        .values(next_serial=SsccCounter.next_serial + count).returning(SsccCounter.next_serial))
    assert taken is not None, "the counter row was just ensured"
    return taken - count


async def add_allocations(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(session, SsccAllocation.__table__, rows)


async def allocations(session: AsyncSession, prefix: str, extension: str) -> Sequence[Row]:
    """``(serial, sscc)`` of every allocation under one counter, in serial order."""
    return (await session.execute(
        select(SsccAllocation.serial, SsccAllocation.sscc)
        .where(SsccAllocation.prefix == prefix, SsccAllocation.extension == extension)
        .order_by(SsccAllocation.serial))).all()


async def next_serial(session: AsyncSession, prefix: str, extension: str) -> int:
    """The counter's next serial (1 when nothing was allocated)."""
    found = await session.scalar(select(SsccCounter.next_serial).where(
        SsccCounter.prefix == prefix, SsccCounter.extension == extension))
    return found or 1


async def prefixes_of(session: AsyncSession, partner_id: int) -> list[str]:
    """The company prefixes a partner holds, in order."""
    return list(await session.scalars(select(CompanyPrefix.prefix).where(
        CompanyPrefix.partner_id == partner_id).order_by(CompanyPrefix.prefix)))


async def partner(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    """A partner with its licences loaded."""
    from sqlalchemy.orm import selectinload

    return await session.scalar(select(TradingPartner).where(TradingPartner.id == partner_id)
                                .options(selectinload(TradingPartner.licences)))


async def partner_by_gln(session: AsyncSession, gln: str) -> int | None:
    return await session.scalar(select(PartnerGln.partner_id).where(PartnerGln.gln == gln))


async def location(session: AsyncSession, sgln: str) -> Location | None:
    return await session.scalar(select(Location).where(Location.sgln == sgln))


async def first_location(session: AsyncSession, partner_id: int) -> Location | None:
    return await session.scalar(select(Location).where(Location.partner_id == partner_id)
                                .order_by(Location.id).limit(1))


async def first_gln(session: AsyncSession, partner_id: int) -> str | None:
    return await session.scalar(select(PartnerGln.gln).where(PartnerGln.partner_id == partner_id)
                                .order_by(PartnerGln.gln).limit(1))


async def shipment(session: AsyncSession, shipment_id: int, *, lock: bool = False) -> Shipment | None:
    """The shipment, locked ``FOR UPDATE`` with ``lock`` (one change to a shipment at a time)."""
    query = select(Shipment).where(Shipment.id == shipment_id)
    return await session.scalar(for_update(session, query) if lock else query)


async def shipments(session: AsyncSession, status: str | None, limit: int) -> Sequence[Shipment]:
    query = select(Shipment).order_by(Shipment.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Shipment.status == status)
    return (await session.scalars(query)).all()


async def cases(session: AsyncSession, shipment_id: int) -> Sequence[ShipmentCase]:
    return (await session.scalars(select(ShipmentCase).where(
        ShipmentCase.shipment_id == shipment_id).order_by(ShipmentCase.id))).all()


async def case_counts(session: AsyncSession, shipment_id: int) -> dict[int, int]:
    """Units in each case of a shipment."""
    rows = await session.execute(
        select(CaseUnit.case_id, func.count()).join(ShipmentCase, ShipmentCase.id == CaseUnit.case_id)
        .where(ShipmentCase.shipment_id == shipment_id).group_by(CaseUnit.case_id))
    return {case_id: count for case_id, count in rows.all()}


async def case_units(session: AsyncSession, case_ids: Sequence[int]) -> Sequence[Row]:
    """``(case_id, unit identifier, gtin, lot, expiry)`` of the units in ``case_ids``, in scan order."""
    if not case_ids:
        return []
    return await select_in(session, select(CaseUnit.case_id, Unit.identifier, Unit.gtin, Unit.lot,
                                            Unit.expiry)
                           .join(Unit, Unit.id == CaseUnit.unit_id)
                           .order_by(CaseUnit.scanned_at, Unit.id), CaseUnit.case_id, case_ids)


async def packed_in(session: AsyncSession, unit_id: int) -> Row | None:
    """``(case_id, sscc, shipment_id)`` of the case that holds ``unit_id`` now, or None."""
    return (await session.execute(
        select(CaseUnit.case_id, ShipmentCase.sscc, ShipmentCase.shipment_id)
        .join(ShipmentCase, ShipmentCase.id == CaseUnit.case_id)
        .where(CaseUnit.unit_id == unit_id, CaseUnit.active))).first()


async def count_in(session: AsyncSession, case_id: int) -> int:
    return await session.scalar(select(func.count()).where(CaseUnit.case_id == case_id)) or 0


async def deactivate(session: AsyncSession, shipment_id: int) -> None:
    """The shipment's units leave its cases' watch: it shipped or was cancelled."""
    case_ids = select(ShipmentCase.id).where(ShipmentCase.shipment_id == shipment_id)
    await session.execute(update(CaseUnit).where(CaseUnit.case_id.in_(case_ids))
                          .values(active=False))


async def events(session: AsyncSession, shipment_id: int) -> Sequence[Row]:
    """``(kind, event_hash, body)`` of the events a shipment recorded, in order."""
    return (await session.execute(
        select(ShipmentEvent.kind, ShipmentEvent.event_hash, EpcisEvent.body)
        .join(EpcisEvent, EpcisEvent.event_hash == ShipmentEvent.event_hash)
        .where(ShipmentEvent.shipment_id == shipment_id).order_by(ShipmentEvent.id))).all()


async def job_events(session: AsyncSession, document_id: int) -> Sequence[Row]:
    """``(event_hash, biz_step, action)`` of the events a captured document stored, in order."""
    return (await session.execute(
        select(EpcisEvent.event_hash, EpcisEvent.biz_step, EpcisEvent.action)
        .where(EpcisEvent.document_id == document_id).order_by(EpcisEvent.document_index))).all()


async def commissioning(session: AsyncSession, identifiers: Sequence[str]) -> list[tuple[str, str]]:
    """``(event_hash, body)`` of the commissioning events naming ``identifiers``, in time order."""
    rows = await select_in(
        session,
        select(EpcisEvent.id, EpcisEvent.event_time, EpcisEvent.event_hash, EpcisEvent.body)
        .join(EventEpc, EventEpc.event_id == EpcisEvent.id)
        .where(EpcisEvent.biz_step == COMMISSIONING, EventEpc.role == "epc"),
        EventEpc.epc, identifiers)
    unique = {row.id: row for row in rows}
    return [(r.event_hash, r.body) for r in sorted(unique.values(), key=lambda r: (r.event_time, r.id))]


async def prefix_lengths(session: AsyncSession, ssccs: Sequence[str]) -> dict[str, int]:
    """The company prefix length each SSCC was allocated under."""
    rows = await session.execute(select(SsccAllocation.sscc, func.length(SsccAllocation.prefix))
                                 .where(SsccAllocation.sscc.in_(ssccs)))
    return {key: length for key, length in rows.all()}


async def unit_id(session: AsyncSession, identifier: str) -> int | None:
    return await session.scalar(select(Unit.id).where(Unit.identifier == identifier))


async def products(session: AsyncSession, gtins: Sequence[str]) -> Sequence[Product]:
    return (await session.scalars(select(Product).where(Product.gtin.in_(gtins)))).all()
