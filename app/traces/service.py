"""Trace requests: file one, read and list what a requester may, answer from the ledger.

Deadlines are one business day (:mod:`app.traces.calendar`); every filing, answer and read of
an answer is in the audit trail (:func:`app.audit.service.record`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Origin, Who
from app.auth.service import Caller
from app.errors import Conflict, NotFound, ValidationFailed
from app.models import TraceReason, TraceRequest, TraceResponse
from app.models.base import utcnow
from app.traces import answer as answers
from app.traces import calendar
from app.traces import repository as repo
from gs1.errors import GS1Error
from gs1.identifiers import ndc_to_gtin, validate_gtin

LIST_LIMIT = 500


@dataclass(frozen=True)
class TraceSpec:
    """A request as filed (already shaped by the wire schema)."""

    requester: str
    contact: str
    reason: TraceReason
    response: TraceResponse
    gtin: str | None = None
    ndc: str | None = None
    serial: str | None = None
    lot: str | None = None
    incident_number: str | None = None
    fire_drill: bool = False


def product_gtin(gtin: str | None, ndc: str | None) -> str:
    """The GTIN-14 the request names, given as a GTIN or as a 10-digit NDC (package level).

    >>> product_gtin(None, "12345-6001-1")
    '00312345600112'
    >>> product_gtin("00312345600113", None)
    Traceback (most recent call last):
    app.errors.ValidationFailed: gtin: GTIN '00312345600113': expected check digit 2 at position 14, got 3
    """
    if (gtin is None) == (ndc is None):
        raise ValidationFailed("product: expected exactly one of gtin or ndc", field="gtin",
                               expected="a GTIN-14 or a 10-digit NDC", found=gtin or ndc)
    field, value = ("gtin", gtin) if gtin is not None else ("ndc", ndc)
    try:
        return validate_gtin(value or "") if field == "gtin" else ndc_to_gtin(value or "")
    except GS1Error as bad:
        raise ValidationFailed(f"{field}: {bad}", field=field, found=value) from None


def _viewer(who: Who) -> tuple[int | None, bool]:
    """``(partner id, sees every request)``: regulators, operator keys and staff see all."""
    if isinstance(who, Caller):
        return who.partner_id, who.sees_everything or who.partner_id is None
    return None, True  # staff, and the operator's CLI


async def file(session: AsyncSession, who: Who, spec: TraceSpec, origin: Origin,
               now: datetime | None = None) -> TraceRequest:
    """Store a request (due one business day after it arrives) and audit the filing."""
    gtin = product_gtin(spec.gtin, spec.ndc)
    if spec.serial is None and spec.lot is None:
        raise ValidationFailed("product: expected a serial number, a lot, or both",
                               field="serial", expected="serial or lot")
    received = now or utcnow()
    partner_id, everything = _viewer(who)
    request = await repo.add(session, TraceRequest(
        requester_partner_id=None if everything else partner_id, requested_by=audit.actor_of(who)[0],
        requester=spec.requester, contact=spec.contact, reason=spec.reason,
        incident_number=spec.incident_number, gtin=gtin, serial=spec.serial, lot=spec.lot,
        response=spec.response, fire_drill=spec.fire_drill, received_at=received,
        due_at=calendar.due(received)))
    await audit.record(session, who, "trace.file", f"trace-request:{request.id}", origin)
    return request


async def get(session: AsyncSession, who: Who, request_id: int,
              origin: Origin) -> TraceRequest:
    """The request, if ``who`` filed it or sees all (else :class:`NotFound`, as for none);
    reading an answered request (its bundle) is audited."""
    partner_id, everything = _viewer(who)
    request = await repo.get(session, request_id, partner_id, everything)
    if request is None:
        raise NotFound(f"no trace request {request_id} visible to this key", field="id")
    if request.answer is not None:
        await audit.record(session, who, "trace.read", f"trace-request:{request.id}", origin)
    return request


async def listing(session: AsyncSession, who: Who) -> list[TraceRequest]:
    """The requests ``who`` may see: open first, earliest deadline first."""
    partner_id, everything = _viewer(who)
    return await repo.listing(session, partner_id, everything, LIST_LIMIT)


async def answer(session: AsyncSession, who: Who, request_id: int,
                 origin: Origin = Origin()) -> TraceRequest:
    """Answer from the ledger as the requester may see it, once; audited."""
    request = await repo.get(session, request_id, None, True, lock=True)
    if request is None:
        raise NotFound(f"no trace request {request_id}", field="id")
    if request.answered_at is not None:
        raise Conflict(f"trace request {request_id} was answered at "
                       f"{request.answered_at.isoformat()} by {request.answered_by}",
                       field="id", found=request_id)
    request.answer = await answers.build(session, request)
    request.answered_at = utcnow()
    request.answered_by = audit.actor_of(who)[0]
    await session.flush()
    await audit.record(session, who, "trace.answer", f"trace-request:{request.id}", origin)
    return request


def is_overdue(request: TraceRequest, now: datetime | None = None) -> bool:
    return calendar.is_overdue(request.due_at, request.answered_at, now or utcnow())
