"""The demo's shipment: Harbor (the operator) packs fresh Zenterva vials into two SSCC cases
and ships them to the hospital pharmacy in Lyon, through the real services and ledger."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.demo import HARBOR, LYON, MASTER_DATA, NORTHWIND, ZENTERVA, _at, ingest
from app.models import Shipment
from app.operator.service import operator
from app.shipments import service
from app.staff.service import Actor
from app.world.documents import document
from app.world.events import commission, purchase_order, receive, ship

LOT, EXPIRY = "ZT2612C", date(2028, 11, 30)


def fresh_vials(count: int, tag: str = "ZS") -> tuple[str, ...]:
    """SGTINs of ``count`` Zenterva vials the demo chain never used."""
    return tuple(ZENTERVA.sgtin(f"{tag}{n:05d}") for n in range(1, count + 1))


def stock_documents(vials: tuple[str, ...], hours: float = 200) -> list[tuple[str, bytes]]:
    """Northwind commissions ``vials`` (lot ZT2612C) and ships them to Harbor, which receives
    them: (submitter GLN, document) for :func:`app.demo.ingest`."""
    mfg, harbor = NORTHWIND.sgln, HARBOR.sgln
    order = purchase_order(HARBOR.gln, f"PO-HSP-{len(vials)}-{vials[0].rsplit('.', 1)[1]}")
    return [
        (NORTHWIND.gln, document(commission(vials, _at(hours), mfg, lot=LOT, expiry=EXPIRY),
                                 ship(vials, _at(hours + 1), mfg, harbor, order, biz_location=mfg),
                                 master=MASTER_DATA)),
        (HARBOR.gln, document(receive(vials, _at(hours + 20), harbor), master=MASTER_DATA)),
    ]


def scan_text(sgtin: str) -> str:
    """The HRI a scanner shows for a vial of :data:`fresh_vials` (GTIN, serial, lot, expiry)."""
    serial = sgtin.rsplit(".", 1)[1]
    return f"(01){ZENTERVA.gtin}(21){serial}(10){LOT}(17){EXPIRY:%y%m%d}"


async def ship_demo(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> dict[str, int | str]:
    """Once: stock six fresh vials at Harbor and ship them to Lyon in two cases of three."""
    if (settings.operator_gln or HARBOR.gln) != HARBOR.gln:
        return {}  # the demo's stock and shipment are Harbor's
    vials = fresh_vials(6)
    await ingest(sessions, stock_documents(vials))
    async with sessions.begin() as session:
        if await session.scalar(select(func.count()).select_from(Shipment)):
            first = await session.scalar(select(Shipment).order_by(Shipment.id).limit(1))
            assert first is not None
            return _summary(await service.get_shipment(session, first.id))
        op = await operator(session, HARBOR.gln)
        actor = Actor("custody demo")
        view = await service.create_shipment(session, op, service.ShipmentSpec(
            LYON.gln, order_number="NPP-2026-0107", carrier="Cryoport",
            tracking="CRY-000123"), actor.label)
        sid = view.shipment.id
        for part in (vials[:3], vials[3:]):
            case = await service.add_case(session, op, sid, actor.label)
            for vial in part:
                await service.pack_scan(session, op, sid, case.case.id, scan_text(vial),
                                        None, actor)
            await service.close_case(session, op, sid, case.case.id, actor.label)
        return _summary(await service.ship(session, op, sid, actor.label))


def _summary(view: service.ShipmentView) -> dict[str, int | str]:
    return {"shipment": view.shipment.id, "shipment_status": str(view.shipment.status),
            "shipment_cases": len(view.cases), "shipment_units": view.units,
            "shipment_to": view.ship_to_name}
