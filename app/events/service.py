"""Event queries: what a caller may see, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Caller
from app.errors import NotFound
from app.events import repository
from app.events.query import EventFilter, decode_token, encode_token
from app.models import EpcisEvent


@dataclass(frozen=True)
class Page:
    """One page of events in capture order; ``next_token`` is None on the last page."""

    events: list[EpcisEvent]
    next_token: str | None


async def find_events(
    session: AsyncSession, caller: Caller, f: EventFilter, token: str | None, per_page: int
) -> Page:
    """The events matching ``f`` that ``caller`` may see, ``per_page`` after ``token``."""
    rows = await repository.find(session, f, caller.partner_id, caller.sees_everything,
                                 decode_token(token), per_page + 1)
    if len(rows) <= per_page:
        return Page(rows, None)
    return Page(rows[:per_page], encode_token(rows[per_page - 1].id))


async def get_event(session: AsyncSession, caller: Caller, event_hash: str) -> EpcisEvent:
    """The event with ``event_hash`` (a CBV 2.0 ``ni:`` URI, or its bare hex digest)."""
    if not event_hash.startswith("ni:"):
        event_hash = f"ni:///sha-256;{event_hash}?ver=CBV2.0"
    row = await repository.by_hash(session, event_hash, caller.partner_id, caller.sees_everything)
    if row is None:
        raise NotFound(f"no event {event_hash} visible to this key", field="eventHash")
    return row
