"""Scan and verify: one verdict, with reasons, from the unit state the ingest rules write.

Verdicts, most severe first when several apply (the reasons list them all):

``unreadable``          the text or image holds no valid GS1 identifier (the reason quotes it)
``unknown-identifier``  no unit with that GS1 key is in the ledger
``not-in-custody``      held by another partner (nothing more is said of it), or in transit
``decommissioned``      decommissioned or destroyed
``already-dispensed``   dispensed
``recalled``, ``quarantined``
``suspect``             the unit has open custody exceptions or an open investigation
``lot-mismatch``, ``expiry-mismatch``   the label disagrees with the commissioning record
``expired``             past its expiry date
``verified``            in the operator's custody, saleable, label matching the ledger

Every scan is stored, failures too, with who scanned, at which station and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import anyio
from PIL import Image, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from app.investigations.service import unit_flags
from app.models import Scan, Unit, UnitStatus
from app.scans import repository
from app.staff.service import Actor, get_station, operator_partner
from gs1.errors import GS1Error
from scanners import Decoder, ProductIdentifier, decode_image, parse_product

MAX_IMAGE_BYTES = 10 * 1024 * 1024


class Verdict(StrEnum):
    """What a scan concluded."""

    VERIFIED = "verified"
    UNREADABLE = "unreadable"
    UNKNOWN = "unknown-identifier"
    LOT_MISMATCH = "lot-mismatch"
    EXPIRY_MISMATCH = "expiry-mismatch"
    EXPIRED = "expired"
    RECALLED = "recalled"
    QUARANTINED = "quarantined"
    SUSPECT = "suspect"
    NOT_IN_CUSTODY = "not-in-custody"
    DISPENSED = "already-dispensed"
    DECOMMISSIONED = "decommissioned"


SEVERITY = (Verdict.UNREADABLE, Verdict.UNKNOWN, Verdict.NOT_IN_CUSTODY, Verdict.DECOMMISSIONED,
            Verdict.DISPENSED, Verdict.RECALLED, Verdict.QUARANTINED, Verdict.SUSPECT,
            Verdict.LOT_MISMATCH, Verdict.EXPIRY_MISMATCH, Verdict.EXPIRED, Verdict.VERIFIED)
NOT_OURS = "held by another trading partner, not in our custody"


@dataclass(frozen=True)
class Verification:
    """A stored scan and what it concluded; ``unit`` is None unless the operator may see it."""

    verdict: Verdict
    reasons: list[str]
    product: ProductIdentifier | None
    epc: str | None
    unit: Mapping[str, Any] | None
    scan: Scan


def judge(product: ProductIdentifier, unit: Mapping[str, Any], operator: int,
          exceptions: list[str], today: date,
          flags: Mapping[str, bool] | None = None) -> tuple[Verdict, list[str], bool]:
    """The verdict on a scanned ``product`` naming ``unit``, its reasons, and whether the
    operator may see the unit's state (it holds it, or it is in transit to it).

    ``flags`` are :func:`app.investigations.service.unit_flags`: a recall of the unit's lot,
    an open investigation, an illegitimate determination.
    """
    flags = flags or {}
    found: list[tuple[Verdict, str]] = []
    status = UnitStatus(unit["status"])
    ours = unit["custodian_id"] == operator
    if not ours:
        if status is UnitStatus.SHIPPED and unit["destination_id"] == operator:
            return Verdict.NOT_IN_CUSTODY, ["in transit to us, not yet received"], True
        return Verdict.NOT_IN_CUSTODY, [NOT_OURS], False
    if status is UnitStatus.SHIPPED:
        found.append((Verdict.NOT_IN_CUSTODY, "shipped by us, in transit to another partner"))
    if status in (UnitStatus.DECOMMISSIONED, UnitStatus.DESTROYED):
        found.append((Verdict.DECOMMISSIONED, f"unit was {status}"))
    if status is UnitStatus.DISPENSED:
        found.append((Verdict.DISPENSED, "unit was dispensed"))
    if status is UnitStatus.RECALLED:
        found.append((Verdict.RECALLED, "unit is recalled"))
    elif flags.get("recalled"):
        found.append((Verdict.RECALLED, f"lot {unit['lot']} is recalled"))
    if status is UnitStatus.QUARANTINED:
        found.append((Verdict.QUARANTINED, "unit is quarantined"))
    if exceptions:
        found.append((Verdict.SUSPECT, f"open custody exceptions: {', '.join(exceptions)}"))
    if flags.get("illegitimate"):
        found.append((Verdict.SUSPECT, "determined illegitimate product"))
    elif flags.get("suspect"):
        found.append((Verdict.SUSPECT, "under an open suspect-product investigation"))
    if product.lot and unit["lot"] and product.lot != unit["lot"]:
        found.append((Verdict.LOT_MISMATCH,
                      f"label lot {product.lot!r}, ledger lot {unit['lot']!r}"))
    if product.expiry and unit["expiry"] and product.expiry != unit["expiry"]:
        found.append((Verdict.EXPIRY_MISMATCH, f"label expiry {product.expiry.isoformat()}, "
                                               f"ledger expiry {unit['expiry'].isoformat()}"))
    expiry = unit["expiry"] or product.expiry
    if expiry and expiry < today:
        found.append((Verdict.EXPIRED, f"expired on {expiry.isoformat()}"))
    if not found:
        return Verdict.VERIFIED, [f"in our custody, {status}, label matches the ledger"], True
    found.sort(key=lambda f: SEVERITY.index(f[0]))
    return found[0][0], [reason for _, reason in found], True


async def verify_text(session: AsyncSession, operator_gln: str | None, text: str,
                      station: str | None, actor: Actor, *, today: date | None = None) -> Verification:
    """Verify wedge-scanner text (``]d2``, GS as ``\\x1d`` or ``<GS>``), HRI or a Digital Link."""
    context = await _context(session, operator_gln, station)
    raw = text.replace("<GS>", "\x1d")
    try:
        product = parse_product(raw)
    except GS1Error as err:
        return await _unreadable(session, context, raw, str(err), actor)
    return await _verify(session, context, product, raw, actor, today)


async def verify_image(session: AsyncSession, operator_gln: str | None, image: bytes,
                       station: str | None, actor: Actor, *, decoder: Decoder | None = None,
                       today: date | None = None) -> Verification:
    """Verify the one GS1 code in a photo or screenshot (decoded off the event loop)."""
    context = await _context(session, operator_gln, station)
    described = f"image ({len(image):,} bytes)"
    if len(image) > MAX_IMAGE_BYTES:
        return await _unreadable(session, context, described,
                                 f"{described}: expected at most {MAX_IMAGE_BYTES:,} bytes", actor)
    try:
        results = await anyio.to_thread.run_sync(decode_image, image, decoder)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as err:
        return await _unreadable(session, context, described,
                                 f"{described}: expected a PNG, JPEG or WebP image, got {err}", actor)
    if not results:
        return await _unreadable(session, context, described, f"{described}: no barcode found", actor)
    products = list(dict.fromkeys(r.product for r in results if r.product))
    raw = results[0].symbol.symbology + results[0].symbol.raw
    if not products:
        return await _unreadable(session, context, raw,
                                 results[0].error or f"{described}: not a GS1 code", actor)
    if len(products) > 1:
        return await _unreadable(session, context, described, f"{described}: {len(products)} "
                                 "different GS1 codes; expected one (scan one package at a time)", actor)
    return await _verify(session, context, products[0], products[0].raw or raw, actor, today)


async def recent_scans(session: AsyncSession, limit: int = 10, staff_id: int | None = None):
    """The last scans, newest first."""
    return await repository.recent(session, limit, staff_id)


@dataclass(frozen=True)
class _Context:
    operator: int
    station_id: int | None
    station: str | None


async def _context(session: AsyncSession, operator_gln: str | None, station: str | None) -> _Context:
    operator = await operator_partner(session, operator_gln)
    if station is None:
        return _Context(operator, None, None)
    found, _ = await get_station(session, station)
    return _Context(operator, found.id, found.name)


def _stored(raw: str) -> str:
    return raw.replace("\x00", "\\x00")  # PostgreSQL text holds no NUL


async def _unreadable(session, context: _Context, raw: str, error: str, actor: Actor) -> Verification:
    reasons = [error]
    scan = await repository.add_scan(session, Scan(
        raw=_stored(raw), result=Verdict.UNREADABLE, error=error, reasons=reasons,
        station=context.station, station_id=context.station_id, operator=actor.label,
        staff_id=actor.staff_id))
    return Verification(Verdict.UNREADABLE, reasons, None, None, None, scan)


async def _verify(session, context: _Context, product: ProductIdentifier, raw: str, actor: Actor,
                  today: date | None) -> Verification:
    today = today or datetime.now(UTC).date()
    unit = None
    if product.serial is None and product.sscc is None:
        verdict, reasons = Verdict.UNKNOWN, [
            f"{product.hri}: a GTIN without a serial (21) names no single package"]
    else:
        found = await repository.unit_by_key(session, product.gtin, product.serial, product.sscc)
        unit = dict(found) if found is not None else None
        if unit is None:
            verdict, reasons = Verdict.UNKNOWN, [f"{product.hri}: no such unit in the ledger"]
        else:
            exceptions = await repository.open_exceptions(session, unit["id"])
            row = await session.get(Unit, unit["id"])
            assert row is not None, "read in this transaction"
            flags = await unit_flags(session, row)
            verdict, reasons, visible = judge(product, unit, context.operator, exceptions, today,
                                              flags)
            unit = unit if visible else None
    epc = unit["identifier"] if unit else await _epc(session, product)
    scan = await repository.add_scan(session, Scan(
        raw=_stored(raw), symbology=product.symbology, gtin=product.gtin, serial=product.serial,
        lot=product.lot, expiry=product.expiry, sscc=product.sscc, result=verdict,
        reasons=reasons, station=context.station, station_id=context.station_id,
        operator=actor.label, staff_id=actor.staff_id, unit_id=unit["id"] if unit else None))
    return Verification(verdict, reasons, product, epc, unit, scan)


async def _epc(session, product: ProductIdentifier) -> str | None:
    """The EPC URN of a scanned key, when master data gives its company prefix length."""
    length = await repository.prefix_length(session, product.gtin) if product.gtin else None
    if length is None or not (product.serial or product.sscc):
        return None
    try:
        return product.epc(length).uri
    except GS1Error:
        return None
