"""Who may read each event, recomputed for ``custody verify``.

``event_parties`` decides which partners see an event (``GET /events``). It is not a ledger
table: anyone who can write the database could add a row and let a partner read another's
event. Capture derives the rows with :func:`app.ingest.rules.readers` from the submitter and
the hops the event caused, which is what the event's leaf proves (the partner it names, the
hops it lists); verify applies the same function to them. Partners are named as the ledger
names them and mapped to ids through today's directory (:class:`app.ledger.unit_state.Names`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import aclosing

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import keyset_pages, select_in
from app.ingest.rules import readers
from app.ledger import repository as repo
from app.ledger.unit_state import Difference, Names
from app.models import CustodyHop, EpcisEvent, EventParty, LedgerLeaf

PAGE = 5_000
Hop = tuple[str, str | None, str | None]
"""``(kind, from party, to party)``: all :func:`readers` needs of a hop."""


async def first_difference(
    session: AsyncSession, tick: Callable[[int], None] | None = None
) -> tuple[int, Difference | None]:
    """Check every stored event's readers, a page of events at a time; return how many
    ``event_parties`` rows held and the first event whose rows differ, if any.

    An event no leaf records is a difference too (every captured event is logged).
    """
    names = await Names.load(session)
    moved = await _moves(session)
    done = 0
    async for page in keyset_pages(session, select(EpcisEvent.id, EpcisEvent.event_hash),
                                   EpcisEvent.id, PAGE):
        submitters = await _submitters(session, [h for _, h in page])
        stored = await _stored(session, [i for i, _ in page])
        for event_id, event_hash in page:
            where = f"{event_id} ({event_hash})"
            if (submitter := submitters.get(event_hash)) is None:
                return done, ("epcis_events", where, "a leaf recording the event", "none",
                              "event is not in the log")
            expected = readers(submitter, moved.get(event_hash, ()))
            found = stored.get(event_id, set())
            if {names.partner(x) for x in expected} != found:
                return done, ("event_parties", where, ", ".join(sorted(expected)),
                              ", ".join(sorted(map(names.label, found))) or "nobody",
                              "stored readers differ from what the log proves")
            done += len(found)
        if tick:
            tick(done)
    return done, None


async def _moves(session: AsyncSession) -> dict[str, set[Hop]]:
    """The hops that give an event readers besides its submitter, by event hash, read once
    (the hop table has no index by event; distinct hops per event are few)."""
    query = (select(CustodyHop.id, CustodyHop.event_hash, CustodyHop.kind, CustodyHop.from_party,
                    CustodyHop.to_party)
             .where(or_(CustodyHop.kind == "ship", CustodyHop.kind == "receive"))
             .order_by(CustodyHop.id))
    found: dict[str, set[Hop]] = {}
    async with aclosing(repo.batches(session, query)) as batches:
        async for rows in batches:
            for _, event_hash, *hop in rows:
                found.setdefault(event_hash, set()).add(tuple(hop))
    return found


async def _submitters(session: AsyncSession, hashes: list[str]) -> dict[str, str]:
    """The partner the first leaf of each event names (verify proves the leaf's data)."""
    query = select(LedgerLeaf.event_hash, LedgerLeaf.leaf_index, LedgerLeaf.data)
    first: dict[str, tuple[int, bytes]] = {}
    for event_hash, index, data in await select_in(session, query, LedgerLeaf.event_hash, hashes):
        if index < first.get(event_hash, (index + 1,))[0]:
            first[event_hash] = index, data
    return {event_hash: json.loads(data)["partner"] for event_hash, (_, data) in first.items()}


async def _stored(session: AsyncSession, ids: list[int]) -> dict[int, set[int]]:
    """The partners ``event_parties`` lets read each event."""
    query = select(EventParty.event_id, EventParty.partner_id)
    found: dict[int, set[int]] = {}
    for event_id, partner_id in await select_in(session, query, EventParty.event_id, ids):
        found.setdefault(event_id, set()).add(partner_id)
    return found
