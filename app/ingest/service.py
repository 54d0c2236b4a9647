"""Run one capture job: parse, hash, apply the rules, store events and ledger leaves.

Everything happens in the caller's transaction. Parsing, hashing and writing each event's
JSON-LD body run in a worker thread (:func:`prepare`); the database work follows. A document
is all-or-nothing: with the ``rollback`` behaviour any contradiction rejects it (nothing is
stored but the exceptions and the failed job); with ``proceed`` the contradicting events are
stored without effect and each contradiction becomes a :class:`CustodyException`. Events
whose hash is already stored are skipped, so replaying a document changes nothing.

DSCSA findings (:mod:`epcis.dscsa`; decision 0010) of severity ``error``
contradict like the rules' problems; a missing lot or expiry is one only when Custody does not
hold it for the units either (they may have been commissioned by an earlier document). Warnings are reported
on the job. The submitting brand owner's master data fills products, and the lots of the
units it commissions are recorded with their expiry.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.capture.service import DocumentRefused
from app.coldchain.store import store_event_readings
from app.errors import CustodyError
from app.ingest import repository
from app.ingest.errors import Contradiction, TooManyEvents, job_error, unreadable
from app.ingest.identifiers import company_prefix, escaped_canonically, prefix_length, to_urn
from app.ingest.rules import (
    Context,
    Outcome,
    Problem,
    State,
    UnitRow,
    misnamed,
    readers,
    rule_for,
)
from app.ledger import service as ledger
from app.ledger.core import HopSpec
from app.models import CaptureJob, EpcRole, JobStatus, Product
from app.models.base import utcnow
from app.partners.repository import find_partner
from epcis.dscsa import (
    Finding,
    Held,
    ProductMaster,
    Transaction,
    product_masters,
    verdict,
)
from epcis.errors import EpcisError, TooManyEventsError
from epcis.hashing import event_hash
from epcis.jsonld_write import to_jsonld
from epcis.model import Document, Event
from epcis.read import read_document
from epcis.safexml import DEFAULT_LIMITS

EVENT_LIMIT = 500_000  # default of CUSTODY_CAPTURE_EVENT_LIMIT
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Prepared:
    """A parsed document with each event's hash, JSON-LD body, DSCSA findings and master data."""

    events: tuple[Event, ...]
    hashes: list[str]
    bodies: list[str]
    findings: dict[int | None, list[Problem]]  # a refusal names its event (None: none)
    warnings: list[Finding] = dataclasses.field(default_factory=list)
    held: list[Held] = dataclasses.field(default_factory=list)
    transactions: list[Transaction] = dataclasses.field(default_factory=list)
    masters: dict[str, ProductMaster] = dataclasses.field(default_factory=dict)


Refused = TooManyEvents | DocumentRefused  # what a job gets for a document it will not run


def prepare(body: bytes, event_limit: int = EVENT_LIMIT) -> Prepared:
    """Parse and hash (CPU work, run in a thread). Raises EpcisError naming the event, or
    :class:`TooManyEvents` at the first event past ``event_limit``, while reading.

    Bodies are compact JSON (the C encoder; the indented form takes longer than the parse).
    """
    try:
        doc = read_document(body, limits=dataclasses.replace(DEFAULT_LIMITS, max_events=event_limit))
    except TooManyEventsError as exc:
        raise TooManyEvents(exc.limit) from None
    hashes, bodies = [], []
    for index, event in enumerate(doc.events):
        try:
            hashes.append(event_hash(event))
            one = to_jsonld(Document("2.0", creation_date=event.event_time, events=(event,)))
            bodies.append(json.dumps(one, ensure_ascii=False, separators=(",", ":")))
        except EpcisError as exc:
            exc.event_index = index if exc.event_index in (None, 0) else exc.event_index
            raise
    findings: dict[int | None, list[Problem]] = {}
    v = verdict(doc)
    for f in v.refusals:
        findings.setdefault(f.event_index, []).append(Problem(f.code, f.message))
    return Prepared(doc.events, hashes, bodies, findings, v.warnings, v.held, v.transactions,
                    product_masters(doc))


@dataclass
class Rejected(Exception):
    """The document contradicts custody and its behaviour is ``rollback``."""

    problems: list[tuple[int, Problem]]


async def load_context(session: AsyncSession, submitter: int) -> Context:
    """Partners, their GLNs, company prefixes, locations and authorization today.

    Brand ownership is the company prefixes a partner holds, never its GLNs' digits: a GLN
    does not say where its company prefix ends.
    """
    found = await repository.directory(session)
    principals: dict[int, set[int]] = {}
    for agent, principal in found.agents:
        principals.setdefault(agent, set()).add(principal)
    today = date.today()
    licensed = {x.partner_id for x in found.licences if x.is_valid_on(today)}
    labels: dict[int, str] = {}
    by_gln: dict[str, int] = {}
    prefixes: dict[int, set[str]] = {}
    for prefix, pid in found.prefixes:
        prefixes.setdefault(pid, set()).add(prefix)
    for gln, pid in found.glns:
        labels.setdefault(pid, gln)
        by_gln[gln[:12]] = pid
    for _, gln, _, pid in found.locations:
        by_gln.setdefault(gln[:12], pid)
    licences: dict[int, list] = {}
    for x in found.licences:
        licences.setdefault(x.partner_id, []).append(x)
    return Context(
        submitter,
        labels,
        by_gln,
        prefixes,
        {sgln: lid for lid, _, sgln, _ in found.locations},
        {pid for pid, ok in found.partners if ok and pid in licensed},
        principals,
        licences,
    )


async def canonical_events(
    session: AsyncSession, ctx: Context, events: Sequence[Event]
) -> Sequence[Event]:
    """The events as the rules see them: one name per unit.

    Digital Link SGTINs/SSCCs become EPC URNs where the company prefix is known, and SGTIN
    serials are percent-escaped one way (``S%34`` is ``S4``).
    """
    odd = {x for e in events for x in e.all_epcs if x.startswith("http") or "%" in x}
    if not odd:
        return events
    names = {x: escaped_canonically(x) for x in odd if not x.startswith("http")}
    if links := odd.difference(names):
        names.update(await _link_names(session, ctx, events, links))

    def renamed(epcs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(names.get(x, x) for x in epcs)

    def rename(e: Event) -> Event:
        return dataclasses.replace(
            e, epc_list=renamed(e.epc_list), child_epcs=renamed(e.child_epcs),
            input_epc_list=renamed(e.input_epc_list), output_epc_list=renamed(e.output_epc_list),
            parent_id=names.get(e.parent_id, e.parent_id) if e.parent_id else None)

    return [rename(e) for e in events]


async def _link_names(session: AsyncSession, ctx: Context, events: Sequence[Event],
                      links: set[str]) -> dict[str, str]:
    """The EPC URN of each Digital Link whose company prefix length is known."""
    lengths = await repository.prefix_lengths(session)
    # Only exact company prefixes: held ones first, then products, and EPC URNs (known SGLNs,
    # the document's EPCs and locations). A GLN alone does not say where its company prefix
    # ends; a guessed length would mint a wrong URN, possibly another company's.
    urns = [*ctx.locations, *(x for e in events for x in e.all_epcs),
            *(loc.id for e in events for loc in (e.read_point, e.biz_location) if loc)]
    known = {gtin[1 : 1 + n] for gtin, n in lengths.items()}
    known.update(p for p in map(company_prefix, urns) if p is not None)

    def length_for(kind: str, key: str) -> int | None:
        if held := ctx.registered(key[1:]):
            return len(held)
        return lengths.get(key) if kind == "gtin" and key in lengths else prefix_length(key[1:], known)

    return {x: to_urn(x, length_for) for x in links}


async def prepare_job(session: AsyncSession, job_id: str,
                      event_limit: int = EVENT_LIMIT) -> Prepared | Refused:
    """Read a job's document and parse it in a thread (no lock needed: documents never change)."""
    body = await repository.document_of(session, job_id)
    try:
        return await anyio.to_thread.run_sync(prepare, body, event_limit)
    except TooManyEvents as exc:
        return exc
    except EpcisError as exc:
        return unreadable(exc)


async def run_job(session: AsyncSession, job: CaptureJob, progress: Progress | None = None,
                  prepared: Prepared | Refused | None = None) -> None:
    """Process ``job`` in the caller's transaction and set its final status and errors."""
    if prepared is None:
        prepared = await prepare_job(session, job.id)
    if isinstance(prepared, CustodyError):
        finish(job, JobStatus.FAILED, None, [prepared])
        return
    if job.partner_id is None:
        raise RuntimeError(f"capture job {job.id} has no submitting partner")
    partner = await find_partner(session, job.partner_id)
    assert partner is not None, "a job's partner is a foreign key"
    behaviour = job.error_behaviour or partner.exception_policy
    savepoint = await session.begin_nested()
    try:
        problems = await _apply(session, job, prepared, behaviour, progress)
    except Rejected as rejected:
        await savepoint.rollback()
        await repository.add_exceptions(session, job, rejected.problems, {})
        finish(job, JobStatus.FAILED, len(prepared.events), _located(prepared, rejected.problems),
               prepared.warnings)
        return
    await savepoint.commit()
    finish(job, JobStatus.SUCCEEDED, len(prepared.events), _located(prepared, problems), prepared.warnings)


def epc_roles(event: Event) -> Iterator[tuple[str, str]]:
    """Each identifier ``event`` names, with the role its ``MATCH_*`` query parameter matches."""
    if event.parent_id:
        yield event.parent_id, EpcRole.PARENT.value
    for role, epcs in ((EpcRole.EPC, event.epc_list + event.child_epcs),
                       (EpcRole.INPUT, event.input_epc_list),
                       (EpcRole.OUTPUT, event.output_epc_list)):
        for epc in epcs:
            yield epc, role.value


def references(event: Event) -> Iterator[tuple[str, str, str]]:
    """``(field, type, value)`` of the read point, business transactions, sources and
    destinations ``event`` names, for the ``EQ_`` query parameters ('': no type)."""
    if event.read_point:
        yield "readPoint", "", event.read_point.id
    for field, entries in (("bizTransaction", event.biz_transactions),
                           ("source", event.sources), ("destination", event.destinations)):
        for entry in entries:
            yield field, entry.type or "", entry.value


def finish(job: CaptureJob, status: JobStatus, count: int | None,
           errors: Sequence[CustodyError], warnings: Sequence[Finding] = ()) -> None:
    """Set ``job``'s final status, event count, errors (see :func:`job_error`) and the DSCSA
    warnings it reports."""
    job.status, job.event_count, job.finished_at = status, count, utcnow()
    job.errors = [job_error(e) for e in errors]
    job.warnings = [job_warning(f) for f in warnings]


def job_warning(finding: Finding) -> dict[str, object]:
    """A DSCSA warning as a capture job reports it: reason code, event, field and detail."""
    where = {} if finding.event_index is None else {"eventIndex": finding.event_index}
    return {"reason": finding.code, **where, "field": finding.field, "detail": finding.message}


def licence_problems(ctx: Context, tx: Transaction) -> list[Problem]:
    """The seller and the buyer each hold a licence valid on the transaction date (FD&C 582:
    trading partners are authorized); a party Custody does not know is the rules' concern."""
    day = tx.transaction_date.date()
    out = []
    for role, party in (("seller", tx.seller), ("buyer", tx.buyer)):
        partner = ctx.resolve(party.id) if party else None
        if partner is not None and not ctx.licensed_on(partner, day):
            out.append(Problem(f"{role.upper()}_LICENCE_NOT_VALID",
                               f"{role} {ctx.label(partner)} holds no licence valid on the transaction "
                               f"date {day.isoformat()}"))
    return out


def unheld(state: State, held: Sequence[Held]) -> dict[int | None, list[Problem]]:
    """The missing lots and expiry dates that the units Custody holds do not supply either
    (a unit Custody does not hold at all is the rules' problem, not reported twice)."""
    out: dict[int | None, list[Problem]] = {}
    for h in held:
        units = [state.units.get(i) for i in h.identifiers]
        if any(u is not None and getattr(u, h.column) is None for u in units):
            f = h.finding
            out.setdefault(f.event_index, []).append(Problem(f.code, f.message))
    return out


async def store_master_data(session: AsyncSession, ctx: Context, masters: dict[str, ProductMaster],
                            created: Sequence[UnitRow]) -> None:
    """Products from the submitter's own master data, then the lots of the units it created.

    Only the brand owner (or its agent) names a product: master data for a GTIN under another
    company's prefix (a distributor forwarding the TI) is not stored. A product needs a name
    and an NDC; the manufacturer is the one master data names, else the prefix owner. A lot is
    recorded once, with the expiry of its first commissioning, for a product Custody knows.
    """
    owner: dict[str | None, int] = {prefix: pid for pid in (ctx.submitter, *ctx.principals.get(ctx.submitter, ()))
             for prefix in ctx.prefixes.get(pid, ())}
    mine = {g: m for g, m in masters.items() if m.company_prefix in owner and m.name and m.ndc}
    lots = {(u.gtin, u.lot): u.expiry for u in created if u.gtin and u.lot and u.expiry}
    if not mine and not lots:
        return
    products = await repository.products(session, {*mine, *(g for g, _ in lots)})
    names = await repository.partner_names(session, {owner[m.company_prefix] for m in mine.values()})
    for gtin, m in mine.items():
        made_by = owner[m.company_prefix]
        values = {"ndc": m.ndc, "proprietary_name": m.name, "strength": m.strength,
                  "dosage_form": m.dosage_form, "container_size": m.container_size,
                  "manufacturer_id": made_by, "manufacturer_name": m.manufacturer or names[made_by],
                  "company_prefix_length": len(m.company_prefix or "")}
        product = products.get(gtin)
        if product is None:
            products[gtin] = product = Product(gtin=gtin)
            session.add(product)
        for key, value in values.items():
            if value is not None:
                setattr(product, key, value)
    await session.flush()
    await repository.add_lots(session, {k: v for k, v in lots.items() if k[0] in products})


def _located(prepared: Prepared, problems: list[tuple[int, Problem]]) -> list[Contradiction]:
    return [Contradiction(i, prepared.hashes[i], p) for i, p in problems]


async def _apply(
    session: AsyncSession,
    job: CaptureJob,
    prepared: Prepared,
    behaviour: str,
    progress: Progress | None,
) -> list[tuple[int, Problem]]:
    """Apply the rules to the events not stored yet, store them; return the problems found.

    Raises :class:`Rejected` instead when there are problems and ``behaviour`` is not proceed.
    """
    written, hashes = prepared.events, prepared.hashes
    assert job.partner_id is not None  # run_job refuses a job without one
    ctx = await load_context(session, job.partner_id)
    events = await canonical_events(session, ctx, written)  # what the rules see
    # Units first, then stored hashes: a concurrent job whose units we see has committed, so
    # its events are seen too (READ COMMITTED) and are skipped, not re-applied.
    state = await repository.load_state(session, [epc for e in events for epc in e.all_epcs])
    stored = await repository.stored_hashes(session, hashes)
    dscsa = unheld(state, prepared.held)  # before the rules run: what Custody held already
    for tx in prepared.transactions:
        dscsa.setdefault(tx.event_index, []).extend(licence_problems(ctx, tx))
    accepted: list[tuple[int, tuple[HopSpec, ...]]] = []  # the hops of each event stored
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
        found += misnamed(event, ctx)
        rule = rule_for(event)
        out = rule(state, event, ctx) if rule and not found else Outcome()
        found += out.problems + prepared.findings.get(index, []) + dscsa.get(index, [])  # custody, TI/TS
        if not found:
            state.apply(out)
        problems.extend((index, p) for p in found)
        accepted.append((index, () if found else tuple(out.hops)))
    if problems and behaviour != "proceed":
        raise Rejected(problems)
    now = utcnow()
    ids = await repository.store_units(session, state, now)
    await store_master_data(session, ctx, prepared.masters, state.created)
    rows = await repository.add_events(session, job, now, (
        (index, events[index], hashes[index], prepared.bodies[index]) for index, _ in accepted))
    label = ctx.label(job.partner_id)
    epc_rows, reference_rows, party_rows = [], [], []
    for index, hops in accepted:
        event_id = rows[index]
        named = dict.fromkeys((*epc_roles(events[index]), *epc_roles(written[index])))
        epc_rows += [(event_id, e, r) for e, r in named]
        reference_rows += [(event_id, *r) for r in dict.fromkeys(references(written[index]))]
        parties = readers(label, ((h.kind, h.from_party, h.to_party) for h in hops))
        party_rows += [(event_id, pid) for pid in map(ctx.partner_named, parties) if pid is not None]
    await repository.add_names(session, epc_rows, reference_rows, party_rows)
    refused = {i for i, _ in problems}  # stored as evidence; their sensor data is not kept
    await store_event_readings(session, ((hashes[i], events[i]) for i, _ in accepted
                                         if i not in refused), _held_by(state, job.partner_id))
    await repository.add_exceptions(session, job, problems, rows, ids)
    await ledger.append(session, [ledger.Entry(hashes[i], now, label, hops) for i, hops in accepted])
    return problems


def _held_by(state: State, partner: int | None):
    """Whether ``partner`` holds (or is receiving) a unit: only then are its sensor readings
    on that unit kept (a partner cannot put temperatures on another's stock)."""
    def holds(epc: str) -> bool:
        unit = state.units.get(epc)
        return unit is not None and partner in (unit.custodian_id, unit.destination_id)
    return holds
