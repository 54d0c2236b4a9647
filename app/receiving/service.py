"""Receiving: check a delivery against the shipment, then record what arrived and what did not.

Expected shipments are the captured shipping events addressed to the operator whose units are
still in transit to it. Opening a receiving copies the shipment's contents through the
aggregation hierarchy (pallet, cases, units) into its lines. Staff scan cases and units
(:mod:`app.receiving.reconcile` says what each scan means) and mark damage; closing records
the operator's receiving event for what arrived, through the same ingest rules and ledger as
captured documents (decision 0015), stores an exception for everything else (missing and
extra units, wrong lot or expiry, damage, shortages of containers, a missing or mismatched
TI/TS) and can open an investigation, which quarantines the suspect units received.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.dialect import write_lock
from app.errors import Conflict, NotFound, ValidationFailed
from app.investigations.service import IN_STOCK, open_investigation
from app.models import Receiving, ReceivingException, ReceivingLine, ReceivingScan, UnitStatus
from app.models.base import utcnow
from app.operator.service import Operator, record_event
from app.receiving import repository
from app.receiving.reconcile import Board, Line, Mark, hri, key_of, reconcile
from app.world import events as ev
from epcis.dscsa import Transaction, verdict
from epcis.errors import EpcisError
from epcis.read import read_document
from gs1.errors import GS1Error
from scanners import ProductIdentifier, parse_product

ACTIONS = ("scan", "damaged")
SUSPECT = ("damaged", "wrong_lot", "quarantined")
"""Outcomes whose units an investigation opened at closing takes in (with extras we hold)."""


class ReceivingClosed(Conflict):
    """The receiving is closed: nothing more can be scanned or marked."""

    slug, title = "receiving-closed", "Receiving closed"


@dataclass(frozen=True)
class Expected:
    """A shipment in transit to the operator: its shipping event, shipper and what it names."""

    shipment: str
    shipped_at: datetime
    shipper: str
    identifiers: list[str]
    units: int  # units (not containers) inside, through the aggregation hierarchy
    receiving_id: int | None


@dataclass(frozen=True)
class Scanned:
    """What one scan did: ``received`` (``units`` units), ``extra``, or ``duplicate``."""

    outcome: str
    key: str
    identifier: str
    units: int
    action: str


@dataclass
class View:
    """A receiving with its reconciliation board and, once closed, its exceptions."""

    receiving: Receiving
    shipper: str | None
    board: Board
    lines: int
    scans: int
    exceptions: list[ReceivingException] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.receiving.closed_at is not None


# -- expected shipments and opening ---------------------------------------------------------
async def expected(session: AsyncSession, op: Operator, limit: int = 100) -> list[Expected]:
    """Shipments still in transit to the operator, newest first, with the receiving opened for
    each (if any)."""
    rows = await repository.expected(session, op.id, limit)
    named = await repository.shipped_units(session, [r.event_id for r in rows], op.id) if rows else {}
    found = []
    for r in rows:
        top = sorted(named.get(r.event_hash, []))
        found.append(Expected(r.event_hash, r.event_time, r.legal_name, top,
                              await repository.units_inside(session, top), r.receiving_id))
    return found


async def open_receiving(session: AsyncSession, op: Operator, actor: str, shipment: str | None,
                         reference: str | None = None) -> tuple[Receiving, bool]:
    """Open a receiving for ``shipment`` (a shipping event hash addressed to the operator), or
    for an unexpected delivery without one. Returns it and whether it is new: a shipment has
    one receiving, so opening it again returns the first."""
    await write_lock(session)
    reference = _text(reference, "reference", 200)
    if shipment is None:
        return await repository.add(session, Receiving(opened_at=utcnow(), opened_by=actor,
                                                       reference=reference)), True
    row = await repository.shipment(session, op.id, shipment)
    if row is None:
        raise NotFound(f"shipment {shipment}: expected the event hash of a shipping event "
                       f"addressed to {op.name}, got one that names none", field="shipment",
                       found=shipment)
    if (done := await repository.by_shipment(session, shipment)) is not None:
        return done, False
    named = (await repository.shipped_units(session, [row.id], op.id)).get(shipment, [])
    if not named:
        raise Conflict(f"shipment {shipment}: nothing it names is in transit to {op.name} any "
                       "more (received already?)", field="shipment", found=shipment)
    try:  # two staff opening it at once: the second gets the first's receiving
        async with session.begin_nested():
            receiving = await repository.add(session, Receiving(
                shipment=shipment, shipper_id=row.partner_id, reference=reference,
                opened_at=utcnow(), opened_by=actor))
    except IntegrityError:
        first = await repository.by_shipment(session, shipment)
        assert first is not None, "the unique shipment was taken by a committed receiving"
        return first, False
    await repository.copy_contents(session, receiving.id, named)
    return receiving, True


# -- scanning -------------------------------------------------------------------------------
def read_scan(text: str) -> ProductIdentifier:
    """The GS1 key in scanner text (element string, HRI, Digital Link) or an EPC URI; a 422
    naming ``text`` quotes what could not be read."""
    raw = text.strip().replace("<GS>", "\x1d")
    if not raw:
        raise ValidationFailed("text: expected scanner text (an SSCC or a package's DataMatrix), "
                               "got nothing", field="text")
    try:
        product = (ProductIdentifier.from_epc_uri(raw) if raw.startswith("urn:epc:id:")
                   else parse_product(raw))
    except GS1Error as err:
        raise ValidationFailed(f"text: {err}", field="text", found=raw[:200]) from None
    if key_of(product.gtin, product.serial, product.sscc) is None:
        raise ValidationFailed(f"text {raw[:200]!r}: expected an SSCC (00) or a GTIN (01) with a "
                               "serial (21); got no serial", field="text", found=raw[:200])
    return product


async def scan(session: AsyncSession, receiving_id: int, text: str, actor: str,
               action: str = "scan") -> Scanned:
    """Record one scan (or damage mark) of a case or unit in an open receiving."""
    if action not in ACTIONS:
        raise ValidationFailed(f"action {action!r}: expected one of {', '.join(ACTIONS)}",
                               field="action", found=action)
    product = read_scan(text)
    key = key_of(product.gtin, product.serial, product.sscc)
    assert key is not None  # read_scan refuses a code without a key
    await write_lock(session)  # as close() does: a scan racing the close waits for it
    receiving = await _receiving(session, receiving_id, lock=True)
    if receiving.closed_at is not None:
        raise ReceivingClosed(f"receiving {receiving_id} was closed at "
                              f"{receiving.closed_at.isoformat(timespec='seconds')}: nothing more "
                              "can be scanned or marked", field="receiving")
    line = await repository.line(session, receiving_id, key)
    repeated = await repository.scanned(session, receiving_id, key, action)
    await repository.add_scan(session, ReceivingScan(
        receiving_id=receiving_id, at=utcnow(), actor=actor, action=action, key=key,
        lot=product.lot if product.lot and len(product.lot) <= 20 else None,
        expiry=product.expiry))
    if line is None:
        return Scanned("duplicate" if repeated else "extra", key, hri(key), 0, action)
    units = await repository.inside(session, receiving_id, key) if line.kind == "sscc" else 1
    return Scanned("duplicate" if repeated else "received", key, line.identifier, units, action)


# -- the board ------------------------------------------------------------------------------
async def view(session: AsyncSession, receiving_id: int) -> View:
    """The receiving and its live reconciliation."""
    receiving = await _receiving(session, receiving_id)
    lines = await repository.lines(session, receiving_id)
    marks = await repository.scans(session, receiving_id)
    board = reconcile([_line(x) for x in lines], [_mark(m) for m in marks],
                      await _held(session, lines))
    shipper = await repository.shipper_name(session, receiving.shipper_id)
    return View(receiving, shipper, board, len(lines), len(marks),
                list(await repository.exceptions(session, receiving_id)))


async def receivings(session: AsyncSession, limit: int = 100) -> list[tuple[Receiving, str | None, int]]:
    """Receivings, open first then newest, with the shipper's name and the scan count."""
    return [(r, name, count) for r, name, count in await repository.listing(session, limit)]


async def _held(session: AsyncSession, lines: Sequence[ReceivingLine]) -> set[str]:
    """Keys of the shipped units that are quarantined or recalled, or of a recalled lot."""
    units = [x for x in lines if x.kind != "sscc"]
    states = {r.id: r for r in await repository.unit_states(session, [x.unit_id for x in units])}
    recalled = await repository.recalled_lots(session, {r.gtin for r in states.values() if r.gtin})
    return {x.key for x in units if (s := states.get(x.unit_id)) is not None and (
        s.status in (UnitStatus.QUARANTINED, UnitStatus.RECALLED) or (s.gtin, s.lot) in recalled)}


# -- closing --------------------------------------------------------------------------------
async def close(session: AsyncSession, op: Operator, receiving_id: int, actor: str, *,
                investigate: bool = True) -> View:
    """Close the receiving once (closing again returns it unchanged): the operator's receiving
    event for what arrived, an exception for the rest, and, with ``investigate``, an
    investigation of the suspect units (which quarantines those received)."""
    await write_lock(session)
    receiving = await _receiving(session, receiving_id, lock=True)
    if receiving.closed_at is not None:
        return await view(session, receiving_id)
    lines = await repository.lines(session, receiving_id)
    marks = [_mark(m) for m in await repository.scans(session, receiving_id)]
    board = reconcile([_line(x) for x in lines], marks, await _held(session, lines))
    job_id = None
    if receiving.shipment is not None:
        states = {r.id: r for r in await repository.unit_states(session, [x.unit_id for x in lines])}
        open_lines = [_line(x) for x in lines if (s := states.get(x.unit_id)) is not None
                      and s.status == UnitStatus.SHIPPED and s.destination_id == op.id]
        arrived = reconcile(open_lines, marks).arrived
        if arrived:
            job = await record_event(session, op, ev.receive(arrived, utcnow(), op.site), "receive")
            job_id = job.id
    found = _exceptions(board)
    if receiving.shipment is not None:
        found += await _ti_ts(session, op, receiving.shipment, lines, board)
    await repository.add_exceptions(session, [
        {"receiving_id": receiving_id, "kind": kind, "identifier": ident, "detail": detail}
        for kind, ident, detail in found])
    suspects = [i for o in SUSPECT for i in board.units[o]]
    suspects += await _ours(session, op, [m.key for m in marks if hri(m.key) in board.units["extra"]])
    if investigate and suspects:
        counts = Counter(kind for kind, _, _ in found)
        summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))
        opened = await open_investigation(
            session, list(dict.fromkeys(suspects)),
            f"receiving {receiving_id}: {summary}", actor, trigger="receiving", operator=op)
        receiving.investigation_id = opened.investigation.id
    receiving.closed_at, receiving.closed_by, receiving.receipt_job_id = utcnow(), actor, job_id
    await session.flush()
    return await view(session, receiving_id)


def _exceptions(board: Board) -> list[tuple[str, str | None, str]]:
    """``(kind, identifier, detail)`` for every unit not matched and every shortage."""
    found: list[tuple[str, str | None, str]] = []
    details = {"missing": "shipped, not received", "extra": "received, not in the shipment"}
    for outcome in ("missing", "extra", "damaged", "wrong_lot", "quarantined"):
        for ident in board.units[outcome]:
            found.append((outcome, ident, board.reasons.get(ident) or details.get(outcome, outcome)))
    for s in board.shortages:
        what = "nothing of it arrived" if s.whole else f"{s.missing} of its {s.units} units missing"
        found.append(("shortage", s.identifier, f"container {s.identifier}: {what}"))
    return found


async def _ours(session: AsyncSession, op: Operator, keys: Sequence[str]) -> list[str]:
    """Of extra scans, the units the operator itself holds in stock (nothing is said of any
    other: a unit held elsewhere stays an extra key)."""
    named = [(k[2:16], k[18:], None) if k.startswith("01") else (None, None, k[2:]) for k in keys]
    rows = await repository.units_by_key(session, named) if named else []
    return [r.identifier for r in rows if r.custodian_id == op.id and r.status in IN_STOCK]


async def _ti_ts(session: AsyncSession, op: Operator, shipment: str,
                 lines: Sequence[ReceivingLine], board: Board) -> list[tuple[str, str | None, str]]:
    """The shipment's TI/TS against what arrived: missing, unaffirmed, or naming other
    products, quantities or lots."""
    row = await repository.shipment(session, op.id, shipment)
    assert row is not None  # a receiving's shipment was addressed to the operator
    body = await repository.document_of(session, row.document_id)
    tx = await anyio.to_thread.run_sync(_transaction, body, row.document_index)
    if tx is None:
        return [("ti_missing", None, "the shipping event carries no DSCSA transaction information")]
    found: list[tuple[str, str | None, str]] = []
    if tx.statement is None or not tx.statement.affirmed:
        found.append(("ts_missing", None, "the shipment carries no affirmed transaction statement"))
    missing = set(board.units["missing"])
    counts: Counter[str] = Counter()
    lots: dict[str, set[str]] = {}
    for x in lines:
        if x.kind != "sscc" and x.identifier not in missing:
            counts[x.key[2:16]] += 1
            lots.setdefault(x.key[2:16], set()).update([x.lot] if x.lot else [])
    declared = {p.gtin: p for p in tx.products if p.gtin}
    for gtin in sorted(set(counts) | set(declared)):
        line = declared.get(gtin)
        if line is None:
            found.append(("ti_mismatch", None, f"{counts[gtin]} unit(s) of GTIN {gtin} arrived; "
                                               "the TI names no such product"))
            continue
        if line.number_of_containers != counts[gtin]:
            found.append(("ti_mismatch", None, f"the TI declares {line.number_of_containers} of GTIN "
                                               f"{gtin}; {counts[gtin]} arrived"))
        if odd := sorted(lots.get(gtin, set()) - set(line.lots)):
            found.append(("ti_mismatch", None, f"lot(s) {', '.join(odd)} of GTIN {gtin} arrived; "
                                               f"the TI names {', '.join(line.lots) or 'none'}"))
    return found


def _transaction(body: bytes, index: int) -> Transaction | None:
    """The TI of event ``index`` of a stored document (CPU work: run in a thread)."""
    try:
        doc = read_document(body)
    except EpcisError:
        return None
    return next((t for t in verdict(doc).transactions if t.event_index == index), None)


async def _receiving(session: AsyncSession, receiving_id: int, lock: bool = False) -> Receiving:
    receiving = await repository.get(session, receiving_id, lock=lock)
    if receiving is None:
        raise NotFound(f"no receiving {receiving_id}", field="receiving_id", found=receiving_id)
    return receiving


def _line(x: ReceivingLine) -> Line:
    return Line(x.key, x.identifier, x.parent, x.kind, x.lot, x.expiry)


def _mark(m: ReceivingScan) -> Mark:
    return Mark(m.key, m.action, m.lot, m.expiry)


def _text(value: str | None, name: str, limit: int) -> str | None:
    """Optional free text: stripped, at most ``limit`` characters, no control characters."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise ValidationFailed(f"{name}: expected at most {limit} printable characters, got "
                               f"{len(value)}", field=name)
    return value
