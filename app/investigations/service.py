"""Suspect product: quarantine, investigations, determinations and Form FDA 3911 drafts.

Quarantine and release are the operator's own EPCIS ``holding`` events
(:mod:`app.operator.service`): the ingest rules decide whether the operator holds the units,
and the log proves what happened. An investigation is append-only: it is opened once, and
everything after (notes, the determination, the notification, follow-up and termination
reports) is a new entry; its status is what its entries say. A determination is final.

DSCSA (FD&C 582): illegitimate product is reported to FDA (Form FDA 3911) and to the immediate
trading partners within 24 hours of the determination; a view shows that deadline and flags
an investigation overdue while no notification is recorded past it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound, ValidationFailed
from app.investigations import pdf, repository
from app.models import EntryKind, Investigation, InvestigationEntry, Unit, UnitStatus
from app.models.base import utcnow
from app.operator.service import QUARANTINE, RELEASE, Operator, record_hold
from app.partners.repository import partner_glns
from app.recalls import repository as recalls
from app.units.service import spellings

DEADLINE = timedelta(hours=24)
TRIGGERS = ("manual", "verification", "receiving", "scan", "cold-chain")
CLASSIFICATIONS = ("counterfeit", "diverted", "stolen", "intentional_adulteration",
                   "unfit_for_distribution", "fraudulent_transaction")
"""Form FDA 3911's classifications of illegitimate product (one per report)."""
REPORT_TYPES = ("initial", "follow_up", "request_for_termination")
S = UnitStatus
IN_STOCK = (S.COMMISSIONED, S.PACKED, S.RECEIVED, S.RETURNED)
"""Statuses of units the operator may put in quarantine (not in transit, not yet held)."""


class Status(StrEnum):
    """Where an investigation stands."""

    OPEN = "open"
    CLEARED = "cleared"
    ILLEGITIMATE = "illegitimate"
    TERMINATION_REQUESTED = "termination_requested"


_SETS = {EntryKind.CLEARED: Status.CLEARED, EntryKind.ILLEGITIMATE: Status.ILLEGITIMATE,
         EntryKind.TERMINATION: Status.TERMINATION_REQUESTED}


@dataclass(frozen=True)
class Selection:
    """Units named (EPC URNs or GS1 Digital Links; a case stands for its contents), or one lot."""

    identifiers: tuple[str, ...] = ()
    gtin: str | None = None
    lot: str | None = None


@dataclass
class View:
    """An investigation with its units and history, and what they add up to."""

    investigation: Investigation
    units: list[Unit]
    entries: list[InvestigationEntry]
    status: Status = Status.OPEN
    determined_at: datetime | None = None
    notified_at: datetime | None = None
    partners: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for entry in self.entries:
            self.status = _SETS.get(entry.kind, self.status)
            if entry.kind in (EntryKind.CLEARED, EntryKind.ILLEGITIMATE):
                self.determined_at = entry.at
            if entry.kind == EntryKind.NOTIFIED and self.notified_at is None:
                self.notified_at = entry.at

    @property
    def deadline(self) -> datetime | None:
        """When FDA and the partners must have been told: 24 hours after an illegitimate
        determination."""
        if self.status in (Status.ILLEGITIMATE, Status.TERMINATION_REQUESTED) and self.determined_at:
            return self.determined_at + DEADLINE
        return None

    def overdue(self, now: datetime) -> bool:
        """Past the deadline and no notification recorded."""
        return self.deadline is not None and self.notified_at is None and now > self.deadline

    def last(self, kind: EntryKind) -> InvestigationEntry | None:
        return next((e for e in reversed(self.entries) if e.kind == kind), None)


# -- quarantine -----------------------------------------------------------------------------
async def quarantine(session: AsyncSession, op: Operator, selection: Selection) -> list[str]:
    """Quarantine the selected units (a case with its contents; a lot: the operator's units of
    it in stock). Returns the identifiers quarantined. Only units the operator holds: any
    other is refused as the rules refuse it, without naming its holder."""
    names = await _names(session, op, selection, IN_STOCK)
    await record_hold(session, op, names, QUARANTINE)
    return await _expanded(session, names)


async def release(session: AsyncSession, op: Operator, selection: Selection) -> list[str]:
    """Release quarantined units back to saleable stock (``received``)."""
    names = await _names(session, op, selection, (S.QUARANTINED,))
    await record_hold(session, op, names, RELEASE)
    return await _expanded(session, names)


async def _names(session: AsyncSession, op: Operator, selection: Selection,
                 statuses: Sequence[UnitStatus]) -> list[str]:
    if selection.identifiers and (selection.gtin or selection.lot):
        raise ValidationFailed("name units or one lot, not both: expected identifiers, or gtin "
                               "and lot", field="identifiers")
    if selection.identifiers:
        return list(dict.fromkeys(selection.identifiers))
    if not (selection.gtin and selection.lot):
        raise ValidationFailed("expected identifiers, or gtin and lot; got neither",
                               field="identifiers")
    units = [u for u in await repository.units_of_lot(session, selection.gtin, [selection.lot], op.id)
             if u.status in statuses]
    if not units:
        raise NotFound(f"no units of GTIN {selection.gtin} lot {selection.lot} in the custody of "
                       f"{op.name} with status {' or '.join(statuses)}", field="lot")
    return [u.identifier for u in units]


async def _expanded(session: AsyncSession, names: Sequence[str]) -> list[str]:
    units = await repository.contents(session, await _resolve(session, names, strict=False))
    return sorted(u.identifier for u in units)


async def _resolve(session: AsyncSession, identifiers: Sequence[str], strict: bool = True) -> list[Unit]:
    """The units ``identifiers`` name (URNs or Digital Links); NotFound for a missing one
    (``strict``) or skipped."""
    spelled = {name: spellings(name) for name in identifiers}
    found = {u.identifier: u for u in await repository.units_named(
        session, [s for names in spelled.values() for s in names])}
    units = []
    for name, options in spelled.items():
        unit = next((found[s] for s in options if s in found), None)
        if unit is None and strict:
            raise NotFound(f"no unit {name}", field="identifiers", found=name)
        if unit is not None:
            units.append(unit)
    return list({u.id: u for u in units}.values())


# -- investigations -------------------------------------------------------------------------
async def open_investigation(session: AsyncSession, units: Sequence[str], reason: str,
                             opened_by: str, *, trigger: str = "manual",
                             operator: Operator | None = None) -> View:
    """Open an investigation of ``units`` (identifiers; a case brings its contents).

    With ``operator``, the units it holds in stock are quarantined by its own event in the
    same transaction; units held elsewhere are investigated without being touched. For the
    callers that find suspect product: a failed verification, a receiving exception, a scan.
    """
    if trigger not in TRIGGERS:
        raise ValidationFailed(f"trigger {trigger!r}: expected one of {', '.join(TRIGGERS)}",
                               field="trigger", found=trigger)
    if not reason.strip():
        raise ValidationFailed("reason: expected why the product is suspect, got nothing",
                               field="reason")
    if not units:
        raise ValidationFailed("identifiers: expected at least one unit, got none", field="identifiers")
    named = await _resolve(session, units)
    everything = await repository.contents(session, named)
    investigation = Investigation(opened_at=utcnow(), opened_by=opened_by, trigger=trigger,
                                  reason=reason.strip())
    await repository.add(session, investigation)
    await repository.add_units(session, investigation.id, [u.id for u in everything])
    if operator is not None:
        held = {u.id for u in everything if u.custodian_id == operator.id and u.status in IN_STOCK}
        top = [u.identifier for u in everything if u.id in held and u.parent_id not in held]
        if top:
            await record_hold(session, operator, top, QUARANTINE)
    return await get(session, investigation.id, operator)


async def add_note(session: AsyncSession, investigation_id: int, text: str, actor: str,
                   operator: Operator | None = None) -> View:
    """Append a note (notes are welcome on closed investigations too)."""
    await _locked(session, investigation_id)
    await _entry(session, investigation_id, EntryKind.NOTE, actor, _text(text, "text"))
    return await get(session, investigation_id, operator)


async def determine_illegitimate(session: AsyncSession, investigation_id: int, classification: str,
                                 description: str, actor: str, operator: Operator,
                                 contact: dict[str, str] | None = None) -> View:
    """Determine the product illegitimate: its units stay quarantined and the 24-hour clock
    to notify FDA and the immediate trading partners starts now."""
    if classification not in CLASSIFICATIONS:
        raise ValidationFailed(f"classification {classification!r}: expected one of "
                               f"{', '.join(CLASSIFICATIONS)}", field="classification",
                               found=classification)
    await _open(session, investigation_id, operator)
    await _entry(session, investigation_id, EntryKind.ILLEGITIMATE, actor,
                 _text(description, "description"),
                 {"classification": classification, "contact": contact or {}})
    return await get(session, investigation_id, operator)


async def clear(session: AsyncSession, investigation_id: int, text: str, actor: str,
                operator: Operator) -> tuple[View, dict[str, Any]]:
    """Clear the product: the operator's quarantined units go back to stock (unless another
    open investigation holds them) and a cleared-product notice lists the partners told."""
    view = await _open(session, investigation_id, operator)
    others = {u for u, i in await repository.investigations_of(session, [u.id for u in view.units])
              if i != investigation_id and (await _status(session, i)) == Status.OPEN}
    back = {u.id for u in view.units if u.custodian_id == operator.id
            and u.status == S.QUARANTINED and u.id not in others}
    top = [u.identifier for u in view.units if u.id in back and u.parent_id not in back]
    if top:
        await record_hold(session, operator, top, RELEASE)
    cleared = _text(text, "text")
    notice = {"investigation": investigation_id, "determination": "cleared",
              "units": sorted(u.identifier for u in view.units), "text": cleared,
              "partners_told": view.partners}
    await _entry(session, investigation_id, EntryKind.CLEARED, actor, cleared,
                 {"released": sorted(u.identifier for u in view.units if u.id in back),
                  "partners_told": [p["gln"] for p in view.partners]})
    return await get(session, investigation_id, operator), notice


async def record_notified(session: AsyncSession, investigation_id: int, actor: str,
                          operator: Operator, incident_number: str | None = None,
                          text: str | None = None) -> View:
    """Record that FDA and the immediate trading partners were notified (stops the clock);
    ``incident_number`` is the one FDA assigned."""
    view = await _illegitimate(session, investigation_id, operator, "record a notification")
    if view.notified_at is not None:
        raise Conflict(f"investigation {investigation_id}: the notification was recorded already "
                       f"on {view.notified_at.isoformat()}", field="investigation")
    await _entry(session, investigation_id, EntryKind.NOTIFIED, actor, text,
                 {"incident_number": incident_number,
                  "partners": [p["gln"] for p in view.partners]})
    return await get(session, investigation_id, operator)


async def add_report(session: AsyncSession, investigation_id: int, kind: str, text: str,
                     actor: str, operator: Operator, incident_number: str | None = None) -> View:
    """A follow-up report or a request for termination, after an illegitimate determination."""
    entry_kind = {"follow_up": EntryKind.FOLLOW_UP, "termination": EntryKind.TERMINATION}.get(kind)
    if entry_kind is None:
        raise ValidationFailed(f"type {kind!r}: expected follow_up or termination", field="type",
                               found=kind)
    view = await _illegitimate(session, investigation_id, operator, f"file a {kind} report")
    if view.status == Status.TERMINATION_REQUESTED:
        raise Conflict(f"investigation {investigation_id}: termination was requested already",
                       field="investigation")
    await _entry(session, investigation_id, entry_kind, actor, _text(text, "text"),
                 {"incident_number": incident_number})
    return await get(session, investigation_id, operator)


async def _illegitimate(session: AsyncSession, investigation_id: int, operator: Operator,
                        action: str, lock: bool = True) -> View:
    """The view of an investigation determined illegitimate, else Conflict naming ``action``."""
    if lock:
        await _locked(session, investigation_id)
    view = await get(session, investigation_id, operator)
    if view.status not in (Status.ILLEGITIMATE, Status.TERMINATION_REQUESTED):
        raise Conflict(f"investigation {investigation_id} is {view.status}: only after an "
                       f"illegitimate determination can you {action}", field="investigation")
    return view


async def _open(session: AsyncSession, investigation_id: int, operator: Operator) -> View:
    """The view of an open investigation (locked), or Conflict: determinations are final."""
    await _locked(session, investigation_id)
    view = await get(session, investigation_id, operator)
    if view.status != Status.OPEN:
        raise Conflict(
            f"investigation {investigation_id} is already {view.status} (determined "
            f"{view.determined_at.isoformat() if view.determined_at else 'earlier'}); a "
            "determination is final: open a new investigation", field="investigation")
    return view


async def _locked(session: AsyncSession, investigation_id: int) -> Investigation:
    found = await repository.lock(session, investigation_id)
    if found is None:
        raise NotFound(f"no investigation {investigation_id}", field="investigation")
    return found


async def _status(session: AsyncSession, investigation_id: int) -> Status:
    status = Status.OPEN
    for entry in await repository.entries(session, [investigation_id]):
        status = _SETS.get(entry.kind, status)
    return status


async def _entry(session: AsyncSession, investigation_id: int, kind: EntryKind, actor: str,
                 text: str | None, data: dict[str, Any] | None = None) -> None:
    await repository.add(session, InvestigationEntry(
        investigation_id=investigation_id, at=utcnow(), actor=actor, kind=kind, text=text,
        data=data or {}))


def _text(value: str, name: str) -> str:
    if not value or not value.strip():
        raise ValidationFailed(f"{name}: expected some text, got nothing", field=name)
    return value.strip()


# -- reading --------------------------------------------------------------------------------
async def get(session: AsyncSession, investigation_id: int, operator: Operator | None = None) -> View:
    """One investigation with its units, history and (with ``operator``) the partners to
    notify."""
    views = await _views(session, [investigation_id], operator)
    if not views:
        raise NotFound(f"no investigation {investigation_id}", field="investigation")
    return views[0]


async def list_investigations(session: AsyncSession, status: str | None = None,
                              overdue: bool | None = None, limit: int = 100) -> list[View]:
    """Investigations, overdue ones first, then newest first; filtered by ``status`` and
    ``overdue``."""
    if status is not None and status not in Status.__members__.values():
        raise ValidationFailed(f"status {status!r}: expected one of {', '.join(Status)}",
                               field="status", found=status)
    now = utcnow()
    views = [v for v in await _views(session, None, None)
             if (status is None or v.status == status)
             and (overdue is None or v.overdue(now) == overdue)]
    views.sort(key=lambda v: not v.overdue(now))  # stable: newest first within each group
    return views[:limit]


async def _views(session: AsyncSession, ids: Sequence[int] | None,
                 operator: Operator | None) -> list[View]:
    found = await repository.investigations(session, ids)
    keys = [i.id for i in found]
    units: dict[int, list[Unit]] = {}
    for iid, unit in await repository.investigated_units(session, keys):
        units.setdefault(iid, []).append(unit)
    history: dict[int, list[InvestigationEntry]] = {}
    for entry in await repository.entries(session, keys):
        history.setdefault(entry.investigation_id, []).append(entry)
    views = [View(i, units.get(i.id, []), history.get(i.id, [])) for i in found]
    if operator is not None:
        for view in views:
            view.partners = await partners_to_notify(session, operator, view.units)
    return views


async def partners_to_notify(session: AsyncSession, operator: Operator,
                             units: Sequence[Unit]) -> list[dict[str, Any]]:
    """The operator's immediate trading partners for ``units``, from their hop chains: who
    shipped them to the operator (``supplier``) and whom it shipped them to (``customer``)."""
    mine = set(await partner_glns(session, operator.id))
    roles: dict[tuple[str, str], set[str]] = {}
    for unit, kind, src, dst in await repository.custody_moves(session, [u.identifier for u in units]):
        if kind == "receive" and dst in mine and src and src not in mine:
            roles.setdefault((src, "supplier"), set()).add(unit)
        elif kind == "ship" and src in mine and dst and dst not in mine:
            roles.setdefault((dst, "customer"), set()).add(unit)
    names = await repository.partners_by_gln(session, {gln for gln, _ in roles})
    return [{"gln": gln, "name": names[gln].legal_name if gln in names else None, "role": role,
             "units": sorted(held)} for (gln, role), held in sorted(roles.items())]


# -- Form FDA 3911 ----------------------------------------------------------------------------
async def form_3911(session: AsyncSession, investigation_id: int, operator: Operator,
                    report_type: str | None = None) -> dict[str, Any]:
    """A Form FDA 3911 draft prefilled from the ledger, keyed by field name (the 2025 revision
    renumbers the form's fields, so numbers are not keys).

    ``report_type`` defaults to what the history calls for: ``initial`` until a notification
    is recorded, then ``follow_up``, or ``request_for_termination`` once one is filed.
    """
    view = await _illegitimate(session, investigation_id, operator, "draft Form FDA 3911", lock=False)
    if report_type is None:
        report_type = ("request_for_termination" if view.status == Status.TERMINATION_REQUESTED
                       else "follow_up" if view.notified_at else "initial")
    if report_type not in REPORT_TYPES:
        raise ValidationFailed(f"report type {report_type!r}: expected one of "
                               f"{', '.join(REPORT_TYPES)}", field="type", found=report_type)
    determined = view.last(EntryKind.ILLEGITIMATE)
    # _illegitimate() returned an investigation determined illegitimate: both are set.
    assert determined is not None and view.determined_at is not None
    incident = next((e.data.get("incident_number") for e in reversed(view.entries)
                     if e.data.get("incident_number")), None)
    items = [u for u in view.units if u.kind == "sgtin"]
    products = await repository.products(session, {u.gtin for u in items if u.gtin})
    company = await repository.partner(session, operator.id)
    site = await repository.site(session, operator.site)
    where = site or company
    assert where is not None, "the operator is a trading partner"
    termination = view.last(EntryKind.TERMINATION)
    follow_up = view.last(EntryKind.FOLLOW_UP)
    now = utcnow()

    def one(values: set[str | None]) -> str | None:
        values.discard(None)
        return None if not values else values.pop() if len(values) == 1 else "Multiple"

    fields = {
        "type_of_report": report_type,
        "incident_number": None if report_type == "initial" else incident,
        "date_of_initial_notification": (view.notified_at or now).date().isoformat(),
        "date_of_determination": view.determined_at.date().isoformat(),
        "classification": determined.data.get("classification"),
        "name_of_product": one({products[u.gtin].proprietary_name for u in items if u.gtin in products}),
        "primary_ingredients": None,
        "drug_use": "human",
        "drug_description": None,
        "strength": one({products[u.gtin].strength for u in items if u.gtin in products}),
        "dosage_form": one({products[u.gtin].dosage_form for u in items if u.gtin in products}),
        "quantity": {"number": len(items), "unit": one({products[u.gtin].container_size
                                                         for u in items if u.gtin in products})
                     or "packages"},
        "ndc": one({products[u.gtin].ndc for u in items if u.gtin in products}),
        "serial_numbers": sorted({u.serial for u in items if u.serial}),
        "lot_numbers": sorted({u.lot for u in items if u.lot}),
        "expiration_dates": sorted({u.expiry.isoformat() for u in items if u.expiry}),
        "description_of_event": (follow_up.text if report_type == "follow_up" and follow_up
                                 else determined.text),
        "reason_for_termination": termination.text if termination and
        report_type == "request_for_termination" else None,
        "other_channels_used": None,
        "company_name": operator.name,
        "company_address": {"street": where.street, "city": where.city, "state": where.state,
                            "postal_code": where.postal_code, "country": where.country},
        "contact": determined.data.get("contact") or None,
    }
    return {"form": "FDA 3911", "draft": True, "investigation": investigation_id,
            "determined_at": view.determined_at, "deadline": view.deadline,
            "overdue": view.overdue(now), "trading_partners_to_notify": view.partners,
            "fields": fields}


async def form_3911_pdf(session: AsyncSession, investigation_id: int, operator: Operator,
                        report_type: str | None = None) -> bytes:
    """:func:`form_3911` rendered as PDF, off the event loop."""
    draft = await form_3911(session, investigation_id, operator, report_type)
    return await anyio.to_thread.run_sync(pdf.render, _jsonable(draft))


def _jsonable(draft: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat(timespec="minutes") if isinstance(v, datetime) else v
            for k, v in draft.items()}


# -- flags ------------------------------------------------------------------------------------
async def unit_flags(session: AsyncSession, unit: Unit) -> dict[str, bool]:
    """What verification answers about ``unit`` beyond its identity: ``recalled`` (its status,
    or a recall of its lot wherever it is), ``quarantined``, ``suspect`` (under an open
    investigation) and ``illegitimate`` (determined so)."""
    statuses = [await _status(session, i)
                for _, i in await repository.investigations_of(session, [unit.id])]
    recalled = unit.status == S.RECALLED or (
        unit.gtin is not None and unit.lot is not None
        and await recalls.lot_recalled(session, unit.gtin, unit.lot))
    return {
        "recalled": recalled,
        "quarantined": unit.status == S.QUARANTINED,
        "suspect": Status.OPEN in statuses,
        "illegitimate": bool({Status.ILLEGITIMATE, Status.TERMINATION_REQUESTED} & set(statuses)),
    }


async def unit_suspicion(session: AsyncSession, identifier: str) -> tuple[dict[str, bool], list[int]]:
    """:func:`unit_flags` of the unit ``identifier`` names, and the investigations of it
    (ids, oldest first); no flags and none for no such unit."""
    units = await _resolve(session, [identifier], strict=False)
    if not units:
        return {}, []
    found = await repository.investigations_of(session, [units[0].id])
    return await unit_flags(session, units[0]), sorted({i for _, i in found})
