"""Adverse events: record a report against a case and a unit or lot; its E2B product block.

Only staff holding ``adverse`` (``app.staff.roles``: pharmacists, QA, admins) and operator
admin keys record and read them: the reporter and description are operator-internal. A report
describes the patient's health, so each read (one report, a case's list, the product block) is
written to the vault's access log (:func:`app.vault.service.record_access`), which the
patient's subject-access export shows; a refused or failed read is not. Patient data stays in
the vault; the product block names the case by its opaque reference only, and lists the other
cases that received the same lot (:func:`app.cases.service.refs_of_units`, as the lot report does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.adverse import repository
from app.cases import service as cases
from app.errors import Forbidden, NotFound, ValidationFailed
from app.models import AdverseEvent, Case
from app.models.base import utcnow
from app.staff.roles import Permission, roles_with
from app.vault.service import Reader, record_access

ROLES = frozenset(roles_with(Permission.ADVERSE))
CRITERIA = {  # ICH E2B(R3) E.i.3.2a-f, seriousness criteria at event level (docs/adverse-events.md)
    "death": ("E.i.3.2a", "Results in death"),
    "life_threatening": ("E.i.3.2b", "Life threatening"),
    "hospitalisation": ("E.i.3.2c", "Caused / prolonged hospitalisation"),
    "disability": ("E.i.3.2d", "Disabling / incapacitating"),
    "congenital_anomaly": ("E.i.3.2e", "Congenital anomaly / birth defect"),
    "other_medically_important": ("E.i.3.2f", "Other medically important condition"),
}
OUTCOMES = {  # ICH E2B(R3) E.i.7, outcome of the reaction / event at the time of last observation
    "recovered": "1", "recovering": "2", "not_recovered": "3", "recovered_with_sequelae": "4",
    "fatal": "5", "unknown": "0",
}
SERIOUSNESS = ("serious", "non-serious")


class AdverseEventNotFound(NotFound):
    slug, title = "adverse-event-not-found", "Adverse event not found"


@dataclass(frozen=True)
class AdverseSpec:
    reporter_name: str
    reporter_role: str
    reported_on: date
    seriousness: str
    description: str
    outcome: str
    criteria: tuple[str, ...] = ()
    identifier: str | None = None  # the unit (SGTIN URN), or
    gtin: str | None = None  # the lot: GTIN and lot number
    lot: str | None = None


def check_role(reader: Reader) -> None:
    if not reader.roles & ROLES:
        raise Forbidden(f"{reader.actor} may not handle adverse events: expected role "
                        f"{' or '.join(roles_with(Permission.ADVERSE))}, got "
                        f"{', '.join(sorted(reader.roles)) or 'none'}", field="roles")


def _check(spec: AdverseSpec) -> None:
    if spec.seriousness not in SERIOUSNESS:
        raise ValidationFailed(f"seriousness: expected serious or non-serious, got "
                               f"{spec.seriousness[:20]!r}", field="seriousness",
                               expected=list(SERIOUSNESS), found=spec.seriousness[:20])
    unknown = [c for c in spec.criteria if c not in CRITERIA]
    if unknown:
        raise ValidationFailed(f"criteria: expected some of {', '.join(CRITERIA)}, got "
                               f"{unknown[0][:40]!r}", field="criteria", found=unknown[0][:40])
    if (spec.seriousness == "serious") != bool(spec.criteria):
        raise ValidationFailed("criteria: expected at least one criterion for a serious event "
                               "and none for a non-serious one, got "
                               f"{len(spec.criteria)} for {spec.seriousness}", field="criteria")
    if spec.outcome not in OUTCOMES:
        raise ValidationFailed(f"outcome: expected one of {', '.join(OUTCOMES)}, got "
                               f"{spec.outcome[:30]!r}", field="outcome", found=spec.outcome[:30])
    if spec.reported_on > utcnow().date():
        raise ValidationFailed(f"reported_on: expected a past date, got {spec.reported_on}",
                               field="reported_on", found=str(spec.reported_on))
    for name in ("reporter_name", "reporter_role", "description"):
        if not getattr(spec, name).strip():
            raise ValidationFailed(f"{name}: expected text, got nothing", field=name)


async def record(session: AsyncSession, case_ref: str, spec: AdverseSpec, reader: Reader,
                 ) -> AdverseEvent:
    """A new adverse-event report on case ``case_ref`` about a unit or a lot of its drug."""
    check_role(reader)
    case = await cases.get(session, case_ref)
    _check(spec)
    if spec.identifier:
        unit = await repository.unit(session, spec.identifier.strip())
        if unit is None:
            raise NotFound(f"identifier {spec.identifier[:80]!r}: expected a serialized unit in "
                           "the ledger, got one that names none", field="identifier")
        gtin, lot = unit.gtin or "", unit.lot
    elif spec.gtin and spec.lot:
        gtin, lot = spec.gtin.strip(), spec.lot.strip()
        if not await repository.lot_units(session, gtin, lot, limit=1):
            raise NotFound(f"lot {lot[:20]!r} of GTIN {gtin[:14]}: expected a lot with units in "
                           "the ledger, got one that names none", field="lot", found=lot[:20])
    else:
        raise ValidationFailed("identifier: expected a unit (identifier) or a lot (gtin and lot), "
                               "got neither", field="identifier")
    if gtin != case.gtin:
        raise ValidationFailed(f"gtin: expected {case.gtin} (the drug of case {case.ref}), got "
                               f"{gtin}", field="gtin", expected=case.gtin, found=gtin)
    event = AdverseEvent(
        case_id=case.id, identifier=spec.identifier.strip() if spec.identifier else None,
        gtin=gtin, lot=lot, reporter_name=spec.reporter_name.strip(),
        reporter_role=spec.reporter_role.strip(), reported_on=spec.reported_on,
        serious=spec.seriousness == "serious", criteria=list(dict.fromkeys(spec.criteria)),
        description=spec.description.strip(), outcome=spec.outcome, created_by=reader.actor)
    session.add(event)
    await session.flush()
    return event


async def _read(session: AsyncSession, event_id: int, reader: Reader,
                action: str) -> AdverseEvent:
    """Report ``event_id``, its read by ``reader`` recorded as ``action``."""
    check_role(reader)
    event = await session.get(AdverseEvent, event_id)
    if event is None:
        raise AdverseEventNotFound(f"adverse event {event_id}: no such report",
                                   field="adverse_event_id", found=event_id)
    record_access(session, reader.actor, action, await session.get(Case, event.case_id),
                  adverse_event=event.id)
    return event


async def get(session: AsyncSession, event_id: int, reader: Reader) -> AdverseEvent:
    """One report (an audited read)."""
    return await _read(session, event_id, reader, "adverse-read")


async def of_case(session: AsyncSession, case_ref: str, reader: Reader) -> list[AdverseEvent]:
    """The case's reports, oldest first (an audited read)."""
    check_role(reader)
    case = await cases.get(session, case_ref)
    found = list(await repository.of_case(session, case.id))
    record_access(session, reader.actor, "adverse-list", case, reports=len(found))
    return found


async def case_ref(session: AsyncSession, event: AdverseEvent) -> str:
    return await repository.case_ref(session, event.case_id)


async def product_block(session: AsyncSession, event_id: int, reader: Reader) -> dict[str, Any]:
    """The E2B(R3) product block of report ``event_id`` (:mod:`app.adverse.e2b`; an audited
    read)."""
    from app.adverse.e2b import block

    event = await _read(session, event_id, reader, "adverse-e2b")
    ref = await case_ref(session, event)
    product = await repository.product(session, event.gtin)
    if event.identifier:
        unit = await repository.unit(session, event.identifier)
        units = [unit] if unit else []
    else:
        units = list(await repository.lot_units(session, event.gtin, event.lot or ""))
    hops = await repository.hops(session, [u.identifier for u in units])
    linked = await cases.linked_refs(session)  # every case of the lot, however large the lot
    same_lot = await repository.of_lot(session, event.gtin, event.lot, list(linked)) if event.lot else []
    others = sorted({r for i in same_lot for r in linked[i]} - {ref})
    return block(event, ref, product, units, hops, others)
