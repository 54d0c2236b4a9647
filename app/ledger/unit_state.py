"""Units' current state recomputed from their custody chains, for ``custody verify``.

The ledger proves the hops; ``units`` is what ``/units`` and the ingest rules read. Someone
who can write the database could set a custodian the chain never reached, and every hash
would still verify. Replaying each unit's hops gives its status, custodian, destination and
container, which must be what is stored. Hops do not name the container: it is the
``parentID`` of the unit's last packing event, read from the stored event body, which verify
proves by recomputing its event hash (the hop names that hash). The ``event_epcs`` index is
not trusted: anyone who can write the database can rewrite it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.bulk import keyset_pages, select_in
from app.ingest.identifiers import unit_key
from app.ingest.rules import partner_label_id
from app.models import CustodyHop, EpcisEvent, PartnerGln, Unit, UnitStatus
from epcis.read import read_document

S = UnitStatus
STATUS = {"commission": S.COMMISSIONED, "pack": S.PACKED, "ship": S.SHIPPED,
          "receive": S.RECEIVED, "dispense": S.DISPENSED, "return": S.RETURNED,
          "decommission": S.DECOMMISSIONED, "destroy": S.DESTROYED,
          "quarantine": S.QUARANTINED, "recall": S.RECALLED, "release": S.RECEIVED}
"""The status each kind of hop leaves a unit in (``unpack``: packed units are commissioned)."""
TAKES_CUSTODY = ("commission", "receive", "return")
PAGE = 5_000

Difference = tuple[str, str, str, str, str]
"""``(table, row, expected, found, message)``, as verify reports a mismatch."""


@dataclass
class Replayed:
    """What a unit's hops say it is now (parties as the ledger names them)."""

    status: UnitStatus | None = None
    custodian: str | None = None
    destination: str | None = None
    container: str | None = None  # as its packing event names it

    def hop(self, kind: str, to_party: str | None, container: str | None) -> None:
        """Apply one hop, as the ingest rules applied its event."""
        if kind == "unpack":
            self.status = S.COMMISSIONED if self.status == S.PACKED else self.status
            self.container = None
        elif kind in STATUS:
            self.status = STATUS[kind]
        if kind in TAKES_CUSTODY:
            self.custodian = to_party
        if kind == "ship":
            self.destination = to_party
        elif kind == "receive":
            self.destination = None
        if kind == "pack":
            self.container = container


async def first_difference(
    session: AsyncSession, tick: Callable[[int], None] | None = None
) -> tuple[int, Difference | None]:
    """Replay every stored unit's chain, a page of units at a time; return how many were
    checked and the first unit whose stored state differs, if any.

    A unit without hops is a difference; hops of a unit that is not stored are not (the
    ledger proves them; they change nothing ``/units`` shows).
    """
    names = await Names.load(session)
    done = 0
    parent = aliased(Unit)
    units = (select(Unit.id, Unit.identifier, Unit.status, Unit.custodian_id, Unit.destination_id,
                    parent.identifier).outerjoin(parent, parent.id == Unit.parent_id))
    async for page in keyset_pages(session, units, Unit.id, PAGE):
        hops = await _hops(session, [row[1] for row in page])
        parents = await _pack_parents(session, {h[3] for h in hops if h[1] == "pack"})
        replayed: dict[str, Replayed] = {}
        for unit, kind, to_party, event_hash in hops:
            replayed.setdefault(unit, Replayed()).hop(kind, to_party, parents.get(event_hash))
        for row in page:
            if (found := _differs(row, replayed.get(row[1]), names)) is not None:
                return done, found
            done += 1
        if tick:
            tick(done)
    return done, None


class Names:
    """Partners as the ledger names them: by a GLN (any the partner holds today) or, for a
    partner without one, ``partner:<id>``."""

    def __init__(self, glns: dict[str, int]) -> None:
        """Take every partner GLN with its partner id."""
        self.ids = glns
        self.labels = {pid: gln for gln, pid in sorted(glns.items(), reverse=True)}

    @classmethod
    async def load(cls, session: AsyncSession) -> Names:
        return cls(dict((await session.execute(select(PartnerGln.gln, PartnerGln.partner_id))).all()))

    def partner(self, label: str | None) -> int | None:
        """The partner ``label`` names (-1: none that is known today)."""
        if label is None:
            return None
        return partner_label_id(label) or self.ids.get(label, -1)

    def label(self, partner_id: int | None) -> str:
        """How the ledger names ``partner_id`` (its first GLN)."""
        return "nobody" if partner_id is None else self.labels.get(partner_id, f"partner:{partner_id}")


def _differs(row: Sequence, chain: Replayed | None, names: Names) -> Difference | None:
    unit_id, identifier, status, custodian, destination, parent = row
    where = f"{unit_id} ({identifier})"
    if chain is None:
        return ("units", where, "a custody chain", "none", "unit has no custody hops")
    label, partner = names.label, names.partner

    if status != chain.status:
        return ("units", where, f"status {chain.status}", f"status {status}",
                "stored status differs from the custody chain")
    if custodian != partner(chain.custodian):
        return ("units", where, f"custodian {chain.custodian or 'nobody'}",
                f"custodian {label(custodian)}", "stored custodian differs from the custody chain")
    if destination != partner(chain.destination):
        return ("units", where, f"destination {chain.destination or 'none'}",
                f"destination {label(destination) if destination else 'none'}",
                "stored destination differs from the custody chain")
    if (parent is None) != (chain.container is None) or (
            parent and chain.container and unit_key(parent) != unit_key(chain.container)):
        return ("units", where, f"container {chain.container or 'none'}",
                f"container {parent or 'none'}", "stored container differs from the custody chain")
    return None


async def _hops(session: AsyncSession, units: list[str]) -> list[tuple[str, str, str | None, str]]:
    """``(unit, kind, to party, event hash)`` of every hop of ``units``, in chain order."""
    query = select(CustodyHop.unit, CustodyHop.kind, CustodyHop.to_party, CustodyHop.event_hash,
                   CustodyHop.seq)
    rows = await select_in(session, query, CustodyHop.unit, units)
    return [(unit, kind, to, event) for unit, kind, to, event, _ in sorted(rows, key=lambda r: (r[0], r[4]))]


async def _pack_parents(session: AsyncSession, hashes: set[str]) -> dict[str, str | None]:
    """The ``parentID`` of each packing event, by event hash, from its stored body (the one
    verify hashes), as the event names it."""
    query = select(EpcisEvent.event_hash, EpcisEvent.body)
    return {h: read_document(body.encode(), format="2.0-jsonld").events[0].parent_id
            for h, body in await select_in(session, query, EpcisEvent.event_hash, list(hashes))}
