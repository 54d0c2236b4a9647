"""Reports: a unit's provenance as a proof bundle, and a lot's units now.

:func:`unit_bundle` is the one builder every format (and trace answers) starts from: a
self-contained dict in the format of ``docs/proof-bundle.md`` that
:mod:`app.reports.offline` verifies. What the ledger proves (events, hops, leaves,
checkpoint) sits beside ``context``, which is what Custody knows about the same unit
(parties and their licences, TI/TS, investigations, recalls, scans, verifications) and
is stated, not proven.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Caller
from app.coldchain import service as coldchain
from app.coldchain.chart import words
from app.errors import NotYetSigned, ValidationFailed
from app.ledger import repository as ledger_repo
from app.ledger import service as ledger
from app.models import CustodyHop, LedgerCheckpoint, TradingPartner
from app.models.base import utcnow
from app.reports import repository as repo
from app.reports.offline import FORMAT, key_of
from app.units import service as units
from epcis.dscsa import Transaction, extract_transactions
from epcis.read import read_document
from gs1.errors import GS1Error
from scanners.product import parse_product

READERS = ("report", "regulator", "admin")
"""Scopes that may read reports: ``report`` (a partner: the units it handled), ``regulator``
and ``admin`` (every unit)."""


def made_for(reader: Caller) -> dict[str, Any]:
    """Who a report was made for, as it says on it."""
    name = reader.prefix if ":" in reader.prefix else f"API key ck_{reader.prefix}_..."
    return {"reader": name, "partner_id": reader.partner_id, "scopes": sorted(reader.scopes)}


def operator_reader(who: str) -> Caller:
    """The operator's own staff or CLI (``who``: ``staff:<username>``, ``cli:<user>``): sees all."""
    return Caller(None, frozenset({"admin"}), who)


async def unit_bundle(
    session: AsyncSession, identifier: str, reader: Caller, *, since_size: int | None = None
) -> dict[str, Any]:
    """The proof bundle of the unit named by ``identifier`` (EPC URN, Digital Link or GS1
    element string), for ``reader``: :class:`~app.errors.NotFound` for a unit the reader may
    not see, exactly as for one that does not exist.

    Everything is proven against the latest signed checkpoint (hops after it are counted in
    ``unsigned_hops``); with ``since_size`` (a signed size) the bundle carries the
    consistency proof from that checkpoint to this one.
    """
    unit = await units.visible_unit(session, reader, _as_identifier(identifier))
    checkpoint = await _checkpoint(session)
    size = checkpoint.tree_size
    subject = unit["identifier"]
    own = (await repo.hops(session, [subject]))[subject]
    signed = [h for h in own if h.leaf_index < size]
    bodies = {row.event_hash: row for row in await repo.events(session, [h.event_hash for h in signed])}
    chains = [_chain(subject, "subject", signed, len(own) - len(signed))]
    until = _container_spans(signed, bodies)
    found = await repo.hops(session, list(until))
    for container, end in until.items():
        held = [h for h in found[container] if h.leaf_index <= end]
        chains.append(_chain(container, "container", held, 0))
        missing = [h.event_hash for h in held if h.event_hash not in bodies]
        bodies |= {row.event_hash: row for row in await repo.events(session, missing)}
    all_hops = [h for c in (signed, *(found[c] for c in until)) for h in c
                if h.leaf_index <= until.get(h.unit, size)]
    indexes = sorted({h.leaf_index for h in all_hops})
    data = await repo.leaves(session, indexes)
    proofs = await ledger.inclusion_proofs(session, indexes, checkpoint)
    origin, tree_size, root = _note_fields(checkpoint.note)
    name, kid = key_of(checkpoint.note)
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "report": {
            "kind": "unit", "subject": subject, "asked_as": identifier,
            "made_at": _iso(utcnow()), "made_for": made_for(reader),
            "checkpoint": {"origin": origin, "tree_size": tree_size, "root_hash": root},
        },
        "checkpoint": {"origin": origin, "tree_size": tree_size, "root_hash": root,
                       "key_name": name, "key_id": kid, "note": checkpoint.note},
        "events": [{"event_hash": h, "record_time": _iso(bodies[h].record_time),
                    "document": json.loads(bodies[h].body)}
                   for h in dict.fromkeys(x.event_hash for x in all_hops)],
        "chains": chains,
        "leaves": [{"leaf_index": p.leaf_index, "leaf_hash": p.leaf_hash.hex(),
                    "data": data[p.leaf_index].decode(), "inclusion": [h.hex() for h in p.hashes]}
                   for p in proofs],
        "consistency": await _consistency(session, since_size, tree_size),
        "context": await _context(session, unit, signed, bodies),
    }
    return bundle


def _as_identifier(identifier: str) -> str:
    """A GS1 element string (``(01)..(21)..``, ``01..21..``) as a Digital Link; others as given.

    >>> _as_identifier("(01)00312345600112(21)ZT00001")
    'https://id.gs1.org/01/00312345600112/21/ZT00001'
    >>> _as_identifier("urn:epc:id:sscc:0312345.0000002611")
    'urn:epc:id:sscc:0312345.0000002611'
    """
    text = identifier.strip()
    if text.startswith(("urn:", "http")):
        return text
    try:
        parsed = parse_product(text)
    except GS1Error:
        return text
    if parsed.sscc:
        return f"https://id.gs1.org/00/{parsed.sscc}"
    if parsed.serial:
        return f"https://id.gs1.org/01/{parsed.gtin}/21/{quote(parsed.serial, safe='')}"
    return text


async def _checkpoint(session: AsyncSession) -> LedgerCheckpoint:
    checkpoint = await ledger_repo.latest_checkpoint(session)
    if checkpoint is None:
        raise NotYetSigned("no checkpoint has been signed yet, so nothing can be proven; "
                           "run `custody checkpoint` (or wait for the signer)",
                           signed_tree_size=0)
    return checkpoint


def _note_fields(note: str) -> tuple[str, int, str]:
    """Origin, size and root (hex) of a checkpoint note, as signed."""
    from app.ledger.core import Checkpoint, parse_note

    body = Checkpoint.parse(parse_note(note)[0])
    return body.origin, body.size, body.root_hash.hex()


def _chain(unit: str, role: str, hops: Sequence[CustodyHop], unsigned: int) -> dict[str, Any]:
    return {"unit": unit, "role": role, "unsigned_hops": unsigned, "hops": [
        {"seq": h.seq, "event_hash": h.event_hash, "kind": h.kind, "from_party": h.from_party,
         "to_party": h.to_party, "location": h.location, "time": _iso(h.time, ms=True),
         "prev_hop_hash": h.prev_hop_hash.hex(), "hop_hash": h.hop_hash.hex(),
         "leaf_index": h.leaf_index} for h in hops]}


def _container_spans(hops: Sequence[CustodyHop], bodies: dict[str, Any]) -> dict[str, int]:
    """The containers the unit was packed into, each with the last leaf of its chain that
    concerns the unit (the unit's unpack from it, or the unit's last signed hop)."""
    spans: dict[str, int] = {}
    inside: str | None = None
    for hop in hops:
        if hop.kind in ("pack", "unpack"):
            parent = _event_of(bodies[hop.event_hash].body).get("parentID")
            if hop.kind == "pack" and parent:
                inside = parent
                spans[parent] = hop.leaf_index
            elif inside is not None:
                spans[inside], inside = hop.leaf_index, None
    if inside is not None and hops:
        spans[inside] = hops[-1].leaf_index
    return spans


def _event_of(body: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(body)["epcisBody"]["eventList"][0]
    return event


async def _consistency(session: AsyncSession, since: int | None, size: int) -> dict[str, Any] | None:
    if since is None:
        return None
    if since > size:
        raise ValidationFailed(f"since_size {since} is larger than the latest signed tree ({size})",
                               field="since_size", expected=f"0..{size}", found=since)
    if since and await ledger_repo.latest_checkpoint(session, since) is None:
        raise ValidationFailed(
            f"since_size {since} is not the size of a signed checkpoint; the latest has {size} leaves",
            field="since_size", expected="the tree size of a signed checkpoint", found=since)
    proof = await ledger.consistency_proof(session, since, size)
    return {"first": proof.first, "second": proof.second, "first_checkpoint": proof.first_checkpoint,
            "hashes": [h.hex() for h in proof.hashes]}


# -- context: what Custody knows about the unit (stated, not proven) --------------------------
async def _context(session: AsyncSession, unit: Any, hops: Sequence[CustodyHop],
                   bodies: dict[str, Any]) -> dict[str, Any]:
    glns = sorted({p for h in hops for p in (h.from_party, h.to_party) if p})
    partners = await repo.parties(session, glns)
    sites = await repo.sites(session, sorted({h.location for h in hops if h.location}))
    labels = await repo.partner_labels(session, [i for i in (unit["custodian_id"],
                                                            unit["destination_id"]) if i])
    ids = await repo.unit_ids(session, [unit["identifier"]])
    unit_id = ids[unit["identifier"]]
    ships = [h for h in hops if h.kind == "ship"]
    ti = await _shipments(session, sorted({bodies[h.event_hash].document_id for h in ships}))
    return {
        "unit": {
            "identifier": unit["identifier"], "kind": unit["kind"], "gtin": unit["gtin"],
            "serial": unit["serial"], "lot": unit["lot"],
            "expiry": unit["expiry"].isoformat() if unit["expiry"] else None,
            "status": str(unit["status"]),
            "custodian": labels.get(unit["custodian_id"]),
            "in_transit_to": labels.get(unit["destination_id"]),
            "location": unit["location"], "container": unit["container"],
        },
        "hops": [_hop_context(h, partners, sites, ti, bodies) for h in hops],
        "parties": {g: _party(p) for g, p in partners.items()},
        "investigations": [
            {"id": i.id, "opened_at": _iso(i.opened_at), "opened_by": i.opened_by,
             "trigger": i.trigger, "reason": i.reason,
             "entries": [{"at": _iso(e.at), "kind": str(e.kind), "actor": e.actor, "text": e.text}
                         for e in entries]}
            for i, entries in await repo.investigations(session, unit_id)],
        "recalls": [{"id": r.id, "gtin": r.gtin, "class": r.recall_class, "reason": r.reason,
                     "recorded_at": _iso(r.recorded_at)}
                    for r in await repo.recalls(session, unit["gtin"], unit["lot"])],
        "quarantines": [{"seq": h.seq, "kind": h.kind, "by": h.from_party, "time": _iso(h.time)}
                        for h in hops if h.kind in ("quarantine", "release", "recall")],
        "scans": [{"at": _iso(s.scanned_at), "result": s.result, "station": s.station,
                   "reasons": s.reasons or []} for s in await repo.scans(session, unit_id)],
        "verifications": [
            {"at": _iso(v.requested_at), "context": v.context, "responder": v.responder_gln,
             "verified": v.verified, "failure_reason": v.failure_reason}
            for v in await repo.verifications(session, unit_id)],
        "exceptions": [{"at": _iso(x.created_at), "reason_code": x.reason_code, "status": x.status,
                        "detail": x.detail} for x in await repo.exceptions(session, unit_id)],
        "cold_chain": await cold_chain(session, unit["identifier"]),
    }


async def cold_chain(session: AsyncSession, identifier: str) -> dict[str, Any] | None:
    """The unit's cold chain as the report shows it (verdict, in words, the SVG chart), or
    None when nothing was measured on it or its containers."""
    found = await coldchain.panel(session, identifier)
    if found is None:
        return None
    evaluation, chart = found
    return {"verdict": evaluation.verdict, "investigation": evaluation.investigation_id,
            "summary": words(evaluation.assessment, evaluation.storage, evaluation.verdict),
            "chart_svg": chart}


def _hop_context(hop: CustodyHop, partners: dict[str, TradingPartner], sites: dict[str, Any],
                 ti: dict[tuple[int, int], dict[str, Any]], bodies: dict[str, Any]) -> dict[str, Any]:
    day = hop.time.date()
    row = bodies[hop.event_hash]
    site = sites.get(hop.location or "")
    return {
        "seq": hop.seq, "kind": hop.kind, "time": _iso(hop.time),
        "from": _party_on(hop.from_party, partners, day),
        "to": _party_on(hop.to_party, partners, day),
        "site": {"sgln": hop.location, "name": site.name if site else None,
                 "city": site.city if site else None, "country": site.country if site else None},
        "transaction": ti.get((row.document_id, row.document_index)) if hop.kind == "ship" else None,
    }


def _party_on(gln: str | None, partners: dict[str, TradingPartner], day: date) -> dict[str, Any] | None:
    if gln is None:
        return None
    partner = partners.get(gln)
    if partner is None:
        return {"gln": gln, "name": None, "licensed": None, "why_not": "unknown party"}
    why = partner.not_authorized_because(day)
    return {"gln": gln, "name": partner.legal_name, "licensed": why is None, "why_not": why}


def _party(partner: TradingPartner) -> dict[str, Any]:
    return {"name": partner.legal_name, "kind": str(partner.kind), "country": partner.country,
            "authorized": partner.authorized,
            "licences": [{"kind": x.kind, "jurisdiction": x.jurisdiction, "number": x.number,
                          "valid_from": _day(x.valid_from), "valid_to": _day(x.valid_to)}
                         for x in partner.licences]}


_TI: OrderedDict[int, dict[tuple[int, int], dict[str, Any]]] = OrderedDict()
_TI_DOCUMENTS = 4096
"""TI/TS read from raw documents, by document id (documents never change): the shipments of a
lot share a few documents, so most reports parse none."""


async def _shipments(session: AsyncSession, ids: list[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """The TI and TS of every shipment in documents ``ids``, parsed off the event loop once."""
    missing = [i for i in ids if i not in _TI]
    if missing:
        parsed = await anyio.to_thread.run_sync(_transactions, await repo.documents(session, missing))
        for i in missing:
            _TI[i] = {k: v for k, v in parsed.items() if k[0] == i}
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for i in ids:
        _TI.move_to_end(i)
        found |= _TI[i]
    while len(_TI) > _TI_DOCUMENTS:
        _TI.popitem(last=False)
    return found


def _transactions(raw: dict[int, bytes]) -> dict[tuple[int, int], dict[str, Any]]:
    """The TI and TS of each shipment in ``raw`` documents, as received: ``(doc, index) -> TI``."""
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for document_id, body in raw.items():
        for tx in extract_transactions(read_document(body)):
            found[(document_id, tx.event_index)] = _ti(tx)
    return found


def _ti(tx: Transaction) -> dict[str, Any]:
    def party(p: Any) -> dict[str, Any] | None:
        if p is None:
            return None
        a = p.address
        return {"id": p.id, "name": a.name if a else None,
                "address": ", ".join(x for x in (a.street_address_one, a.city, a.state,
                                                 a.postal_code, a.country_code) if x) if a else None}

    return {
        "transaction_date": _iso(tx.transaction_date), "shipment_date": _iso(tx.shipment_date),
        "references": [{"type": b.type, "value": b.value} for b in tx.biz_transactions],
        "seller": party(tx.seller), "buyer": party(tx.buyer),
        "products": [{"gtin": p.gtin, "ndc": p.ndc, "name": p.product_name, "strength": p.strength,
                      "dosage_form": p.dosage_form, "container_size": p.container_size,
                      "quantity": str(p.number_of_containers), "lots": list(p.lots),
                      "expiries": [_day(d) for d in p.expiries], "manufacturer": p.manufacturer}
                     for p in tx.products],
        "statement": None if tx.statement is None else {
            "affirmed": tx.statement.affirmed, "legal_notice": tx.statement.legal_notice},
        "findings": [{"code": f.code, "severity": f.severity, "message": f.message}
                     for f in tx.findings],
    }


def _iso(value: datetime, ms: bool = False) -> str:
    spec = "milliseconds" if ms else "seconds"
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# -- lots ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LotHeader:
    """What a lot report covers, when it was made, for whom, from which checkpoint."""

    gtin: str
    lot: str
    made_at: str
    made_for: dict[str, Any]
    checkpoint: dict[str, Any] | None


async def lot_header(session: AsyncSession, gtin: str, lot: str, reader: Caller) -> LotHeader:
    """The header of a lot report (the lot need not exist: a lot with no visible unit is empty)."""
    _check_gtin(gtin)
    latest = await ledger_repo.latest_checkpoint(session)
    cp = None
    if latest is not None:
        origin, size, root = _note_fields(latest.note)
        cp = {"origin": origin, "tree_size": size, "root_hash": root}
    return LotHeader(gtin, lot, _iso(utcnow()), made_for(reader), cp)


async def lot_units(session: AsyncSession, gtin: str, lot: str, reader: Caller,
                    page_size: int = 5_000) -> AsyncIterator[list[dict[str, Any]]]:
    """The units of a lot ``reader`` may see, a page at a time: status and custodian now,
    where a unit is in transit to, and its cold chain in words where it was measured. Memory
    holds one page however large the lot."""
    query = repo.lot_units(gtin, lot, reader.partner_id, reader.sees_everything)
    labels: dict[int, str] = {}
    measured = await coldchain.measured_in_lot(session, gtin, lot)
    async for page in repo.lot_pages(session, query, page_size):
        rows = [tuple(r) for r in page]  # unpacking a tuple is cheaper than named access
        ids = {i for r in rows for i in (r[5], r[6]) if i and i not in labels}
        if ids:
            labels |= await repo.partner_labels(session, sorted(ids))
        refs = await case_refs(session, [r[1] for r in rows], reader, [r[8] for r in rows])
        cold = await coldchain.lines(session, [r[1] for r in rows if r[1] in measured])
        get, none = labels.get, list[str]()
        yield [{"identifier": ident, "serial": serial, "status": status,
                "expiry": expiry.isoformat() if expiry else None, "custodian": get(custodian),
                "in_transit_to": get(destination), "location": location, "container": container,
                "case_refs": refs.get(ident, none), "cold_chain": cold.get(ident)}
               for _, ident, serial, status, expiry, custodian, destination, location, container
               in rows]


async def case_refs(session: AsyncSession, identifiers: list[str], reader: Caller,
                    containers: Sequence[str | None] = ()) -> dict[str, list[str]]:
    """Named-patient case references (opaque) of the cases these units were delivered to.

    Only for readers who see everything (the operator, regulators): a partner's ``report`` key
    learns nothing of cases, not even that a unit it handled went to one.
    """
    if not reader.sees_everything:
        return {}
    from app.cases.service import refs_of_units  # cases build on reports' lots, not the reverse

    return await refs_of_units(session, identifiers, containers)


def _check_gtin(gtin: str) -> None:
    if not (len(gtin) == 14 and gtin.isdigit()):
        raise ValidationFailed(f"gtin must be 14 digits, got {gtin!r}", field="gtin",
                               expected="14 digits (GTIN-14)", found=gtin)
