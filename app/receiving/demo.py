"""The demo's expected inbound shipment: Atlas packs three Zenterva vials in an SSCC case and
ships it to Harbor (the operator), where it waits on the receiving board."""

from __future__ import annotations

from datetime import date

from app.demo import ATLAS, HARBOR, MASTER_DATA, NORTHWIND, ZENTERVA, _at, ingest
from app.world.documents import document
from app.world.events import commission, pack, purchase_order, receive, ship

INBOUND_CASE = "urn:epc:id:sscc:0360001.0000000042"
INBOUND_VIALS = tuple(ZENTERVA.sgtin(f"ZT{n:05d}") for n in range(31, 34))


def inbound_documents() -> list[tuple[str, bytes]]:
    """Northwind ships three vials to Atlas, which packs them in a case and ships it to
    Harbor with its TI and TS."""
    mfg, atlas, harbor = NORTHWIND.sgln, ATLAS.sgln, HARBOR.sgln
    chain = [
        (NORTHWIND, (commission(INBOUND_VIALS, _at(140), mfg, lot="ZT2611A",
                                expiry=date(2028, 5, 31)),
                     ship(INBOUND_VIALS, _at(141), mfg, atlas,
                          purchase_order(ATLAS.gln, "PO-ATL-7801"), biz_location=mfg))),
        (ATLAS, (receive(INBOUND_VIALS, _at(160), atlas),
                 pack(INBOUND_CASE, INBOUND_VIALS, _at(161), atlas),
                 ship((INBOUND_CASE,), _at(162), atlas, harbor,
                      purchase_order(HARBOR.gln, "PO-HSP-0611"), biz_location=atlas))),
    ]
    return [(party.gln, document(*events, master=MASTER_DATA)) for party, events in chain]


async def inbound(sessions, operator_gln: str) -> dict[str, int]:
    """Capture the inbound case (idempotent); return how many shipments the operator expects."""
    from app.operator.service import operator
    from app.receiving.service import expected

    await ingest(sessions, inbound_documents())
    async with sessions() as session:
        return {"expected": len(await expected(session, await operator(session, operator_gln)))}
