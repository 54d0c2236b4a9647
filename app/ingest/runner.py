"""Run one capture job: parse, hash, apply the rules, store events and ledger leaves.

Everything happens in the caller's transaction. Parsing, hashing and writing each event's
JSON-LD body run in a worker thread (:func:`prepare`); the database work follows. A document
is all-or-nothing: with the ``rollback`` behaviour any contradiction rejects it (nothing is
stored but the exceptions and the failed job); with ``proceed`` the contradicting events are
stored without effect and each contradiction becomes a :class:`CustodyException`. Events
whose hash is already stored are skipped, so replaying a document changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import anyio
from sqlalchemy import any_, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import PROBLEM_BASE
from app.ingest.identifiers import company_prefix, prefix_length, to_urn
from app.ingest.rules import Context, Outcome, Problem, State, UnitRow, rule_for
from app.ledger import service as ledger
from app.ledger.repository import insert_rows
from app.models import (
    CaptureJob,
    CustodyException,
    EpcisEvent,
    EpcRole,
    EventEpc,
    EventParty,
    JobStatus,
    Licence,
    Location,
    PartnerAgent,
    PartnerGln,
    Product,
    RawDocument,
    TradingPartner,
    Unit,
)
from app.models.base import utcnow
from epcis.dscsa import SHIPPING, extract_transactions
from epcis.errors import EpcisError
from epcis.hashing import event_hash
from epcis.jsonld_write import to_jsonld
from epcis.model import Document, Event
from epcis.read import read_document

CHUNK = 2000  # values per IN (...) list
EVENT_LIMIT = 500_000  # default of CUSTODY_CAPTURE_EVENT_LIMIT
NEW_UNIT = ("identifier", "kind", "gtin", "serial", "lot", "status", "custodian_id",
            "destination_id", "location_id")
CHANGED_UNIT = ("status", "custodian_id", "destination_id", "location_id", "parent_id")
Progress = Callable[[int, int], None]
# Containers packed and lots given in an earlier document: Custody holds them already.
IGNORED_FINDINGS = frozenset({"TI_NO_PRODUCTS", "TI_MISSING_LOT"})


@dataclass(frozen=True)
class Prepared:
    """A parsed document with each event's hash, JSON-LD body and DSCSA findings."""

    events: tuple[Event, ...]
    hashes: list[str]
    bodies: list[str]
    findings: dict[int, list[Problem]]


class TooManyEvents(Exception):
    """A document holds more events than one capture may (``CUSTODY_CAPTURE_EVENT_LIMIT``)."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"the document holds {count} events, more than the limit of {limit} "
                         "per capture (CUSTODY_CAPTURE_EVENT_LIMIT, advertised as "
                         "GS1-EPCIS-Capture-Limit); split it into several documents")
        self.count, self.limit = count, limit

    def problem(self) -> dict[str, Any]:
        """The capture job error naming the limit and the count."""
        return {"type": PROBLEM_BASE + "capture-limit", "title": "Capture limit exceeded",
                "detail": str(self), "reason": "CAPTURE_LIMIT_EXCEEDED",
                "expected": f"at most {self.limit} events", "found": self.count}


Refused = EpcisError | TooManyEvents  # what prepare() raises for a document it will not run


def prepare(body: bytes, event_limit: int = EVENT_LIMIT) -> Prepared:
    """Parse and hash (CPU work, run in a thread). Raises EpcisError naming the event, or
    TooManyEvents (before hashing anything) when there are more than ``event_limit`` events.

    Bodies are compact JSON (the C encoder; the indented form takes longer than the parse).
    """
    doc = read_document(body)
    if len(doc.events) > event_limit:
        raise TooManyEvents(len(doc.events), event_limit)
    hashes, bodies = [], []
    for index, event in enumerate(doc.events):
        try:
            hashes.append(event_hash(event))
            one = to_jsonld(Document("2.0", creation_date=event.event_time, events=(event,)))
            bodies.append(json.dumps(one, ensure_ascii=False, separators=(",", ":")))
        except EpcisError as exc:
            exc.event_index = index if exc.event_index in (None, 0) else exc.event_index
            raise
    findings: dict[int, list[Problem]] = {}
    if any(e.biz_step == SHIPPING for e in doc.events):
        for tx in extract_transactions(doc):
            for f in tx.findings:
                if f.severity == "error" and f.code not in IGNORED_FINDINGS:
                    findings.setdefault(tx.event_index, []).append(Problem(f.code, f.message))
    return Prepared(doc.events, hashes, bodies, findings)


@dataclass
class Rejected(Exception):
    """The document contradicts custody and its behaviour is ``rollback``."""

    errors: list[dict[str, Any]]
    problems: list[tuple[int, Problem]] = field(default_factory=list)


def _error(index: int, digest: str | None, problem: Problem) -> dict[str, Any]:
    out = {"type": PROBLEM_BASE + "custody-exception", "title": "Custody exception",
           "detail": f"event {index}: {problem.detail}", "reason": problem.code,
           "eventIndex": index, "eventHash": digest}
    if problem.unit:
        out["unit"] = problem.unit
    return out


async def _select_in(session: AsyncSession, query, key, values: Sequence) -> list:
    """Rows of ``query`` whose ``key`` is among ``values``, a chunk of values at a time.

    PostgreSQL gets one array parameter per chunk (``key = ANY(:values)``): a statement with
    thousands of placeholders costs more to build and parse than to run.
    """
    values = list(dict.fromkeys(values))
    pg = session.bind.dialect.name == "postgresql"
    size = CHUNK * 10 if pg else CHUNK
    rows: list = []
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        where = key == any_(literal(chunk, ARRAY(key.type))) if pg else key.in_(chunk)
        rows.extend(await session.execute(query.where(where)))
    return rows


async def _ids(session: AsyncSession, key, id_column, values: Sequence[str]) -> dict[str, int]:
    return dict(await _select_in(session, select(key, id_column), key, values))


async def load_context(session: AsyncSession, submitter: int) -> Context:
    """Partners, their GLNs, company prefixes, locations and authorization today."""
    partners = (await session.execute(select(TradingPartner.id, TradingPartner.authorized))).all()
    glns = (await session.execute(select(PartnerGln.gln, PartnerGln.partner_id)
                                  .order_by(PartnerGln.gln))).all()
    locations = (await session.execute(select(Location.id, Location.gln, Location.sgln,
                                              Location.partner_id))).all()
    licences = (await session.scalars(select(Licence))).all()
    agents = (await session.execute(select(PartnerAgent.agent_id, PartnerAgent.principal_id))).all()
    principals: dict[int, set[int]] = {}
    for agent, principal in agents:
        principals.setdefault(agent, set()).add(principal)
    today = date.today()
    licensed = {x.partner_id for x in licences if x.is_valid_on(today)}
    labels: dict[int, str] = {}
    by_gln: dict[str, int] = {}
    prefixes: dict[int, set[str]] = {}
    for gln, pid in glns:
        labels.setdefault(pid, gln)
        by_gln[gln[:12]] = pid
        prefixes.setdefault(pid, set()).update(gln[:n] for n in range(6, 13))
    for _, gln, _, pid in locations:
        by_gln.setdefault(gln[:12], pid)
    return Context(
        submitter,
        labels,
        by_gln,
        prefixes,
        {sgln: lid for lid, _, sgln, _ in locations},
        {pid for pid, ok in partners if ok and pid in licensed},
        principals,
    )


async def canonical_events(
    session: AsyncSession, ctx: Context, events: Sequence[Event]
) -> Sequence[Event]:
    """The events with Digital Link SGTINs/SSCCs renamed to EPC URNs where the prefix is known."""
    links = {x for e in events for x in e.all_epcs if x.startswith("http")}
    if not links:
        return events
    lengths = dict((await session.execute(select(Product.gtin, Product.company_prefix_length))).all())
    # Only exact company prefixes (products, and EPC URNs: known SGLNs, the document's EPCs
    # and locations). A GLN alone does not say where its company prefix ends; a guessed
    # length would mint a wrong URN, possibly another company's.
    urns = [*ctx.locations, *(x for e in events for x in e.all_epcs),
            *(loc.id for e in events for loc in (e.read_point, e.biz_location) if loc)]
    known = {gtin[1 : 1 + n] for gtin, n in lengths.items()} | set(map(company_prefix, urns))
    known.discard(None)

    def length_for(kind: str, key: str) -> int | None:
        return lengths.get(key) if kind == "gtin" and key in lengths else prefix_length(key[1:], known)

    names = {x: to_urn(x, length_for) for x in links}

    def rename(e: Event) -> Event:
        lists = ("epc_list", "child_epcs", "input_epc_list", "output_epc_list")
        return dataclasses.replace(
            e, **{name: tuple(names.get(x, x) for x in getattr(e, name)) for name in lists},
            parent_id=names.get(e.parent_id, e.parent_id) if e.parent_id else None)

    return [rename(e) for e in events]


async def load_state(session: AsyncSession, identifiers: Sequence[str]) -> State:
    """The named units, everything inside them, and the containers they are in."""
    units: dict[str, UnitRow] = {}
    # PostgreSQL: lock the rows, so concurrent jobs touching the same units run one after the
    # other (a deadlock between two of them fails one, which the worker retries).
    lock = session.bind.dialect.name == "postgresql"
    columns = [Unit.__table__.c[name] for name in UnitRow.__slots__]

    query = select(*columns).order_by(Unit.id)
    query = query.with_for_update() if lock else query

    async def rows(key, values) -> list[UnitRow]:
        return [UnitRow(*row) for row in await _select_in(session, query, key, values)]

    for unit in await rows(Unit.identifier, identifiers):
        units[unit.identifier] = unit
    frontier = [u.id for u in units.values()]
    while frontier:
        found = await rows(Unit.parent_id, frontier)
        frontier = [u.id for u in found if u.identifier not in units]
        units.update({u.identifier: u for u in found})
    by_id = {u.id: u.identifier for u in units.values()}
    missing = {u.parent_id for u in units.values() if u.parent_id and u.parent_id not in by_id}
    for unit in await rows(Unit.id, missing):
        units[unit.identifier] = unit
        by_id[unit.id] = unit.identifier
    return State(units, {u.identifier: by_id.get(u.parent_id) for u in units.values()})


async def prepare_job(session: AsyncSession, job_id: str,
                      event_limit: int = EVENT_LIMIT) -> Prepared | Refused:
    """Read a job's document and parse it in a thread (no lock needed: documents never change)."""
    body = await session.scalar(
        select(RawDocument.body).join(CaptureJob, CaptureJob.document_id == RawDocument.id)
        .where(CaptureJob.id == job_id))
    try:
        return await anyio.to_thread.run_sync(prepare, body, event_limit)
    except (EpcisError, TooManyEvents) as exc:
        return exc


async def run_job(session: AsyncSession, job: CaptureJob, progress: Progress | None = None,
                  prepared: Prepared | Refused | None = None) -> None:
    """Process ``job`` in the caller's transaction and set its final status and errors."""
    if prepared is None:
        prepared = await prepare_job(session, job.id)
    if isinstance(prepared, TooManyEvents):
        _finish(job, JobStatus.FAILED, prepared.count, [prepared.problem()])
        return
    if isinstance(prepared, EpcisError):
        exc = prepared
        _finish(job, JobStatus.FAILED, None, [{
            "type": PROBLEM_BASE + "epcis-document", "title": "EPCIS document refused",
            "detail": str(exc), "reason": "EPCIS_INVALID", **_camel(exc.to_dict())}])
        return
    if job.partner_id is None:
        raise RuntimeError(f"capture job {job.id} has no submitting partner")
    partner = await session.get(TradingPartner, job.partner_id)
    behaviour = job.error_behaviour or partner.exception_policy
    savepoint = await session.begin_nested()
    try:
        errors = await _apply(session, job, prepared, behaviour, progress)
    except Rejected as rejected:
        await savepoint.rollback()
        await _record_exceptions(session, job, rejected.problems, {})
        _finish(job, JobStatus.FAILED, len(prepared.events), rejected.errors)
        return
    await savepoint.commit()
    _finish(job, JobStatus.SUCCEEDED, len(prepared.events), errors)


def epc_roles(event: Event) -> Iterator[tuple[str, str]]:
    """Each identifier ``event`` names, with the role its ``MATCH_*`` query parameter matches."""
    if event.parent_id:
        yield event.parent_id, EpcRole.PARENT.value
    for role, epcs in ((EpcRole.EPC, event.epc_list + event.child_epcs),
                       (EpcRole.INPUT, event.input_epc_list),
                       (EpcRole.OUTPUT, event.output_epc_list)):
        for epc in epcs:
            yield epc, role.value


def _camel(info: dict[str, Any]) -> dict[str, Any]:
    names = {"event_index": "eventIndex"}
    return {names.get(k, k): v for k, v in info.items() if k != "message"}


def _finish(job: CaptureJob, status: JobStatus, count: int | None, errors: list) -> None:
    job.status, job.event_count, job.errors, job.finished_at = status, count, errors, utcnow()


async def _apply(
    session: AsyncSession,
    job: CaptureJob,
    prepared: Prepared,
    behaviour: str,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    written, hashes = prepared.events, prepared.hashes
    ctx = await load_context(session, job.partner_id)
    events = await canonical_events(session, ctx, written)  # what the rules see
    # Units first, then stored hashes: a concurrent job whose units we see has committed, so
    # its events are seen too (READ COMMITTED) and are skipped, not re-applied.
    state = await load_state(session, [epc for e in events for epc in e.all_epcs])
    stored = {h for (h,) in await _select_in(
        session, select(EpcisEvent.event_hash), EpcisEvent.event_hash, hashes)}
    accepted: list[tuple[int, Outcome, list[Problem]]] = []
    problems: list[tuple[int, Problem]] = []
    for index, event in enumerate(events):
        if progress:
            progress(index + 1, len(events))
        if hashes[index] in stored:
            continue
        stored.add(hashes[index])
        found = []
        if job.partner_id not in ctx.authorized:
            found.append(Problem("SENDER_NOT_AUTHORIZED",
                                 f"sender {ctx.label(job.partner_id)} is not an authorized "
                                 "trading partner with a valid licence"))
        rule = rule_for(event)
        out = rule(state, event, ctx) if rule and not found else Outcome()
        found += out.problems + prepared.findings.get(index, [])  # custody first, then TI/TS
        if not found:
            state.apply(out)
        problems.extend((index, p) for p in found)
        accepted.append((index, out, found))
    errors = [_error(i, hashes[i], p) for i, p in problems]
    if problems and behaviour != "proceed":
        raise Rejected(errors, problems)
    now = utcnow()
    ids = await _store_units(session, state, now)
    await insert_rows(session, EpcisEvent.__table__, [{
        "event_hash": hashes[index], "event_type": str(events[index].type),
        "event_time": events[index].event_time,
        "event_time_zone_offset": events[index].event_time_zone_offset, "record_time": now,
        "action": str(events[index].action) if events[index].action else None,
        "biz_step": events[index].biz_step, "disposition": events[index].disposition,
        "biz_location": events[index].biz_location.id if events[index].biz_location else None,
        "document_id": job.document_id, "document_index": index, "partner_id": job.partner_id,
        "body": prepared.bodies[index],
    } for index, _, _ in accepted])
    rows = dict((await session.execute(
        select(EpcisEvent.document_index, EpcisEvent.id)
        .where(EpcisEvent.document_id == job.document_id))).all())
    epc_rows, party_rows = [], []
    for index, out, found in accepted:
        event_id = rows[index]
        named = dict.fromkeys((*epc_roles(events[index]), *epc_roles(written[index])))
        epc_rows += [{"event_id": event_id, "epc": e, "role": r} for e, r in named]
        parties = {job.partner_id, *([] if found else out.parties)}
        party_rows += [{"event_id": event_id, "partner_id": p} for p in parties if p is not None]
    await insert_rows(session, EventEpc.__table__, epc_rows)
    await insert_rows(session, EventParty.__table__, party_rows)
    await _record_exceptions(session, job, problems, rows, ids)
    label = ctx.label(job.partner_id)
    await ledger.append(session, [
        ledger.Entry(hashes[i], now, label, tuple(out.hops) if not found else ())
        for i, out, found in accepted
    ])
    return errors


async def _store_units(session: AsyncSession, state: State, now) -> dict[str, int]:
    """Insert the units created and update the ones changed; return the ids known.

    New units go in without a container: a container may be created after its contents, so
    placing units (and moving stored ones) is one executemany UPDATE by primary key. Ids of
    new units are read back only for units in a container and the containers.
    """
    await insert_rows(session, Unit.__table__, [
        {c: getattr(u, c) for c in NEW_UNIT} | {"updated_at": now} for u in state.created])
    placed = {ident: parent for ident, parent in state.parent.items() if parent is not None}
    ids = {ident: u.id for ident, u in state.units.items() if u.id is not None}
    ids.update(await _ids(session, Unit.identifier, Unit.id,
                          [x for x in (*placed, *placed.values()) if x not in ids]))
    updates = []
    for ident, unit in state.units.items():
        parent = ids[placed[ident]] if ident in placed else None
        if ident in state.changed or unit.parent_id != parent:
            unit.id, unit.parent_id = ids[ident], parent
            updates.append({"id": unit.id, "updated_at": now}
                           | {c: getattr(unit, c) for c in CHANGED_UNIT})
    if updates:
        await session.execute(update(Unit), updates)
    return ids


async def _record_exceptions(
    session: AsyncSession,
    job: CaptureJob,
    problems: list[tuple[int, Problem]],
    event_ids: dict[int, int],
    unit_ids: dict[str, int] | None = None,
) -> None:
    unit_ids = dict(unit_ids or {})
    units = [p.unit for _, p in problems if p.unit and p.unit not in unit_ids]
    unit_ids.update(await _ids(session, Unit.identifier, Unit.id, units))
    session.add_all(
        CustodyException(
            reason_code=p.code, detail=f"event {i}: {p.detail}", unit_id=unit_ids.get(p.unit or ""),
            event_id=event_ids.get(i), job_id=job.id, partner_id=job.partner_id,
        )
        for i, p in problems
    )
    await session.flush()
