"""SQL for the cold chain: readings per identifier, containers, alerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Row, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.bulk import insert_rows, select_in
from app.dialect import for_update, write_lock
from app.models import ColdChainAlert, EpcRole, EventEpc, TemperatureReading, Unit

COLUMNS = ("epc", "at", "celsius", "low", "high", "source")


async def add_readings(session: AsyncSession, rows: Sequence[tuple]) -> None:
    """Insert reading rows (tuples of :data:`COLUMNS`): COPY on PostgreSQL for a large
    logger file."""
    await insert_rows(session, TemperatureReading.__table__, rows, COLUMNS)


async def has_source(session: AsyncSession, epc: str, source: str) -> bool:
    """Whether readings of ``source`` are stored for ``epc`` already."""
    found = await session.scalar(select(TemperatureReading.id).where(
        TemperatureReading.epc == epc, TemperatureReading.source == source).limit(1))
    return found is not None


async def readings(session: AsyncSession, epcs: Iterable[str]) -> list[Row]:
    """``(epc, source, at, celsius, low, high)`` of the readings measured on any of ``epcs``,
    in the order they were stored."""
    r = TemperatureReading
    query = select(r.epc, r.source, r.at, r.celsius, r.low, r.high).order_by(r.id)
    return await select_in(session, query, r.epc, list(epcs))


async def measured_by(session: AsyncSession, sources: Sequence[str]) -> set[str]:
    """The identifiers readings of ``sources`` were stored on."""
    r = TemperatureReading
    return {epc for (epc,) in await select_in(session, select(r.epc).distinct(), r.source,
                                               sources)}


async def measured(session: AsyncSession) -> set[str]:
    """Every identifier that has readings."""
    return set(await session.scalars(select(TemperatureReading.epc).distinct()))


async def lock(session: AsyncSession, unit: Unit) -> None:
    """Take ``unit``'s row lock (SQLite: the write lock) so its uploads happen one at a time."""
    await write_lock(session)
    await session.execute(for_update(session, select(Unit.id).where(Unit.id == unit.id)))


async def units_within(session: AsyncSession, identifiers: Sequence[str]) -> list[Unit]:
    """The units named by ``identifiers`` and every unit ever inside one of them (by captured
    aggregation events, and the aggregation in force now), inner ones in turn."""
    child, parent = aliased(EventEpc), aliased(EventEpc)
    found: dict[str, Unit] = {}
    layer = set(identifiers)
    while layer:
        units = await select_in(session, select(Unit), Unit.identifier, list(layer))
        found.update((u.identifier, u) for (u,) in units)
        inner = {epc for (epc,) in await select_in(session, select(child.epc).join(parent, and_(
            parent.event_id == child.event_id, parent.role == EpcRole.PARENT)).where(
            child.role == EpcRole.EPC), parent.epc, list(layer))}
        now = {i for (i,) in await select_in(session, select(Unit.identifier), Unit.parent_id,
                                              [found[i].id for i in layer if i in found])}
        layer = (inner | now) - found.keys() - layer
    return list(found.values())


async def measured_in_lot(session: AsyncSession, gtin: str, lot: str) -> set[str]:
    """The units of a lot with readings on them, on their container now, or on a container
    they were packed in (one level of captured aggregation): a few queries for the whole lot."""
    r, child, parent, box = TemperatureReading, aliased(EventEpc), aliased(EventEpc), aliased(Unit)
    logged = select(r.epc)
    of_lot = and_(Unit.gtin == gtin, Unit.lot == lot)
    own = select(Unit.identifier).where(of_lot, Unit.identifier.in_(logged))
    boxed = select(Unit.identifier).join(box, box.id == Unit.parent_id).where(
        of_lot, box.identifier.in_(logged))
    packed = select(Unit.identifier).join(child, child.epc == Unit.identifier).join(
        parent, and_(parent.event_id == child.event_id, parent.role == EpcRole.PARENT)).where(
        of_lot, child.role == EpcRole.EPC, parent.epc.in_(logged))
    return {i for q in (own, boxed, packed) for i in await session.scalars(q.distinct())}


async def containers(session: AsyncSession, unit: Unit) -> set[str]:
    """Every container ``unit`` was ever aggregated in (by captured aggregation events, and
    the aggregation in force now), and their containers in turn."""
    child, parent = aliased(EventEpc), aliased(EventEpc)
    found: set[str] = set()
    layer = {unit.identifier}
    while layer:
        rows = await session.scalars(select(parent.epc).join(child, and_(
            child.event_id == parent.event_id, child.role == EpcRole.EPC)).where(
            parent.role == EpcRole.PARENT, child.epc.in_(layer)))
        layer = set(rows) - found - {unit.identifier}
        found |= layer
    current = unit.parent_id
    while current is not None:
        row = await session.get(Unit, current)
        if row is None or row.identifier in found:
            break
        found.add(row.identifier)
        current = row.parent_id
    return found


async def unit_named(session: AsyncSession, spellings: Sequence[str]) -> Unit | None:
    """The unit stored under one of ``spellings``."""
    return await session.scalar(select(Unit).where(Unit.identifier.in_(spellings)).limit(1))


async def unit_of_sscc(session: AsyncSession, sscc: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.sscc == sscc))


async def alerted(session: AsyncSession, unit_ids: Sequence[int],
                  fingerprint: str) -> dict[int, int]:
    """Of ``unit_ids``, those alerted for ``fingerprint`` already: unit id -> investigation."""
    rows = await session.execute(select(ColdChainAlert.unit_id, ColdChainAlert.investigation_id)
                                 .where(ColdChainAlert.unit_id.in_(unit_ids),
                                        ColdChainAlert.fingerprint == fingerprint))
    return {u: i for u, i in rows}


async def add_alerts(session: AsyncSession, unit_ids: Sequence[int], fingerprint: str,
                     investigation_id: int) -> None:
    session.add_all(ColdChainAlert(unit_id=u, fingerprint=fingerprint,
                                   investigation_id=investigation_id) for u in unit_ids)
    await session.flush()
