"""SQL for the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from app.dialect import for_update
from app.models import OutboxMessage, OutboxStatus, TradingPartner


async def by_key(session: AsyncSession, document_key: str) -> OutboxMessage | None:
    return (await session.execute(
        select(OutboxMessage).where(OutboxMessage.document_key == document_key)
    )).scalar_one_or_none()


async def get(session: AsyncSession, message_id: int, lock: bool = False) -> OutboxMessage | None:
    query = select(OutboxMessage).where(OutboxMessage.id == message_id)
    if lock:
        query = for_update(session, query)
    return (await session.execute(query)).scalar_one_or_none()


def _due(now: datetime):
    return or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.leased_until < now),
    )


async def next_due(session: AsyncSession, now: datetime) -> OutboxMessage | None:
    """The oldest due message, locked (skipping those another worker is claiming)."""
    query = select(OutboxMessage).where(_due(now)).order_by(OutboxMessage.id).limit(1)
    return (await session.execute(for_update(session, query, skip_locked=True))).scalar_one_or_none()


async def listing(session: AsyncSession, status: OutboxStatus | None, limit: int,
                  ) -> list[tuple[OutboxMessage, str]]:
    """Newest first, with the partner's name (bodies are deferred: never loaded here)."""
    query = (select(OutboxMessage, TradingPartner.legal_name)
             .join(TradingPartner, TradingPartner.id == OutboxMessage.partner_id)
             .options(defer(OutboxMessage.body, raiseload=True))
             .order_by(OutboxMessage.id.desc()).limit(limit))
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return [(m, name) for m, name in (await session.execute(query)).all()]


async def partner(session: AsyncSession, partner_id: int) -> TradingPartner | None:
    return await session.get(TradingPartner, partner_id)
