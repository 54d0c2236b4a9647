"""Outbox rules: enqueue a document once, claim due messages under a lease, record each
attempt's outcome with exponential backoff, and let staff retry a failed message.

The worker (``app.outbox.worker``) pushes outside any transaction: a claim commits
``sending`` with a lease before the request, the outcome commits after it. A worker killed
in between leaves the message ``sending``; once the lease passes another worker sends the
same bytes again, which the receiver recognises (see ``app.models.outbox``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.dialect import write_lock
from app.errors import Conflict, NotFound, ValidationFailed
from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.outbox import repository

MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
PERMANENT = frozenset(range(400, 500)) - {408, 409, 425, 429}
"""Answers that another attempt would not change: the receiver refused the document."""


def backoff(attempts: int, base: timedelta = BACKOFF) -> timedelta:
    """Wait after the ``attempts``-th failure: ``base`` doubled each time, at most an hour.

    >>> [int(backoff(n).total_seconds()) for n in (1, 2, 3, 10, 20)]
    [10, 20, 40, 3600, 3600]
    """
    return min(base * 2 ** min(attempts - 1, 20), BACKOFF_CAP)


async def enqueue(session: AsyncSession, partner_id: int, document_key: str, body: bytes,
                  media_type: str, reference: str) -> OutboxMessage:
    """Queue ``body`` for the partner; the same ``document_key`` again returns the first
    message (a different body under that key is a 409: a document is never sent twice as
    two documents)."""
    digest = hashlib.sha256(body).hexdigest()
    existing = await repository.by_key(session, document_key)
    if existing is not None:
        if existing.body_sha256 != digest:
            raise Conflict(f"outbox document {document_key!r} is queued already with other "
                           "content; expected the same bytes", field="document_key",
                           found=document_key)
        return existing
    message = OutboxMessage(document_key=document_key, partner_id=partner_id,
                            reference=reference, media_type=media_type, body=body,
                            body_sha256=digest, status=OutboxStatus.PENDING, attempts=0,
                            next_attempt_at=utcnow())
    session.add(message)
    await session.flush()
    return message


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to push one message (read in the claiming transaction)."""

    id: int
    attempt: int
    url: str | None
    token: str | None
    media_type: str
    body: bytes
    document_key: str


async def claim(session: AsyncSession, lease: timedelta) -> Claimed | None:
    """Lease the oldest due message to this worker (``sending``, attempts + 1)."""
    await write_lock(session)
    now = utcnow()
    message = await repository.next_due(session, now)
    if message is None:
        return None
    partner = await repository.partner(session, message.partner_id)
    message.status, message.attempts = OutboxStatus.SENDING, message.attempts + 1
    message.leased_until = now + lease
    await session.flush()
    return Claimed(message.id, message.attempts, partner.capture_url if partner else None,
                   partner.capture_token if partner else None, message.media_type,
                   message.body, message.document_key)


async def record(session: AsyncSession, claimed: Claimed, *, receipt: str | None = None,
                 error: str | None = None, permanent: bool = False,
                 max_attempts: int = MAX_ATTEMPTS, base: timedelta = BACKOFF) -> bool:
    """Record an attempt: delivered without ``error``; otherwise pending again after the
    backoff, or failed when ``permanent`` or out of attempts. False when the lease was lost
    (another worker took the message over): nothing is written."""
    await write_lock(session)
    message = await repository.get(session, claimed.id, lock=True)
    if message is None or message.status != OutboxStatus.SENDING \
            or message.attempts != claimed.attempt:
        return False
    message.leased_until = None
    if error is None:
        message.status, message.delivered_at = OutboxStatus.DELIVERED, utcnow()
        message.receipt, message.last_error = receipt, None
    elif permanent or message.attempts >= max_attempts:
        message.status, message.last_error = OutboxStatus.FAILED, error
    else:
        message.status, message.last_error = OutboxStatus.PENDING, error
        message.next_attempt_at = utcnow() + backoff(message.attempts, base)
    await session.flush()
    return True


async def retry(session: AsyncSession, message_id: int) -> tuple[OutboxMessage, str]:
    """Send a failed (or waiting) message again now, with a fresh set of attempts."""
    await write_lock(session)
    message = await repository.get(session, message_id, lock=True)
    if message is None:
        raise NotFound(f"no outbox message {message_id}", field="id", found=message_id)
    if message.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
        raise Conflict(f"outbox message {message_id} is {message.status}; expected failed or "
                       "pending to retry", field="status", found=str(message.status))
    message.status, message.attempts, message.next_attempt_at = (
        OutboxStatus.PENDING, 0, utcnow())
    await session.flush()
    partner = await repository.partner(session, message.partner_id)
    return message, partner.legal_name if partner else ""


async def list_messages(session: AsyncSession, status: str | None = None, limit: int = 100,
                        ) -> list[tuple[OutboxMessage, str]]:
    """Messages newest first with their partner's name, optionally of one status."""
    try:
        wanted = OutboxStatus(status) if status else None
    except ValueError:
        raise ValidationFailed(f"status: expected one of {', '.join(OutboxStatus)}, got "
                               f"{status!r}", field="status", found=status) from None
    return await repository.listing(session, wanted, limit)


def due_time(message: OutboxMessage) -> datetime | None:
    """When the message is tried next, if it waits for that."""
    return message.next_attempt_at if message.status == OutboxStatus.PENDING else None
