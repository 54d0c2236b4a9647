"""SQL for running capture jobs: the queue, what the rules read, and what a job stores."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import insert_rows, select_in, update_rows
from app.dialect import for_update
from app.ingest.rules import Problem, State, UnitRow
from app.models import (
    CaptureJob,
    CompanyPrefix,
    CustodyException,
    EpcisEvent,
    EventEpc,
    EventParty,
    EventReference,
    JobStatus,
    Licence,
    Location,
    Lot,
    PartnerAgent,
    PartnerGln,
    Product,
    RawDocument,
    TradingPartner,
    Unit,
)
from epcis.model import Event

NEW_UNIT = ("identifier", "kind", "gtin", "serial", "sscc", "lot", "expiry", "status",
            "custodian_id", "destination_id", "location_id")
CHANGED_UNIT = ("status", "custodian_id", "destination_id", "location_id", "parent_id")
EPC_COLUMNS = ("event_id", "epc", "role")
REFERENCE_COLUMNS = ("event_id", "field", "type", "value")
PARTY_COLUMNS = ("event_id", "partner_id")

# --- the queue ------------------------------------------------------------------------------


def _waiting(job_id: str | None, stale_before: datetime):
    query = select(CaptureJob).where(
        or_(CaptureJob.status == JobStatus.PENDING,
            and_(CaptureJob.status == JobStatus.RUNNING, CaptureJob.started_at < stale_before))
    ).order_by(CaptureJob.created_at).limit(1)
    return query if job_id is None else query.where(CaptureJob.id == job_id)


async def has_waiting(session: AsyncSession, job_id: str | None, stale_before: datetime) -> bool:
    """Whether a job (or ``job_id``) is pending, or running on a lease older than ``stale_before``."""
    query = _waiting(job_id, stale_before).with_only_columns(CaptureJob.id)
    return await session.scalar(query) is not None


async def next_waiting(
    session: AsyncSession, job_id: str | None, stale_before: datetime
) -> CaptureJob | None:
    """The oldest waiting job (or ``job_id``), locked; a job another worker holds is skipped."""
    return await session.scalar(for_update(session, _waiting(job_id, stale_before),
                                           skip_locked=True))


async def running_job(session: AsyncSession, job_id: str, attempt: int) -> CaptureJob | None:
    """Job ``job_id`` if it is running ``attempt``, locked (waiting for a claim to finish)."""
    query = select(CaptureJob).where(CaptureJob.id == job_id, CaptureJob.attempts == attempt,
                                     CaptureJob.status == JobStatus.RUNNING)
    return await session.scalar(for_update(session, query))


async def jobs_by_status(session: AsyncSession) -> dict[str, int]:
    """How many capture jobs are in each status (for metrics)."""
    query = select(CaptureJob.status, func.count()).group_by(CaptureJob.status)
    return {str(status): n for status, n in await session.execute(query)}


async def events_stored(session: AsyncSession, document_id: int) -> int:
    """How many events of a document are stored (each is one ledger leaf)."""
    query = select(func.count()).where(EpcisEvent.document_id == document_id)
    return (await session.execute(query)).scalar_one()


async def document_of(session: AsyncSession, job_id: str) -> bytes:
    """The raw document a job captured."""
    return (await session.execute(
        select(RawDocument.body).join(CaptureJob, CaptureJob.document_id == RawDocument.id)
        .where(CaptureJob.id == job_id))).scalar_one()


# --- what the rules read --------------------------------------------------------------------


@dataclass(frozen=True)
class Directory:
    """The trading partners as rows: ``(id, authorized)``, ``(gln, partner id)`` by GLN,
    ``(prefix, partner id)`` of company prefixes, ``(id, gln, sgln, partner id)`` of
    locations, licences, ``(agent id, principal id)``."""

    partners: Sequence[tuple[int, bool]]
    glns: Sequence[tuple[str, int]]
    prefixes: Sequence[tuple[str, int]]
    locations: Sequence[tuple[int, str, str, int]]
    licences: Sequence[Licence]
    agents: Sequence[tuple[int, int]]


async def directory(session: AsyncSession) -> Directory:
    """Every partner with its GLNs, company prefixes, locations, licences and principals."""
    partners = (await session.execute(select(TradingPartner.id, TradingPartner.authorized))).all()
    glns = (await session.execute(select(PartnerGln.gln, PartnerGln.partner_id)
                                  .order_by(PartnerGln.gln))).all()
    prefixes = (await session.execute(select(CompanyPrefix.prefix, CompanyPrefix.partner_id))).all()
    locations = (await session.execute(select(Location.id, Location.gln, Location.sgln,
                                              Location.partner_id))).all()
    licences = (await session.scalars(select(Licence))).all()
    agents = (await session.execute(select(PartnerAgent.agent_id, PartnerAgent.principal_id))).all()
    return Directory(partners, glns, prefixes, locations, licences, agents)


async def prefix_lengths(session: AsyncSession) -> dict[str, int]:
    """Each product's GTIN with the length of its GS1 company prefix."""
    return dict((await session.execute(select(Product.gtin, Product.company_prefix_length))).all())


async def load_state(session: AsyncSession, identifiers: Sequence[str]) -> State:
    """The named units, everything inside them, and the containers they are in (at every
    level: a unit's case and the case's pallet).

    The rows are locked (PostgreSQL), so concurrent jobs touching the same units run one
    after the other; a deadlock between two of them fails one, which the worker retries.
    """
    units: dict[str, UnitRow] = {}
    columns = [Unit.__table__.c[name] for name in UnitRow.__slots__]
    query = for_update(session, select(*columns).order_by(Unit.id))

    async def rows(key, values) -> list[UnitRow]:
        return [UnitRow(*row) for row in await select_in(session, query, key, values)]

    for unit in await rows(Unit.identifier, identifiers):
        units[unit.identifier] = unit
    frontier = [u.id for u in units.values()]
    while frontier:
        found = await rows(Unit.parent_id, frontier)
        frontier = [u.id for u in found if u.identifier not in units]
        units.update({u.identifier: u for u in found})
    by_id = {u.id: u.identifier for u in units.values()}
    missing = {u.parent_id for u in units.values() if u.parent_id and u.parent_id not in by_id}
    while missing:  # every container up the hierarchy: a case keeps its pallet
        found = await rows(Unit.id, missing)
        for unit in found:
            units[unit.identifier] = unit
            by_id[unit.id] = unit.identifier
        missing = {u.parent_id for u in found if u.parent_id and u.parent_id not in by_id}
    return State(units, {u.identifier: by_id.get(u.parent_id) for u in units.values()})


async def stored_hashes(session: AsyncSession, hashes: Sequence[str]) -> set[str]:
    """Those of ``hashes`` whose events are stored already."""
    query = select(EpcisEvent.event_hash)
    return {h for (h,) in await select_in(session, query, EpcisEvent.event_hash, hashes)}


async def unit_ids(session: AsyncSession, identifiers: Sequence[str]) -> dict[str, int]:
    """The ids of the stored units among ``identifiers``."""
    query = select(Unit.identifier, Unit.id)
    return dict(await select_in(session, query, Unit.identifier, identifiers))


# --- what a job stores ----------------------------------------------------------------------


async def add_events(
    session: AsyncSession, job: CaptureJob, record_time: datetime,
    events: Iterable[tuple[int, Event, str, str]],
) -> dict[int, int]:
    """Store ``(document index, event, hash, JSON-LD body)`` of ``job``'s document.

    Returns the ids of the document's stored events by document index.
    """
    await insert_rows(session, EpcisEvent.__table__, [{
        "event_hash": digest, "event_type": str(event.type), "event_time": event.event_time,
        "event_time_zone_offset": event.event_time_zone_offset, "record_time": record_time,
        "action": str(event.action) if event.action else None,
        "biz_step": event.biz_step, "disposition": event.disposition,
        "biz_location": event.biz_location.id if event.biz_location else None,
        "document_id": job.document_id, "document_index": index, "partner_id": job.partner_id,
        "body": body,
    } for index, event, digest, body in events])
    return dict((await session.execute(
        select(EpcisEvent.document_index, EpcisEvent.id)
        .where(EpcisEvent.document_id == job.document_id))).all())


async def add_names(
    session: AsyncSession, epcs: Sequence[tuple[int, str, str]],
    references: Sequence[tuple[int, str, str, str]], parties: Sequence[tuple[int, int]],
) -> None:
    """Store who and what events name: ``(event id, epc, role)``, ``(event id, field, type,
    value)`` and ``(event id, partner id)``."""
    await insert_rows(session, EventEpc.__table__, epcs, EPC_COLUMNS)
    await insert_rows(session, EventReference.__table__, references, REFERENCE_COLUMNS)
    await insert_rows(session, EventParty.__table__, parties, PARTY_COLUMNS)


async def store_units(session: AsyncSession, state: State, now: datetime) -> dict[str, int]:
    """Insert the units created and update the ones changed; return the ids known.

    New units go in without a container: a container may be created after its contents, so
    placing units (and moving stored ones) is one executemany UPDATE by primary key. Ids of
    new units are read back only for units in a container and the containers.
    """
    await insert_rows(session, Unit.__table__, [
        {c: getattr(u, c) for c in NEW_UNIT} | {"updated_at": now} for u in state.created])
    placed = {ident: parent for ident, parent in state.parent.items() if parent is not None}
    ids = {ident: u.id for ident, u in state.units.items() if u.id is not None}
    ids.update(await unit_ids(session, [x for x in (*placed, *placed.values()) if x not in ids]))
    updates = []
    for ident, unit in state.units.items():
        parent = ids[placed[ident]] if ident in placed else None
        if ident in state.changed or unit.parent_id != parent:
            unit.id, unit.parent_id = ids[ident], parent
            updates.append({"id": unit.id, "updated_at": now}
                           | {c: getattr(unit, c) for c in CHANGED_UNIT})
    if updates and not await update_rows(session, Unit.__table__, updates):
        await session.execute(update(Unit), updates)
    return ids


async def add_exceptions(
    session: AsyncSession,
    job: CaptureJob,
    problems: Sequence[tuple[int, Problem]],
    event_ids: dict[int, int],
    unit_ids_known: dict[str, int] | None = None,
) -> None:
    """Store a custody exception for each ``(event index, problem)`` of ``job``."""
    known = dict(unit_ids_known or {})
    known.update(await unit_ids(session, [p.unit for _, p in problems
                                          if p.unit and p.unit not in known]))
    session.add_all(
        CustodyException(
            reason_code=p.code, detail=f"event {i}: {p.detail}", unit_id=known.get(p.unit or ""),
            event_id=event_ids.get(i), job_id=job.id, partner_id=job.partner_id,
        )
        for i, p in problems
    )
    await session.flush()


async def products(session: AsyncSession, gtins: Iterable[str]) -> dict[str, Product]:
    """The stored products among ``gtins``, by GTIN."""
    found = await session.scalars(select(Product).where(Product.gtin.in_(list(gtins))))
    return {p.gtin: p for p in found}


async def partner_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """Legal names of the partners ``ids``."""
    query = select(TradingPartner.id, TradingPartner.legal_name).where(TradingPartner.id.in_(list(ids)))
    return dict((await session.execute(query)).all())


async def add_lots(session: AsyncSession, lots: dict[tuple[str, str], date]) -> None:
    """Record each ``(gtin, lot) -> expiry`` not recorded yet (the first expiry stays)."""
    if not lots:
        return
    have = set((await session.execute(select(Lot.gtin, Lot.lot).where(
        Lot.gtin.in_({g for g, _ in lots})))).all())
    await insert_rows(session, Lot.__table__, [
        {"gtin": g, "lot": lot, "expiry": expiry} for (g, lot), expiry in lots.items() if (g, lot) not in have])
