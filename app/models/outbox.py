"""The outbox: EPCIS documents waiting to be pushed to a partner's capture URL.

A message keeps the exact bytes it will send (never rebuilt), so every attempt sends the
same document and a receiver that recognises a document by its content (as Custody's
``POST /capture`` does) keeps it once however often it arrives.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum, utcnow


class OutboxStatus(StrEnum):
    """``pending`` (due at ``next_attempt_at``), ``sending`` (leased by a worker),
    ``delivered`` or ``failed`` (attempts used up or refused; retryable by staff)."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class OutboxMessage(Base):
    """One document for one partner; ``document_key`` makes enqueueing idempotent."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_key: Mapped[str] = mapped_column(String(200), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"), index=True)
    reference: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, 10))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
