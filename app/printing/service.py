"""Printables of a shipment: its SSCC labels, packing list and pick list, as PDF bytes.

Reads the shipment through ``app.shipments.service.get_shipment`` and renders off the event
loop (``anyio.to_thread``): PDF drawing is CPU work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Location, TradingPartner
from app.operator.service import Operator
from app.printing import pdf, repository
from app.shipments.service import ShipmentView, get_shipment

PICK_LIMIT = 200


def _address(place: TradingPartner | Location | None) -> tuple[str, ...]:
    if place is None:
        return ()
    town = " ".join(x for x in (place.city, place.state, place.postal_code) if x)
    return tuple(x for x in (place.street, town, place.country) if x)


async def _parties(session: AsyncSession, op: Operator, view: ShipmentView,
                   ) -> tuple[pdf.Party, pdf.Party]:
    seller = await repository.partner(session, op.id)
    site = await repository.location(session, view.shipment.ship_to_location_id)
    buyer = await repository.partner(session, view.shipment.ship_to_id)
    ship_from = pdf.Party(op.name, op.gln, _address(seller))
    to_lines = ((site.name,) if site else ()) + _address(site if site and site.street else buyer)
    return ship_from, pdf.Party(view.ship_to_name, view.ship_to_gln, to_lines)


def _prefix_length(sscc: str, prefixes: Sequence[str]) -> int:
    """The company prefix length inside an SSCC (after its extension digit); 7 if unknown."""
    held = [p for p in prefixes if sscc[1:].startswith(p)]
    return len(max(held, key=len)) if held else 7


async def labels(session: AsyncSession, op: Operator, shipment_id: int) -> bytes:
    """One 4 x 6 inch SSCC label per case of the shipment."""
    view = await get_shipment(session, shipment_id)
    ship_from, ship_to = await _parties(session, op, view)
    prefixes = await repository.prefixes(session, op.id)
    s = view.shipment
    items = [pdf.Label(c.case.sscc, _prefix_length(c.case.sscc, prefixes), ship_from, ship_to,
                       n, len(view.cases), c.count, s.order_number, s.carrier, s.tracking,
                       str(s.id)) for n, c in enumerate(view.cases, 1)]
    return await anyio.to_thread.run_sync(pdf.labels, items, f"SSCC labels, shipment {s.id}")


def _name(row) -> str:
    name = " ".join(x for x in (row.proprietary_name, row.strength) if x)
    return name or f"GTIN {row.gtin}"


async def _sheet(session: AsyncSession, op: Operator, view: ShipmentView,
                 to_pick: tuple[pdf.Item, ...] = ()) -> pdf.Sheet:
    ship_from, ship_to = await _parties(session, op, view)
    rows = {r.identifier: r for r in await repository.units(
        session, [u for c in view.cases for u in c.units])}
    cases = []
    for c in view.cases:
        groups: dict[tuple, list[str]] = defaultdict(list)
        for epc in c.units:
            r = rows.get(epc)
            key = (_name(r), r.ndc, r.lot, r.expiry) if r else (epc, None, None, None)
            groups[key].append((r.serial or epc) if r else epc)
        cases.append(pdf.Case(c.case.sscc, tuple(
            pdf.Item(name, ndc, lot, expiry, len(serials), tuple(sorted(serials)))
            for (name, ndc, lot, expiry), serials in sorted(groups.items(), key=str)),
            "open" if c.case.closed_at is None else "closed"))
    s = view.shipment
    return pdf.Sheet(str(s.id), ship_from, ship_to, str(s.status), s.order_number, s.case_ref,
                     s.carrier, s.tracking, s.shipped_at.date() if s.shipped_at else None,
                     tuple(cases), to_pick)


async def packing_list(session: AsyncSession, op: Operator, shipment_id: int) -> bytes:
    """Each case with its SSCC and contents (product, NDC, lot, expiry, count, serials)."""
    sheet = await _sheet(session, op, await get_shipment(session, shipment_id))
    return await anyio.to_thread.run_sync(pdf.packing_list, sheet)


async def pick_list(session: AsyncSession, op: Operator, shipment_id: int,
                    today: date | None = None) -> bytes:
    """Where the operator's saleable stock lies, earliest expiry first (what to pick from),
    for the shipment's header; shipments carry no order lines, so staff pick to the order."""
    view = await get_shipment(session, shipment_id)
    rows = await repository.stock(session, op.id, today or date.today(), PICK_LIMIT)
    items = tuple(pdf.Item(_name(r), r.ndc, r.lot, r.expiry, r.quantity,
                           locations=(r.name,) if r.name else ()) for r in rows)
    sheet = await _sheet(session, op, view, items)
    return await anyio.to_thread.run_sync(pdf.pick_list, sheet)
