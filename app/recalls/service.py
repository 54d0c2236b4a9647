"""Recalls: the brand owner withdraws lots of a product; Custody tells who holds them.

Only the brand owner (the holder of the GTIN's company prefix) or its agent issues a recall:
a recall flags units wherever they are (scans, VRS ``additionalInfo: Recalled``), so anyone
else could use it to discredit a competitor's stock. The recall is a record the unit views
consult; custody is never taken. Units the operator itself holds in stock become ``recalled``
through its own EPCIS ``holding`` event (disposition ``recalled``), on the ingest path; units
held elsewhere keep their status, and their custodians are listed to be told (a unit in
transit counts for both its shipper and its receiver).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Forbidden, NotFound, ValidationFailed
from app.ingest.service import load_context
from app.models import Recall, Unit, UnitStatus
from app.models.base import utcnow
from app.operator.service import RECALL, Operator, record_hold
from app.recalls import repository
from gs1.errors import GS1Error
from gs1.identifiers import validate_ai82, validate_gtin

CLASSES = ("I", "II", "III")
S = UnitStatus
ACTIVE = (S.COMMISSIONED, S.PACKED, S.SHIPPED, S.RECEIVED, S.RETURNED, S.QUARANTINED, S.RECALLED)
"""Statuses of units still in the supply chain (dispensed and destroyed ones have no custodian
to tell)."""
RECALLABLE = (S.COMMISSIONED, S.PACKED, S.RECEIVED, S.RETURNED, S.QUARANTINED)
"""Statuses of the operator's units its recall event moves (not in transit: the receiver
completes a shipment first)."""


@dataclass(frozen=True)
class RecallSpec:
    gtin: str
    lots: tuple[str, ...]
    recall_class: str
    reason: str


@dataclass
class RecallView:
    recall: Recall
    lots: list[str]
    issuer: str
    recalled_here: list[str] = field(default_factory=list)
    custodians: list[dict[str, Any]] = field(default_factory=list)
    units: int = 0


def check(spec: RecallSpec) -> RecallSpec:
    """``spec`` with its GTIN and lots checked, or ValidationFailed naming the field."""
    try:
        gtin = validate_gtin(spec.gtin)
    except GS1Error as exc:
        raise ValidationFailed(str(exc), field="gtin", found=spec.gtin) from None
    try:
        lots = tuple(dict.fromkeys(validate_ai82("lot", lot) for lot in spec.lots))
    except GS1Error as exc:
        raise ValidationFailed(str(exc), field="lots") from None
    if not lots:
        raise ValidationFailed("lots: expected at least one lot, got none", field="lots")
    if spec.recall_class not in CLASSES:
        raise ValidationFailed(f"class {spec.recall_class!r}: expected I, II or III",
                               field="class", found=spec.recall_class)
    if not spec.reason.strip():
        raise ValidationFailed("reason: expected why the lots are recalled, got nothing",
                               field="reason")
    return RecallSpec(gtin, lots, spec.recall_class, spec.reason.strip())


async def record_recall(session: AsyncSession, spec: RecallSpec, actor: str, operator: Operator,
                        issuer: int | None = None) -> RecallView:
    """Record a recall issued by ``issuer`` (default: the operator), move the operator's own
    units of the lots to ``recalled`` by its event, and list the custodians to tell.

    Raises Forbidden unless the issuer holds the GTIN's company prefix or is its owner's agent.
    """
    spec = check(spec)
    issuer = operator.id if issuer is None else issuer
    ctx = await load_context(session, issuer)
    prefix = ctx.registered(spec.gtin[1:])
    if prefix is None or prefix not in ctx.commissions_under(issuer):
        raise Forbidden(
            f"{ctx.label(issuer)} is neither the brand owner of GTIN {spec.gtin} nor its agent: "
            "only the brand owner (or its agent) recalls a product; to hold your own stock, "
            "quarantine the lot", field="gtin", found=spec.gtin)
    recall = Recall(gtin=spec.gtin, recall_class=spec.recall_class, reason=spec.reason,
                    issuer_id=issuer, recorded_at=utcnow(), recorded_by=actor)
    await repository.add(session, recall, spec.lots)
    units = await repository.units(session, spec.gtin, spec.lots)
    mine = {u.id for u in units if u.custodian_id == operator.id and u.status in RECALLABLE}
    top = [u.identifier for u in units if u.id in mine and u.parent_id not in mine]
    if top:
        await record_hold(session, operator, top, RECALL)
    view = (await _views(session, [(recall, list(spec.lots))], operator))[0]
    view.recalled_here = sorted(u.identifier for u in units if u.id in mine)
    return view


async def get_recall(session: AsyncSession, recall_id: int, operator: Operator) -> RecallView:
    found = await repository.recalls(session, [recall_id])
    if not found:
        raise NotFound(f"no recall {recall_id}", field="recall")
    return (await _views(session, found, operator))[0]


async def list_recalls(session: AsyncSession, operator: Operator, gtin: str | None = None,
                       limit: int = 100) -> list[RecallView]:
    return await _views(session, await repository.recalls(session, gtin=gtin, limit=limit), operator)


async def _views(session: AsyncSession, found: list[tuple[Recall, list[str]]],
                 operator: Operator) -> list[RecallView]:
    ctx = await load_context(session, operator.id)
    views = []
    for recall, lots in found:
        units = [u for u in await repository.units(session, recall.gtin, lots) if u.status in ACTIVE]
        views.append(RecallView(recall, lots, ctx.label(recall.issuer_id),
                                custodians=await custodians(session, ctx.label, units),
                                units=len(units)))
    return views


async def custodians(session: AsyncSession, label, units: list[Unit]) -> list[dict[str, Any]]:
    """Who holds ``units`` now, with how many each and how many of those are in transit (a
    unit in transit counts for its shipper and its receiver)."""
    counts: dict[int, list[int]] = {}
    for unit in units:
        for party in {p for p in (unit.custodian_id, unit.destination_id) if p is not None}:
            count = counts.setdefault(party, [0, 0])
            count[0] += 1
            count[1] += unit.status == S.SHIPPED
    names = await repository.partner_names(session, counts)
    return [{"gln": label(pid), "name": names.get(pid), "units": n, "in_transit": moving}
            for pid, (n, moving) in sorted(counts.items(), key=lambda kv: label(kv[0]))]
