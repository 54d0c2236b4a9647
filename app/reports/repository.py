"""SQL for reports: a unit's events, leaves, parties and what concerns it; a lot's units."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from app.bulk import keyset_pages, select_in
from app.models import (
    CustodyException,
    CustodyHop,
    EpcisEvent,
    Investigation,
    InvestigationEntry,
    InvestigationUnit,
    LedgerLeaf,
    Location,
    PartnerGln,
    RawDocument,
    Recall,
    RecallLot,
    Scan,
    TradingPartner,
    Unit,
    Verification,
)
from app.units.repository import visible_to


async def hops(session: AsyncSession, units: Sequence[str]) -> dict[str, list[CustodyHop]]:
    """The hops of each of ``units`` in chain order."""
    query = select(CustodyHop).order_by(CustodyHop.unit, CustodyHop.seq)
    found: dict[str, list[CustodyHop]] = {unit: [] for unit in units}
    for (hop,) in await select_in(session, query, CustodyHop.unit, list(units)):
        found[hop.unit].append(hop)
    return found


async def events(session: AsyncSession, hashes: Sequence[str]) -> list[Row[Any]]:
    """``(event_hash, body, document_id, document_index, record_time)`` of each event."""
    query: Any = select(EpcisEvent.event_hash, EpcisEvent.body, EpcisEvent.document_id,
                   EpcisEvent.document_index, EpcisEvent.record_time)
    return await select_in(session, query, EpcisEvent.event_hash, list(hashes))


async def documents(session: AsyncSession, ids: Sequence[int]) -> dict[int, bytes]:
    """Raw documents as received, by id."""
    query = select(RawDocument.id, RawDocument.body)
    return {i: body for i, body in await select_in(session, query, RawDocument.id, list(ids))}


async def leaves(session: AsyncSession, indexes: Sequence[int]) -> dict[int, bytes]:
    """The data of each leaf."""
    query = select(LedgerLeaf.leaf_index, LedgerLeaf.data)
    return {i: d for i, d in await select_in(session, query, LedgerLeaf.leaf_index, list(indexes))}


async def parties(session: AsyncSession, glns: Sequence[str]) -> dict[str, TradingPartner]:
    """The partner (licences loaded) each GLN names."""
    query = (select(PartnerGln.gln, TradingPartner)
             .join(TradingPartner, TradingPartner.id == PartnerGln.partner_id)
             .options(selectinload(TradingPartner.licences)))
    return {gln: partner for gln, partner in await select_in(session, query, PartnerGln.gln, list(glns))}


async def partner_labels(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """How the ledger names each partner: its first GLN."""
    query = select(PartnerGln.partner_id, PartnerGln.gln).order_by(PartnerGln.gln.desc())
    return {p: g for p, g in await select_in(session, query, PartnerGln.partner_id, list(ids))}


async def sites(session: AsyncSession, sglns: Sequence[str]) -> dict[str, Location]:
    query = select(Location)
    return {loc.sgln: loc for (loc,) in await select_in(session, query, Location.sgln, list(sglns))}


async def unit_ids(session: AsyncSession, identifiers: Sequence[str]) -> dict[str, int]:
    query = select(Unit.identifier, Unit.id)
    return {u: i for u, i in await select_in(session, query, Unit.identifier, list(identifiers))}


async def investigations(session: AsyncSession, unit_id: int) -> list[tuple[Investigation, list[InvestigationEntry]]]:
    """The investigations naming the unit, oldest first, with their entries."""
    query = (select(Investigation).join(InvestigationUnit)
             .where(InvestigationUnit.unit_id == unit_id).order_by(Investigation.id))
    found = list(await session.scalars(query))
    entries: dict[int, list[InvestigationEntry]] = {i.id: [] for i in found}
    if found:
        rows = await session.scalars(select(InvestigationEntry).where(
            InvestigationEntry.investigation_id.in_(list(entries))).order_by(InvestigationEntry.id))
        for entry in rows:
            entries[entry.investigation_id].append(entry)
    return [(i, entries[i.id]) for i in found]


async def recalls(session: AsyncSession, gtin: str | None, lot: str | None) -> list[Recall]:
    """The recalls naming lot ``lot`` of ``gtin``."""
    if not (gtin and lot):
        return []
    query = (select(Recall).join(RecallLot).where(Recall.gtin == gtin, RecallLot.lot == lot)
             .order_by(Recall.id))
    return list(await session.scalars(query))


async def scans(session: AsyncSession, unit_id: int) -> Sequence[Scan]:
    return (await session.scalars(select(Scan).where(Scan.unit_id == unit_id).order_by(Scan.id))).all()


async def verifications(session: AsyncSession, unit_id: int) -> Sequence[Verification]:
    query = select(Verification).where(Verification.unit_id == unit_id).order_by(Verification.id)
    return (await session.scalars(query)).all()


async def exceptions(session: AsyncSession, unit_id: int) -> Sequence[CustodyException]:
    query = (select(CustodyException).where(CustodyException.unit_id == unit_id)
             .order_by(CustodyException.id))
    return (await session.scalars(query)).all()


_custodian, _destination = aliased(PartnerGln), aliased(PartnerGln)
_container = aliased(Unit)


def lot_units(gtin: str, lot: str, partner_id: int | None, everything: bool) -> Any:
    """Units of a lot (those ``partner_id`` may see, unless ``everything``): id first."""
    query = (select(Unit.id, Unit.identifier, Unit.serial, Unit.status, Unit.expiry,
                    Unit.custodian_id, Unit.destination_id, Location.sgln.label("location"),
                    _container.identifier.label("container"))
             .outerjoin(Location, Location.id == Unit.location_id)
             .outerjoin(_container, _container.id == Unit.parent_id)
             .where(Unit.gtin == gtin, Unit.lot == lot))
    return query if everything else query.where(visible_to(partner_id))


async def lot_pages(session: AsyncSession, query: Any, size: int = 5_000) -> AsyncIterator[Sequence[Row[Any]]]:
    """The rows of :func:`lot_units`, a keyset page at a time (bounded memory)."""
    async for page in keyset_pages(session, query, Unit.id, size):
        yield page
