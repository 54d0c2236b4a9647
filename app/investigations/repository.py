"""SQL for quarantine and investigations: units by name or lot, contents, history, hops."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import select_in
from app.dialect import for_update
from app.models import (
    CustodyHop,
    Investigation,
    InvestigationEntry,
    InvestigationUnit,
    Location,
    PartnerGln,
    Product,
    TradingPartner,
    Unit,
)


async def units_named(session: AsyncSession, identifiers: Sequence[str]) -> list[Unit]:
    """The units stored under ``identifiers``."""
    return list(await session.scalars(select(Unit).where(Unit.identifier.in_(identifiers))))


async def units_of_lot(session: AsyncSession, gtin: str, lots: Sequence[str],
                       custodian: int | None = None) -> list[Unit]:
    """The units of ``gtin`` in ``lots`` (held by ``custodian`` when given), by id."""
    query = select(Unit).where(Unit.gtin == gtin, Unit.lot.in_(lots)).order_by(Unit.id)
    if custodian is not None:
        query = query.where(Unit.custodian_id == custodian)
    return list(await session.scalars(query))


async def contents(session: AsyncSession, units: Iterable[Unit]) -> list[Unit]:
    """``units`` and everything inside them, through the aggregation in force now."""
    found = {u.id: u for u in units}
    layer = list(found)
    while layer:
        inner = [u for u in await session.scalars(select(Unit).where(Unit.parent_id.in_(layer)))
                 if u.id not in found]
        found.update((u.id, u) for u in inner)
        layer = [u.id for u in inner]
    return list(found.values())


async def add(session: AsyncSession, row: Investigation | InvestigationEntry) -> None:
    session.add(row)
    await session.flush()


async def add_units(session: AsyncSession, investigation_id: int, unit_ids: Iterable[int]) -> None:
    session.add_all(InvestigationUnit(investigation_id=investigation_id, unit_id=u) for u in unit_ids)
    await session.flush()


async def lock(session: AsyncSession, investigation_id: int) -> Investigation | None:
    """The investigation, its row locked (PostgreSQL) so determinations happen one at a time."""
    query = select(Investigation).where(Investigation.id == investigation_id)
    return (await session.scalars(for_update(session, query))).first()


async def investigations(session: AsyncSession, ids: Sequence[int] | None = None) -> list[Investigation]:
    query = select(Investigation).order_by(Investigation.opened_at.desc(), Investigation.id.desc())
    if ids is not None:
        query = query.where(Investigation.id.in_(ids))
    return list(await session.scalars(query))


async def entries(session: AsyncSession, ids: Sequence[int]) -> list[InvestigationEntry]:
    """The history of the investigations ``ids``, oldest first."""
    rows = await select_in(session, select(InvestigationEntry),
                           InvestigationEntry.investigation_id, list(ids))
    return sorted((r[0] for r in rows), key=lambda e: e.id)


async def investigated_units(session: AsyncSession, ids: Sequence[int]) -> list[tuple[int, Unit]]:
    """``(investigation id, unit)`` for the investigations ``ids``."""
    if not ids:
        return []
    query = (select(InvestigationUnit.investigation_id, Unit)
             .join(Unit, Unit.id == InvestigationUnit.unit_id)
             .where(InvestigationUnit.investigation_id.in_(ids)).order_by(Unit.id))
    return [(i, u) for i, u in (await session.execute(query)).all()]


async def investigations_of(session: AsyncSession, unit_ids: Sequence[int]) -> list[tuple[int, int]]:
    """``(unit id, investigation id)`` of every investigation naming one of ``unit_ids``."""
    query = select(InvestigationUnit.unit_id, InvestigationUnit.investigation_id).where(
        InvestigationUnit.unit_id.in_(unit_ids))
    return [(unit, inv) for unit, inv in (await session.execute(query)).all()]


async def custody_moves(session: AsyncSession, identifiers: Sequence[str]) -> list[tuple[str, str, str | None, str | None]]:
    """``(unit, kind, from, to)`` of the ship and receive hops of ``identifiers``."""
    query = select(CustodyHop.unit, CustodyHop.kind, CustodyHop.from_party, CustodyHop.to_party,
                   CustodyHop.seq).where(CustodyHop.kind.in_(("ship", "receive")))
    rows = await select_in(session, query, CustodyHop.unit, list(identifiers))
    return [(r[0], r[1], r[2], r[3]) for r in sorted(rows, key=lambda r: (r[0], r[4]))]


async def partners_by_gln(session: AsyncSession, glns: Iterable[str]) -> dict[str, TradingPartner]:
    """The partner each of ``glns`` names."""
    glns = list(glns)
    if not glns:
        return {}
    query = (select(PartnerGln.gln, TradingPartner)
             .join(TradingPartner, TradingPartner.id == PartnerGln.partner_id)
             .where(PartnerGln.gln.in_(glns)))
    return {gln: partner for gln, partner in (await session.execute(query)).all()}


async def partner(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    return await session.get(TradingPartner, partner_id)


async def products(session: AsyncSession, gtins: Iterable[str]) -> dict[str, Product]:
    gtins = list(gtins)
    if not gtins:
        return {}
    return {p.gtin: p for p in await session.scalars(select(Product).where(Product.gtin.in_(gtins)))}


async def site(session: AsyncSession, sgln: str) -> Location | None:
    return await session.scalar(select(Location).where(Location.sgln == sgln))
