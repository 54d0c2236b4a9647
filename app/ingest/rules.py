"""The ingest rules: which EPCIS events change custody, and how. One table, one function each.

A rule reads the event and the in-memory :class:`State` of the units the document names and
returns an :class:`Outcome`: the problems (contradictions of custody, each with a reason
code) or, when there are none, the unit changes and the custody hops the event causes. The
service applies an outcome only when it has no problems, so an event either has its whole
effect or none.

Events on a container (SSCC) apply to its contents as aggregated when the event happens:
:meth:`State.expand` walks the hierarchy the earlier events built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from app.ingest.identifiers import SGTIN, SSCC, company_prefix, key_fields
from app.ledger.core import HopSpec
from app.models import Licence, UnitStatus
from app.units.status import can_transition
from epcis.dscsa import gln_of, ilmd_lot
from epcis.model import Action, Event, EventType
from gs1.errors import GS1Error
from gs1.identifiers import parse_epc_uri, uri_unescape, validate_ai82

S = UnitStatus
CBV_STEP = "urn:epcglobal:cbv:bizstep:"
CBV_DISP = "urn:epcglobal:cbv:disp:"
OWNING = ("urn:epcglobal:cbv:sdt:owning_party", "owning_party")
_DL_GLN = re.compile(r"/41[47]/(\d{12})\d(?:/|$)")
OWNED = ("sgtin", "sscc")  # schemes whose company prefix names the brand owner
NOT_SHIPPED = "NOT_SHIPPED_TO_RECEIVER"


@dataclass(slots=True)
class UnitRow:
    """A unit as the rules see it (``id`` and ``parent_id`` as stored; None for new units)."""

    identifier: str
    kind: str
    gtin: str | None
    serial: str | None
    sscc: str | None
    lot: str | None
    status: UnitStatus
    custodian_id: int | None
    location_id: int | None = None
    destination_id: int | None = None
    id: int | None = None
    parent_id: int | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class Problem:
    """A contradiction of custody: a stable reason code, one sentence, the unit concerned."""

    code: str
    detail: str
    unit: str | None = None


@dataclass
class Outcome:
    """What one event does: problems, or changes (identifier -> new column values) and hops."""

    problems: list[Problem] = field(default_factory=list)
    creates: list[UnitRow] = field(default_factory=list)
    changes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    hops: list[HopSpec] = field(default_factory=list)


class Context:
    """What rules need to know about partners; built by the service from the database."""

    def __init__(
        self,
        submitter: int,
        labels: dict[int, str],
        by_gln: dict[str, int],
        prefixes: dict[int, set[str]],
        locations: dict[str, int],
        authorized: set[int],
        principals: dict[int, set[int]] | None = None,
        licences: dict[int, list[Licence]] | None = None,
    ) -> None:
        self.submitter = submitter
        self.labels = labels
        self.named = {label: pid for pid, label in labels.items()}
        self.by_gln = by_gln  # 12-digit GLN body -> partner id
        self.prefixes = prefixes  # partner id -> GS1 company prefixes it holds
        self.owners = {p: pid for pid, held in prefixes.items() for p in held}
        self.locations = locations  # SGLN -> location id
        self.authorized = authorized  # partners authorized (and licensed) today
        self.principals = principals or {}  # agent id -> brand owners it commissions for
        self.licences = licences or {}  # partner id -> its licences

    def licensed_on(self, partner_id: int, day: date) -> bool:
        """Whether ``partner_id`` holds a licence valid on ``day``."""
        return any(x.is_valid_on(day) for x in self.licences.get(partner_id, ()))

    def commissions_under(self, partner_id: int) -> set[str]:
        """Company prefixes ``partner_id`` may commission: its own and its principals'."""
        own = self.prefixes.get(partner_id, set())
        return own.union(*(self.prefixes.get(p, set()) for p in self.principals.get(partner_id, ())))

    def registered(self, key: str) -> str | None:
        """The held company prefix ``key`` (the digits of a GS1 key after its indicator or
        extension digit) starts with, or None (held prefixes are prefix-free)."""
        return next((key[:n] for n in range(6, 13) if key[:n] in self.owners), None)

    def label(self, partner_id: int | None) -> str:
        """How the ledger names a partner: its first GLN (``partner:<id>`` without one)."""
        if partner_id is None:
            return "nobody"
        return self.labels.get(partner_id, f"partner:{partner_id}")

    def partner_named(self, label: str) -> int | None:
        """The partner whose :meth:`label` is ``label``, or None."""
        return self.named.get(label) or partner_label_id(label)

    def resolve(self, party: str) -> int | None:
        """The partner a PGLN/SGLN (URN or Digital Link) names, or None."""
        body = gln_of(party)
        if body is None and (match := _DL_GLN.search(party)):
            body = match.group(1)
        return self.by_gln.get(body) if body else None


class State:
    """The units the document touches, with their aggregation, mutated event by event.

    ``changed`` names the stored units an applied outcome modified (new ones are in ``created``).
    """

    def __init__(self, units: dict[str, UnitRow], parents: dict[str, str | None]) -> None:
        self.units = units
        self.parent = dict(parents)
        self.created: list[UnitRow] = []
        self.changed: set[str] = set()
        self.children: dict[str, list[str]] = {}
        for child, parent in self.parent.items():
            if parent is not None:
                self.children.setdefault(parent, []).append(child)

    def expand(
        self, identifiers: tuple[str, ...], out: Outcome, ctx: Context, code: str
    ) -> list[UnitRow]:
        """The named units and everything inside them; unknown ones become problems
        (:func:`unseen`, reported under ``code`` unless the sender owns the brand)."""
        found: list[UnitRow] = []
        stack = list(reversed(identifiers))
        while stack:
            ident = stack.pop()
            unit = self.units.get(ident)
            if unit is None:
                out.problems.append(unseen(ident, ctx, code))
                continue
            found.append(unit)
            stack.extend(reversed(self.children.get(ident, [])))
        return found

    def set_parent(self, child: str, parent: str | None) -> None:
        old = self.parent.get(child)
        if old is not None and child in self.children.get(old, []):
            self.children[old].remove(child)
        self.parent[child] = parent
        if parent is not None:
            self.children.setdefault(parent, []).append(child)

    def apply(self, out: Outcome) -> None:
        """Apply an outcome without problems."""
        for unit in out.creates:
            self.units[unit.identifier] = unit
            self.parent.setdefault(unit.identifier, None)
        self.created += out.creates
        for ident, values in out.changes:
            unit = self.units[ident]
            for key, value in values.items():
                if key == "parent":
                    self.set_parent(ident, value)
                else:
                    setattr(unit, key, value)
            if unit.id is not None:
                self.changed.add(ident)


def readers(submitter: str, hops: Iterable[tuple[str, str | None, str | None]]) -> set[str]:
    """Who may read an event, as the ledger names partners: its submitter, the destination
    of each shipment it made and the custodian each receipt took a unit from.

    ``hops`` are the ``(kind, from party, to party)`` of the hops the event caused (none when
    it contradicted custody). Submitter and hops are what the event's leaf proves, so
    ``custody verify`` recomputes the stored ``event_parties`` with this same function.

    >>> sorted(readers("A", [("ship", "A", "B"), ("receive", "C", "A"), ("pack", "A", "A")]))
    ['A', 'B', 'C']
    """
    found = {submitter}
    for kind, src, dst in hops:
        party = dst if kind == "ship" else src if kind == "receive" else None
        if party is not None:
            found.add(party)
    return found


def partner_label_id(label: str) -> int | None:
    """The partner id in a ``partner:<id>`` label (a partner without a GLN), else None.

    >>> partner_label_id("partner:7"), partner_label_id("urn:epc:id:pgln:0312345.00000")
    (7, None)
    """
    head, _, tail = label.partition(":")
    return int(tail) if head == "partner" and tail.isdigit() else None


def _location(event: Event) -> str | None:
    loc = event.biz_location or event.read_point
    return loc.id if loc else None


def _owning(entries) -> str | None:
    return next((e.value for e in entries if e.type in OWNING), None)


def _move(unit: UnitRow, new: UnitStatus, out: Outcome) -> bool:
    """Check ``unit`` may take status ``new``; record the problem when not."""
    if can_transition(unit.status, new):
        return True
    code = "ALREADY_DISPENSED" if unit.status == S.DISPENSED else "INVALID_TRANSITION"
    out.problems.append(
        Problem(code, f"unit {unit.identifier} cannot go from {unit.status} to {new}", unit.identifier)
    )
    return False


def _held_by(unit: UnitRow, party: int, ctx: Context, out: Outcome, code: str = "NOT_CUSTODIAN") -> bool:
    """True when ``party`` holds ``unit``; else a problem that never names the holder."""
    if unit.custodian_id == party:
        return True
    out.problems.append(_not_held(unit.identifier, party, ctx, code))
    return False


def _not_held(ident: str, party: int, ctx: Context, code: str) -> Problem:
    if code == NOT_SHIPPED:
        return Problem(code, f"unit {ident} is not in a shipment to {ctx.label(party)}", ident)
    return Problem(code, f"unit {ident} is not held by {ctx.label(party)}", ident)


def unseen(ident: str, ctx: Context, code: str) -> Problem:
    """The problem for a unit the ledger does not hold.

    Only its brand owner (or the owner's agent) learns that it was never commissioned; anyone
    else gets the answer a unit held by another partner gets, so errors confirm nothing about
    other partners' units.
    """
    if company_prefix(ident, OWNED) in ctx.commissions_under(ctx.submitter):
        return Problem("UNKNOWN_UNIT", f"unit {ident} was never commissioned", ident)
    return _not_held(ident, ctx.submitter, ctx, code)


def _identity(identifier: str) -> tuple[str, str | None, str | None, str | None]:
    """``(kind, gtin, serial, sscc)`` of an EPC URI; ``("other", None, None, None)`` when it
    is not one.

    SGTINs of one class share a cached GTIN; only the serial is checked per unit.

    >>> _identity("urn:epc:id:sgtin:0614141.812345.A%2FB")
    ('sgtin', '80614141123458', 'A/B', None)
    >>> _identity("urn:epc:id:sscc:0614141.1234567890")
    ('sscc', None, None, '106141412345678908')
    >>> _identity("urn:epc:id:sgtin:0614141.812345.A B"), _identity("urn:x")
    (('other', None, None, None), ('other', None, None, None))
    """
    try:
        if identifier.startswith(SGTIN) and identifier.count(".") >= 2:
            cp, ref, serial = identifier[len(SGTIN):].split(".", 2)
            gtin = _sgtin_class(cp, ref)
            return "sgtin", gtin, validate_ai82("serial", uri_unescape("serial", serial)), None
        key = parse_epc_uri(identifier)
    except GS1Error:
        return "other", None, None, None
    return key.kind, key.gtin, key.serial, key.sscc


@lru_cache(maxsize=1024)
def _sgtin_class(prefix: str, reference: str) -> str:
    """The GTIN of an SGTIN class (raises GS1Error as :func:`parse_epc_uri` does)."""
    return parse_epc_uri(f"{SGTIN}{prefix}.{reference}.0").gtin or ""


def _new_unit(identifier: str, custodian: int, location: int | None, lot: str | None = None,
              expiry: date | None = None) -> UnitRow:
    return UnitRow(identifier, *_identity(identifier), lot, S.COMMISSIONED, custodian, location,
                   expiry=expiry)


def _lot(event: Event) -> tuple[str | None, date | None]:
    """The ILMD lot number and expiry (``cbvmda:`` or ``gs1ushc:``). GS1 AI 10 holds at most 20
    characters; a longer lot is not kept."""
    lot, expiry = ilmd_lot(event)
    return (lot if lot and len(lot) <= 20 else None), expiry


def _hop(unit: UnitRow | str, kind: str, src: str | None, dst: str | None, event: Event) -> HopSpec:
    ident = unit if isinstance(unit, str) else unit.identifier
    return HopSpec(ident, kind, src, dst, _location(event), event.event_time)


def misnamed(event: Event, ctx: Context) -> list[Problem]:
    """The EPCs of ``event`` whose partition disagrees with the held company prefix of their
    GTIN or SSCC: one key, one name, so one unit.

    An EPC under no held prefix is left to the rules (nobody may commission it).
    """
    found = []
    for ident in event.all_epcs:
        if (fields := key_fields(ident)) is None:
            continue
        cp, digit, rest = fields
        held = ctx.registered(cp + rest)
        if held is None or held == cp:
            continue
        sscc = ident.startswith(SSCC)
        scheme, serial = (SSCC, "") if sscc else (SGTIN, "." + ident.split(".", 2)[2])
        expected = f"{scheme}{held}.{digit}{(cp + rest)[len(held):]}{serial}"
        found.append(Problem(
            "COMPANY_PREFIX_MISMATCH",
            f"{ident} has company prefix {cp} ({len(cp)} digits) but its "
            f"{'SSCC' if sscc else 'GTIN'} is under company prefix {held} ({len(held)} digits); "
            f"expected {expected}",
            ident,
        ))
    return found


def _not_owner(ident: str, ctx: Context, creates: str) -> Problem | None:
    """The problem when the submitter may not create ``ident``: only the holder of its
    company prefix, or the holder's agent, ``creates`` it."""
    label = ctx.label(ctx.submitter)
    if ident.startswith("http"):  # a Digital Link no known company prefix could resolve
        return Problem("NOT_BRAND_OWNER", f"{label} owns no company prefix that {ident} starts "
                                          f"with; only the brand owner or its agent {creates}",
                       ident)
    prefix = company_prefix(ident, OWNED)
    if prefix is not None and prefix not in ctx.commissions_under(ctx.submitter):
        return Problem("NOT_BRAND_OWNER", f"{label} does not own company prefix {prefix} of "
                                          f"{ident}; only the brand owner or its agent {creates}",
                       ident)
    return None


# -- rules -------------------------------------------------------------------------
def commission(state: State, event: Event, ctx: Context) -> Outcome:
    """Create units; only the brand owner (holder of the company prefix) or its agent does,
    once each."""
    out = Outcome()
    me, label = ctx.submitter, ctx.label(ctx.submitter)
    where, (lot, expiry), when = _location(event), _lot(event), event.event_time
    location = ctx.locations.get(where or "")
    for ident in event.epc_list:  # brand ownership first: only the owner learns what exists
        if problem := _not_owner(ident, ctx, "commissions it"):
            out.problems.append(problem)
            continue
        if ident in state.units:
            out.problems.append(
                Problem("ALREADY_COMMISSIONED", f"unit {ident} is already commissioned", ident)
            )
            continue
        out.creates.append(_new_unit(ident, me, location, lot, expiry))
        out.hops.append(HopSpec(ident, "commission", None, label, where, when))
    return out


def pack(state: State, event: Event, ctx: Context) -> Outcome:
    """Aggregate children into a parent container (created on first use, under the creator's
    company prefix or its principal's)."""
    out = Outcome()
    me, parent = ctx.submitter, event.parent_id
    if not parent:
        out.problems.append(Problem("MISSING_PARENT", "an AggregationEvent ADD needs a parentID"))
        return out
    if parent in state.units:
        _held_by(state.units[parent], me, ctx, out)
    elif problem := _not_owner(parent, ctx, "creates it"):
        out.problems.append(problem)
    else:
        out.creates.append(_new_unit(parent, me, ctx.locations.get(_location(event) or "")))
        out.hops.append(_hop(parent, "commission", None, ctx.label(me), event))
    for ident in event.child_epcs:
        unit = state.units.get(ident)
        if unit is None:
            out.problems.append(unseen(ident, ctx, "NOT_CUSTODIAN"))
            continue
        if _held_by(unit, me, ctx, out) and _move(unit, S.PACKED, out):
            out.changes.append((ident, {"status": S.PACKED, "parent": parent}))
            out.hops.append(_hop(unit, "pack", ctx.label(me), ctx.label(me), event))
    return out


def unpack(state: State, event: Event, ctx: Context) -> Outcome:
    """Take children (all of them when none are named) out of a parent container."""
    out = Outcome()
    me, parent = ctx.submitter, event.parent_id
    if not parent:
        out.problems.append(Problem("MISSING_PARENT", "an AggregationEvent DELETE needs a parentID"))
        return out
    if parent not in state.units:
        out.problems.append(unseen(parent, ctx, "NOT_CUSTODIAN"))
        return out
    _held_by(state.units[parent], me, ctx, out)
    for ident in event.child_epcs or tuple(state.children.get(parent, ())):
        unit = state.units.get(ident)
        if unit is None or state.parent.get(ident) != parent:
            out.problems.append(Problem("NOT_IN_CONTAINER", f"unit {ident} is not in {parent}", ident))
            continue
        status = S.COMMISSIONED if unit.status == S.PACKED else unit.status
        out.changes.append((ident, {"status": status, "parent": None}))
        out.hops.append(_hop(unit, "unpack", ctx.label(me), ctx.label(me), event))
    return out


def ship(state: State, event: Event, ctx: Context) -> Outcome:
    """Move custody from the current custodian towards the destination owning party."""
    out = Outcome()
    source = _owning(event.sources)
    shipper = ctx.resolve(source) if source else ctx.submitter
    if shipper != ctx.submitter:  # a partner reports its own shipments, never another's
        out.problems.append(Problem(
            "SENDER_NOT_SHIPPER",
            f"{ctx.label(ctx.submitter)} cannot report a shipment by {source}",
        ))
        return out
    target = _owning(event.destinations)
    destination = ctx.resolve(target) if target else None
    if target is None:
        out.problems.append(Problem("MISSING_DESTINATION", "the shipment names no owning_party destination"))
    elif destination is None:
        out.problems.append(Problem("UNKNOWN_PARTY", f"destination {target} is not a known trading partner"))
    elif destination not in ctx.authorized:
        out.problems.append(Problem(
            "DESTINATION_NOT_AUTHORIZED",
            f"destination {ctx.label(destination)} is not an authorized trading partner",
        ))
    for unit in state.expand(event.epc_list, out, ctx, "SHIPPER_NOT_CUSTODIAN"):
        held = _held_by(unit, shipper, ctx, out, "SHIPPER_NOT_CUSTODIAN") if shipper else False
        if held and _move(unit, S.SHIPPED, out) and destination is not None:
            out.changes.append((unit.identifier, {"status": S.SHIPPED, "destination_id": destination}))
            out.hops.append(_hop(unit, "ship", ctx.label(shipper), ctx.label(destination), event))
    return out


def receive(state: State, event: Event, ctx: Context) -> Outcome:
    """The destination completes a shipment addressed to it (or a dispenser takes a dispensed
    unit back). Receiving anything else is ``NOT_SHIPPED_TO_RECEIVER``, whatever its status."""
    out = Outcome()
    me = ctx.submitter
    returned = (event.disposition or "").endswith("returned")
    loc = ctx.locations.get(_location(event) or "")
    for unit in state.expand(event.epc_list, out, ctx, NOT_SHIPPED):
        before = unit.custodian_id
        if returned and unit.status == S.DISPENSED:
            if _held_by(unit, me, ctx, out):
                out.changes.append((unit.identifier, {"status": S.RETURNED}))
                out.hops.append(_hop(unit, "return", None, ctx.label(me), event))
            continue
        if unit.status != S.SHIPPED or unit.destination_id != me:
            out.problems.append(_not_held(unit.identifier, me, ctx, NOT_SHIPPED))
        elif _move(unit, S.RECEIVED, out):
            out.changes.append((unit.identifier, {
                "status": S.RECEIVED, "custodian_id": me, "destination_id": None, "location_id": loc,
            }))
            out.hops.append(_hop(unit, "receive", ctx.label(before), ctx.label(me), event))
    return out


def status_change(new: UnitStatus, kind: str) -> Callable[[State, Event, Context], Outcome]:
    """A rule that moves every named unit (and its contents) to ``new``, by its custodian."""

    def rule(state: State, event: Event, ctx: Context) -> Outcome:
        out = Outcome()
        me = ctx.submitter
        for unit in state.expand(event.epc_list, out, ctx, "NOT_CUSTODIAN"):
            if _held_by(unit, me, ctx, out) and _move(unit, new, out):
                out.changes.append((unit.identifier, {"status": new}))
                out.hops.append(_hop(unit, kind, ctx.label(me), None, event))
        return out

    rule.__doc__ = f"Units go to {new} ({kind}), by their custodian only."
    return rule


HOLDS: dict[str, tuple[UnitStatus, str]] = {
    "non_sellable_other": (S.QUARANTINED, "quarantine"),
    "recalled": (S.RECALLED, "recall"),
    "sellable_not_accessible": (S.RECEIVED, "release"),
    "sellable_accessible": (S.RECEIVED, "release"),
}
"""CBV disposition of a ``holding`` event -> the status it gives and the hop kind (see the
decision record on operator events): quarantine, recall, or release from quarantine back to saleable stock."""


def hold(state: State, event: Event, ctx: Context) -> Outcome:
    """The custodian segregates units for review (CBV bizStep ``holding``): its disposition
    says quarantine, recall or release (:data:`HOLDS`); other dispositions change nothing.

    Custody stays where it is; only the custodian may hold its units, and a unit held by
    anyone else is refused without naming its holder.
    """
    disposition = (event.disposition or "").removeprefix(CBV_DISP)
    if disposition not in HOLDS:
        return Outcome()
    new, kind = HOLDS[disposition]
    out = Outcome()
    me = ctx.label(ctx.submitter)
    for unit in state.expand(event.epc_list, out, ctx, "NOT_CUSTODIAN"):
        if _held_by(unit, ctx.submitter, ctx, out) and _move(unit, new, out):
            out.changes.append((unit.identifier, {"status": new}))
            out.hops.append(_hop(unit, kind, me, me, event))
    return out


Rule = Callable[[State, Event, Context], Outcome]

RULES: dict[tuple[EventType, Action | None, str | None], Rule] = {
    (EventType.OBJECT, Action.ADD, "commissioning"): commission,
    (EventType.AGGREGATION, Action.ADD, None): pack,
    (EventType.AGGREGATION, Action.DELETE, None): unpack,
    (EventType.OBJECT, None, "shipping"): ship,
    (EventType.OBJECT, None, "receiving"): receive,
    (EventType.OBJECT, None, "dispensing"): status_change(S.DISPENSED, "dispense"),
    (EventType.OBJECT, None, "decommissioning"): status_change(S.DECOMMISSIONED, "decommission"),
    (EventType.OBJECT, None, "destroying"): status_change(S.DESTROYED, "destroy"),
    (EventType.OBJECT, Action.OBSERVE, "holding"): hold,
}
"""(event type, action or any, CBV bizStep or any) -> rule. Other events change nothing."""


def rule_for(event: Event) -> Rule | None:
    """The rule for ``event``: exact action and bizStep first, then wildcards.

    >>> from datetime import UTC, datetime
    >>> e = Event(EventType.OBJECT, datetime(2026, 1, 1, tzinfo=UTC), "+00:00",
    ...           action=Action.OBSERVE, biz_step=CBV_STEP + "shipping")
    >>> rule_for(e).__name__
    'ship'
    """
    biz_step = event.biz_step or ""
    step = biz_step[len(CBV_STEP):] if biz_step.startswith(CBV_STEP) else None
    for key in ((event.type, event.action, step), (event.type, None, step),
                (event.type, event.action, None)):
        if key in RULES:
            return RULES[key]
    return None
