"""Pick and pack: shipments to authorized partners, SSCC cases packed by scan, shipped as EPCIS.

A shipment goes ``open`` -> ``packed`` (every case closed) -> ``shipped``, or is
``cancelled`` before it ships. Each case gets an SSCC from the operator's GS1 Company Prefix
(:func:`allocate_ssccs`). A unit scanned into a case is verified first by the scans service:
anything but ``verified`` is refused with its verdict, as is a unit already in an open case.
Closing a case records an AggregationEvent ADD, reopening it a DELETE of the same children, and
shipping the shipping ObjectEvent on the cases with the DSCSA TI and TS: each the operator's own
EPCIS, through the ingest rules and the ledger in the caller's transaction
(:func:`app.operator.service.submit`). The outbound document (:func:`outbound`) is the same
events read back from the ledger, with master data and the statement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import service as named_cases
from app.errors import Conflict, NotFound, ValidationFailed
from app.models import (
    CaseUnit,
    Location,
    Shipment,
    ShipmentCase,
    ShipmentEvent,
    ShipmentStatus,
    SsccAllocation,
    TradingPartner,
)
from app.models.base import utcnow
from app.operator.service import Operator, submit
from app.scans.service import Verdict, verify_text
from app.shipments import documents, repository
from app.shipments.sscc import sscc
from app.staff.service import Actor
from app.vault import service as vault
from app.vault.crypto import Keyring
from app.world.events import pack, unpack
from epcis.jsonld_write import to_jsonld
from epcis.model import Document, Event
from epcis.write import write_document
from gs1.errors import GS1Error
from gs1.identifiers import sscc_uri, validate_gln

St = ShipmentStatus
FORMATS = ("1.2-xml", "2.0-jsonld")


class ShipToRefused(Conflict):
    """The ship-to partner or site may not receive: not authorized or licensed that day."""

    slug, title = "ship-to-refused", "Ship-to partner refused"


class ShipmentStateError(Conflict):
    """The shipment or case is not in a state that allows the action."""

    slug, title = "shipment-state", "Shipment state does not allow this"


class PackRefused(Conflict):
    """A scanned unit may not go into the case (its verdict, or it is packed already)."""

    slug, title = "pack-refused", "Unit refused"


class SsccExhausted(Conflict):
    """The operator's company prefix has no SSCC serial reference left."""

    slug, title = "sscc-exhausted", "SSCCs used up"


@dataclass(frozen=True)
class ShipmentSpec:
    """What a new shipment names: the ship-to partner (a GLN it holds) and site (an SGLN of
    it; its first site when None), an order number, an opaque case reference, the carrier."""

    ship_to_gln: str
    ship_to_site: str | None = None
    order_number: str | None = None
    case_ref: str | None = None
    carrier: str | None = None
    tracking: str | None = None


@dataclass(frozen=True)
class CaseView:
    """A case with its SSCC (18 digits and EPC URI), state and the units in it."""

    case: ShipmentCase
    epc: str
    units: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.units)


@dataclass(frozen=True)
class ShipmentView:
    """A shipment, its ship-to partner and site, and its cases."""

    shipment: Shipment
    ship_to_name: str
    ship_to_gln: str | None
    ship_to_site: str
    cases: list[CaseView]

    @property
    def units(self) -> int:
        return sum(c.count for c in self.cases)


@dataclass(frozen=True)
class Packed:
    """A unit scanned into a case: its EPC, the verdict, and the case's running count."""

    epc: str
    verdict: Verdict
    case_id: int
    sscc: str
    count: int


# -- SSCC allocation -------------------------------------------------------------------
async def allocate_ssccs(session: AsyncSession, op: Operator, count: int, actor: str, purpose: str,
                         extension: str = "0") -> list[str]:
    """``count`` new SSCCs under the operator's GS1 Company Prefix with ``extension``.

    The serial references come from a counter row locked until the caller's transaction ends,
    and each allocation is recorded (append-only) in that transaction: no number is handed out
    twice, and one whose transaction rolls back (a crash) was never handed out.
    """
    prefixes = await repository.prefixes_of(session, op.id)
    if not prefixes:
        raise Conflict(f"operator {op.name} ({op.gln}) holds no GS1 Company Prefix: expected one "
                       "to allocate SSCCs from (custody partners update --prefix)",
                       field="company_prefix")
    prefix = prefixes[0]
    first = await repository.take_serials(session, prefix, extension, count)
    try:
        keys = [sscc(prefix, extension, first + i) for i in range(count)]
    except GS1Error as err:
        raise SsccExhausted(str(err), field="sscc", found=err.value) from None
    now = utcnow()
    await repository.add_allocations(session, [
        {"sscc": key, "prefix": prefix, "extension": extension, "serial": first + i,
         "allocated_at": now, "allocated_by": actor, "purpose": purpose}
        for i, key in enumerate(keys)])
    return keys


# -- shipments -------------------------------------------------------------------------
async def _ship_to_check(session: AsyncSession, partner_id: int, day: date) -> TradingPartner:
    partner = await repository.partner(session, partner_id)
    assert partner is not None, "a shipment's partner is a foreign key"
    why = partner.not_authorized_because(day)
    if why:
        raise ShipToRefused(f"cannot ship to {partner.legal_name} on {day.isoformat()}: {why}",
                            field="ship_to", reason=why)
    return partner


async def create_shipment(session: AsyncSession, op: Operator, spec: ShipmentSpec,
                          actor: str) -> ShipmentView:
    """A new open shipment to an authorized, licensed partner's site."""
    try:
        gln = validate_gln(spec.ship_to_gln)
    except GS1Error as err:
        raise ValidationFailed(f"ship_to_gln: {err}", field="ship_to_gln",
                               found=spec.ship_to_gln) from None
    partner_id = await repository.partner_by_gln(session, gln)
    if partner_id is None:
        raise ValidationFailed(f"ship_to_gln {gln}: expected the GLN of a trading partner, got "
                               "one that names none", field="ship_to_gln", found=gln)
    if partner_id == op.id:
        raise ValidationFailed(f"ship_to_gln {gln}: is the operator itself; expected another "
                               "trading partner", field="ship_to_gln", found=gln)
    await _ship_to_check(session, partner_id, utcnow().date())
    if spec.ship_to_site is not None:
        site = await repository.location(session, spec.ship_to_site)
        if site is None or site.partner_id != partner_id:
            raise ValidationFailed(f"ship_to_site {spec.ship_to_site}: expected an SGLN of "
                                   f"{gln}'s sites", field="ship_to_site", found=spec.ship_to_site)
    else:
        site = await repository.first_location(session, partner_id)
        if site is None:
            raise ValidationFailed(f"ship_to_gln {gln}: the partner has no site (SGLN) to ship "
                                   "to; expected one (custody partners update --location)",
                                   field="ship_to_site")
    case_ref = (await named_cases.get(session, spec.case_ref)).ref if spec.case_ref else None
    shipment = Shipment(status=St.OPEN, ship_to_id=partner_id, ship_to_location_id=site.id,
                        order_number=spec.order_number, case_ref=case_ref,
                        carrier=spec.carrier, tracking=spec.tracking, created_by=actor)
    session.add(shipment)
    await session.flush()
    return await get_shipment(session, shipment.id)


async def get_shipment(session: AsyncSession, shipment_id: int) -> ShipmentView:
    """A shipment with its cases and their units, or :class:`NotFound`."""
    shipment = await repository.shipment(session, shipment_id)
    if shipment is None:
        raise NotFound(f"shipment {shipment_id}: no such shipment", field="shipment_id",
                       found=shipment_id)
    return await _view(session, shipment)


async def list_shipments(session: AsyncSession, status: str | None = None,
                         limit: int = 100) -> list[ShipmentView]:
    """Shipments, newest first (of one status when given)."""
    return [await _view(session, s, with_units=False)
            for s in await repository.shipments(session, status, limit)]


async def _view(session: AsyncSession, shipment: Shipment, with_units: bool = True) -> ShipmentView:
    partner = await repository.partner(session, shipment.ship_to_id)
    site = await session.get(Location, shipment.ship_to_location_id)
    assert partner is not None and site is not None, "foreign keys"
    cases = await repository.cases(session, shipment.id)
    members: dict[int, list[str]] = {c.id: [] for c in cases}
    if with_units:
        for row in await repository.case_units(session, [c.id for c in cases]):
            members[row.case_id].append(row.identifier)
    else:
        counts = await repository.case_counts(session, shipment.id)
        members = {c.id: [""] * counts.get(c.id, 0) for c in cases}
    epcs = await _epcs(session, cases)
    views = [CaseView(c, epcs[c.id], members[c.id]) for c in cases]
    return ShipmentView(shipment, partner.legal_name,
                        await repository.first_gln(session, partner.id), site.sgln, views)


async def _prefix_length(session: AsyncSession, key: str) -> int:
    allocation = await session.get(SsccAllocation, key)
    return len(allocation.prefix) if allocation else 7


async def _epcs(session: AsyncSession, cases: Sequence[ShipmentCase]) -> dict[int, str]:
    """The SSCC EPC URI of each case, by case id."""
    lengths = await repository.prefix_lengths(session, [c.sscc for c in cases])
    return {c.id: _sscc_epc(c.sscc, lengths.get(c.sscc, 7)) for c in cases}


def _sscc_epc(key: str, prefix_length: int) -> str:
    return sscc_uri(key, prefix_length)


async def _locked(session: AsyncSession, shipment_id: int, *allowed: St) -> Shipment:
    shipment = await repository.shipment(session, shipment_id, lock=True)
    if shipment is None:
        raise NotFound(f"shipment {shipment_id}: no such shipment", field="shipment_id",
                       found=shipment_id)
    if shipment.status not in allowed:
        raise ShipmentStateError(
            f"shipment {shipment_id} is {shipment.status}: expected "
            f"{' or '.join(allowed)}", field="status", found=str(shipment.status))
    return shipment


async def _case(session: AsyncSession, shipment: Shipment, case_id: int) -> ShipmentCase:
    case = await session.get(ShipmentCase, case_id)
    if case is None or case.shipment_id != shipment.id:
        raise NotFound(f"case {case_id}: not a case of shipment {shipment.id}", field="case_id",
                       found=case_id)
    return case


async def add_case(session: AsyncSession, op: Operator, shipment_id: int, actor: str,
                   extension: str = "0") -> CaseView:
    """A new open case in an open (or packed) shipment, labelled with a fresh SSCC."""
    shipment = await _locked(session, shipment_id, St.OPEN, St.PACKED)
    (key,) = await allocate_ssccs(session, op, 1, actor, f"shipment {shipment.id}", extension)
    case = ShipmentCase(shipment_id=shipment.id, sscc=key)
    session.add(case)
    shipment.status = St.OPEN
    await session.flush()
    return CaseView(case, _sscc_epc(key, await _prefix_length(session, key)))


async def pack_scan(session: AsyncSession, op: Operator, shipment_id: int, case_id: int,
                    text: str, station: str | None, actor: Actor) -> Packed:
    """Scan one package into an open case: verified first (the scan is stored), then refused
    unless ``verified`` or when it is already in an open case; else added."""
    shipment = await _locked(session, shipment_id, St.OPEN, St.PACKED)
    case = await _case(session, shipment, case_id)
    if case.closed_at is not None:
        raise ShipmentStateError(f"case {case.sscc} is closed: reopen it to add units",
                                 field="case_id", found=case_id)
    seen = await verify_text(session, op.gln, text, station, actor)
    if seen.verdict is not Verdict.VERIFIED or seen.unit is None:
        raise PackRefused(f"{seen.epc or text!r} refused: {seen.verdict}; "
                          f"{'; '.join(seen.reasons)}", verdict=str(seen.verdict),
                          reasons=seen.reasons, epc=seen.epc, scan_id=seen.scan.id)
    if seen.unit.get("identifier", "").startswith("urn:epc:id:sscc:"):
        raise PackRefused(f"{seen.epc} is a logistic unit (SSCC): scan the packages inside it",
                          verdict=str(seen.verdict), epc=seen.epc, field="text")
    held = await repository.packed_in(session, seen.unit["id"])
    if held is not None:
        where = "this case" if held.case_id == case.id else f"case {held.sscc} of shipment {held.shipment_id}"
        raise PackRefused(f"{seen.epc} is already packed in {where}", verdict="duplicate",
                          epc=seen.epc, case=held.sscc)
    session.add(CaseUnit(case_id=case.id, unit_id=seen.unit["id"], scan_id=seen.scan.id,
                         scanned_by=actor.label))
    await session.flush()
    return Packed(seen.epc or seen.unit["identifier"], seen.verdict, case.id, case.sscc,
                  await repository.count_in(session, case.id))


async def remove_unit(session: AsyncSession, shipment_id: int, case_id: int, epc: str) -> int:
    """Take a unit out of an open case (a mis-scan); returns the case's count."""
    shipment = await _locked(session, shipment_id, St.OPEN, St.PACKED)
    case = await _case(session, shipment, case_id)
    if case.closed_at is not None:
        raise ShipmentStateError(f"case {case.sscc} is closed: reopen it to remove units",
                                 field="case_id", found=case_id)
    unit = await repository.unit_id(session, epc)
    row = await session.get(CaseUnit, (case.id, unit)) if unit else None
    if row is None:
        raise NotFound(f"{epc}: not in case {case.sscc}", field="epc", found=epc)
    await session.delete(row)
    await session.flush()
    return await repository.count_in(session, case.id)


async def _record(session: AsyncSession, op: Operator, shipment: Shipment, case: ShipmentCase | None,
                  kind: str, body: bytes, verb: str) -> list[str]:
    """Submit the operator's document; list the new events' hashes under the shipment."""
    job = await submit(session, op, body, verb)
    document_id = job.document_id
    hashes = [row.event_hash for row in await repository.job_events(session, document_id)]
    own = hashes[-1:] if kind == "ship" else hashes
    for event_hash in own:
        session.add(ShipmentEvent(shipment_id=shipment.id, case_id=case.id if case else None,
                                  kind=kind, event_hash=event_hash))
    await session.flush()
    return own


async def close_case(session: AsyncSession, op: Operator, shipment_id: int, case_id: int,
                     actor: str) -> CaseView:
    """Close a case: the AggregationEvent ADD of its units into its SSCC, through the ledger.
    The shipment is ``packed`` once every case is closed."""
    shipment = await _locked(session, shipment_id, St.OPEN)
    case = await _case(session, shipment, case_id)
    if case.closed_at is not None:
        raise ShipmentStateError(f"case {case.sscc} is closed already", field="case_id",
                                 found=case_id)
    units = [r.identifier for r in await repository.case_units(session, [case.id])]
    if not units:
        raise ShipmentStateError(f"case {case.sscc} is empty: scan units into it first",
                                 field="case_id", found=case_id)
    epc = _sscc_epc(case.sscc, await _prefix_length(session, case.sscc))
    body = _single(pack(epc, units, utcnow(), op.site))
    await _record(session, op, shipment, case, "pack", body, "pack")
    case.closed_at, case.closed_by = utcnow(), actor
    if all(c.closed_at is not None for c in await repository.cases(session, shipment.id)):
        shipment.status = St.PACKED
    await session.flush()
    return CaseView(case, epc, units)


async def reopen_case(session: AsyncSession, op: Operator, shipment_id: int, case_id: int,
                      actor: str) -> CaseView:
    """Reopen a closed case before the shipment ships: an AggregationEvent DELETE of the
    children its ADD named, through the ledger (closing again records a new ADD)."""
    shipment = await _locked(session, shipment_id, St.OPEN, St.PACKED)
    case = await _case(session, shipment, case_id)
    if case.closed_at is None:
        raise ShipmentStateError(f"case {case.sscc} is open already", field="case_id",
                                 found=case_id)
    await _unpack(session, op, shipment, case)
    shipment.status = St.OPEN
    await session.flush()
    units = [r.identifier for r in await repository.case_units(session, [case.id])]
    return CaseView(case, _sscc_epc(case.sscc, await _prefix_length(session, case.sscc)), units)


async def _unpack(session: AsyncSession, op: Operator, shipment: Shipment, case: ShipmentCase) -> None:
    epc = _sscc_epc(case.sscc, await _prefix_length(session, case.sscc))
    added = [e for kind, _, body in await repository.events(session, shipment.id)
             if kind == "pack" and (e := documents.parse_body(body)).parent_id == epc]
    body = _single(unpack(epc, utcnow(), op.site, added[-1].child_epcs))
    await _record(session, op, shipment, case, "unpack", body, "unpack")
    case.closed_at, case.closed_by = None, None


async def cancel(session: AsyncSession, op: Operator, shipment_id: int, actor: str) -> ShipmentView:
    """Cancel a shipment that has not shipped: closed cases are unpacked through the ledger,
    its units are free to pack elsewhere, its SSCCs stay allocated (never reused)."""
    shipment = await _locked(session, shipment_id, St.OPEN, St.PACKED)
    for case in await repository.cases(session, shipment.id):
        if case.closed_at is not None:
            await _unpack(session, op, shipment, case)
    await repository.deactivate(session, shipment.id)
    shipment.status, shipment.cancelled_at, shipment.cancelled_by = St.CANCELLED, utcnow(), actor
    await session.flush()
    return await get_shipment(session, shipment.id)


async def ship(session: AsyncSession, op: Operator, shipment_id: int, actor: str,
               when: datetime | None = None, ring: Keyring | None = None) -> ShipmentView:
    """Ship a packed shipment: the shipping event on its cases with the DSCSA TI and TS,
    submitted with the outbound document through the ledger. The ship-to partner must still
    be authorized and licensed today; its units are in transit to it afterwards.

    A shipment for a named-patient case links its units to the case first, within the case's
    authorization on the day it ships (:func:`app.cases.service.link_shipment`: refused with
    the rule it breaks, and nothing shipped); the case becomes ``shipped``. With the vault's
    keyring ``ring`` the link and the shipping event carry the case's salted commitment
    (:func:`app.vault.service.commitment`; none without a keyring or patient details)."""
    shipment = await _locked(session, shipment_id, St.PACKED)
    when = when or utcnow()
    parties = await _parties(session, op, shipment, when.date())
    cases = await repository.cases(session, shipment.id)
    commitment = None
    if shipment.case_ref:
        units = [r.identifier for r in await repository.case_units(session, [c.id for c in cases])]
        case = await named_cases.get(session, shipment.case_ref)
        commitment = await vault.commitment(session, ring, case)
        await named_cases.link_shipment(session, case.ref, units, actor, commitment, when.date())
    containers = list((await _epcs(session, cases)).values())
    event = documents.shipping_event(op, shipment, parties.buyer_site.sgln, parties.buyer_gln,
                                     containers, when, commitment)
    doc = await _document(session, op, shipment, parties, (event,), when)
    [event_hash] = await _record(session, op, shipment, None, "ship",
                                 write_document(doc, "2.0-jsonld"), "ship")
    await repository.deactivate(session, shipment.id)
    shipment.status, shipment.shipped_at, shipment.shipped_by = St.SHIPPED, when, actor
    shipment.ship_event_hash = event_hash
    await session.flush()
    from app.outbox.shipments import push_shipped  # queued for the partner's capture URL

    await push_shipped(session, op, shipment.id, shipment.ship_to_id)
    return await get_shipment(session, shipment.id)


async def _parties(session: AsyncSession, op: Operator, shipment: Shipment,
                   day: date) -> documents.Parties:
    buyer = await _ship_to_check(session, shipment.ship_to_id, day)
    seller = await repository.partner(session, op.id)
    assert seller is not None, "the operator is a partner"
    site = await session.get(Location, shipment.ship_to_location_id)
    assert site is not None, "a foreign key"
    gln = await repository.first_gln(session, buyer.id)
    return documents.Parties(seller, await repository.location(session, op.site), buyer, site,
                             gln or site.gln)


async def _document(session: AsyncSession, op: Operator, shipment: Shipment,
                    parties: documents.Parties, extra: Sequence[Event], created: datetime) -> Document:
    cases = await repository.cases(session, shipment.id)
    rows = await repository.case_units(session, [c.id for c in cases])
    own = [documents.parse_body(body) for kind, _, body in await repository.events(session, shipment.id)
           if kind in ("pack", "unpack")]
    units = list(dict.fromkeys(r.identifier for r in rows))
    gtins = sorted({r.gtin for r in rows if r.gtin})
    return await documents.build(session, op, shipment, parties, units, gtins, (*own, *extra),
                                 created)


async def outbound(session: AsyncSession, op: Operator, shipment_id: int, fmt: str) -> bytes:
    """The outbound EPCIS document of a shipped shipment as ``fmt`` (1.2-xml or 2.0-jsonld):
    every event read back from the ledger."""
    if fmt not in FORMATS:
        raise ValidationFailed(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}",
                               field="format", found=fmt)
    shipment = await repository.shipment(session, shipment_id)
    if shipment is None:
        raise NotFound(f"shipment {shipment_id}: no such shipment", field="shipment_id",
                       found=shipment_id)
    if shipment.status != St.SHIPPED or shipment.shipped_at is None:
        raise ShipmentStateError(f"shipment {shipment_id} is {shipment.status}: the outbound "
                                 "document exists once it has shipped", field="status",
                                 found=str(shipment.status))
    parties = await _parties_unchecked(session, op, shipment)
    doc = await _document(session, op, shipment, parties, await _ship_events(session, shipment),
                          shipment.shipped_at)
    return write_document(doc, fmt)


async def _parties_unchecked(session: AsyncSession, op: Operator, shipment: Shipment) -> documents.Parties:
    buyer = await repository.partner(session, shipment.ship_to_id)
    seller = await repository.partner(session, op.id)
    site = await session.get(Location, shipment.ship_to_location_id)
    assert buyer is not None and seller is not None and site is not None, "foreign keys"
    gln = await repository.first_gln(session, buyer.id)
    return documents.Parties(seller, await repository.location(session, op.site), buyer, site,
                             gln or site.gln)


async def _ship_events(session: AsyncSession, shipment: Shipment) -> tuple[Event, ...]:
    return tuple(documents.parse_body(body) for kind, _, body
                 in await repository.events(session, shipment.id) if kind == "ship")


async def ledger_hashes(session: AsyncSession, shipment_id: int) -> list[str]:
    """The hashes of the events the ledger holds for a shipment, in order (its own events,
    after the commissioning history of its units)."""
    return [h for _, h, _ in await repository.events(session, shipment_id)]


def _single(event: Event) -> bytes:
    """One operator event as a compact EPCIS 2.0 JSON-LD document."""
    return json.dumps(to_jsonld(Document("2.0", creation_date=event.event_time, events=(event,))),
                      separators=(",", ":")).encode()
