"""Queue a shipped shipment's outbound document for the ship-to partner's capture URL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import OutboxMessage
from app.operator.service import Operator
from app.outbox import repository
from app.outbox.service import enqueue

FORMAT, MEDIA_TYPE = "1.2-xml", "application/xml"  # what DSCSA receivers capture (GS1 US R1.3)


async def push_shipped(session: AsyncSession, op: Operator, shipment_id: int,
                       ship_to_id: int) -> OutboxMessage | None:
    """Enqueue the outbound EPCIS 1.2 document when the partner has a capture URL (in the
    shipping transaction: shipped and queued commit together); None when it has none."""
    from app.shipments.service import outbound

    partner = await repository.partner(session, ship_to_id)
    if partner is None or not partner.capture_url:
        return None
    body = await outbound(session, op, shipment_id, FORMAT)
    return await enqueue(session, partner.id, f"shipment:{shipment_id}:{FORMAT}", body,
                         MEDIA_TYPE, f"shipment {shipment_id}")
