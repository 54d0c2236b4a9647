"""Event queries: what a caller may see, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Caller
from app.errors import NotFound
from app.events import repository
from app.events.query import EventQuery, Position, decode_token, encode_token
from app.models import EpcisEvent


@dataclass(frozen=True)
class Page:
    """One page of events in capture order; ``next_token`` is None on the last page."""

    events: list[EpcisEvent]
    next_token: str | None


async def find_events(
    session: AsyncSession, caller: Caller, query: EventQuery, secret: bytes
) -> Page:
    """The events matching ``query`` that ``caller`` may see, a page after its token.

    Tokens are signed with ``secret`` for this query and this key: another query's or
    another key's token, or an edited one, is refused.
    """
    binding = f"{caller.prefix}:{query.fingerprint}"
    at = decode_token(query.token, secret, binding)
    left = query.count_limit if at.remaining is None else at.remaining
    size = query.per_page if left is None else min(query.per_page, left)
    rows = await repository.find(session, query.filter, caller.partner_id,
                                 caller.sees_everything, query.order_by, query.descending, at,
                                 size + 1)
    left = None if left is None else left - min(size, len(rows))
    if len(rows) <= size or left == 0:
        return Page(rows[:size], None)
    last = rows[size - 1]
    key = getattr(last, repository.ORDER_KEYS[query.order_by].key) if query.order_by else None
    return Page(rows[:size], encode_token(Position(last.id, key, left), secret, binding))


async def get_event(session: AsyncSession, caller: Caller, event_hash: str) -> EpcisEvent:
    """The event with ``event_hash`` (a CBV 2.0 ``ni:`` URI, or its bare hex digest)."""
    if not event_hash.startswith("ni:"):
        event_hash = f"ni:///sha-256;{event_hash}?ver=CBV2.0"
    row = await repository.by_hash(session, event_hash, caller.partner_id, caller.sees_everything)
    if row is None:
        raise NotFound(f"no event {event_hash} visible to this key", field="eventHash")
    return row
