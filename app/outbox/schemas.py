"""Wire shapes for the outbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.models import OutboxMessage
from app.outbox.service import due_time


class OutboxOut(BaseModel):
    id: int
    document_key: str = Field(description="One document, one key: enqueued once, sent as "
                              "the same bytes on every attempt")
    partner_id: int
    partner: str
    reference: str = Field(description="What the document is, e.g. 'shipment 12'")
    media_type: str
    body_sha256: str
    status: str = Field(description="pending, sending, delivered or failed")
    attempts: int
    next_attempt_at: datetime | None = Field(description="When a pending message is tried next")
    last_error: str | None
    receipt: str | None = Field(description="What the receiver answered (its Location)")
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, message: OutboxMessage, partner: str) -> OutboxOut:
        return cls(
            id=message.id, document_key=message.document_key, partner_id=message.partner_id,
            partner=partner, reference=message.reference, media_type=message.media_type,
            body_sha256=message.body_sha256, status=str(message.status),
            attempts=message.attempts,
            next_attempt_at=due_time(message),
            last_error=message.last_error, receipt=message.receipt,
            created_at=message.created_at, delivered_at=message.delivered_at,
        )
