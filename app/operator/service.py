"""The operator's own actions on units as EPCIS events, on the path every partner's take.

Custody runs for one trading partner, the operator (``CUSTODY_OPERATOR_GLN``). What its staff
do to units (quarantine, release, recall) becomes an EPCIS document the operator submits like
any partner: stored raw, run through the same ingest rules, appended to the same log, inside
the caller's transaction. Every custody change has one path and one kind of proof, and
``custody verify`` replays these hops like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.capture.service import capture
from app.dialect import write_lock
from app.errors import Conflict, CustodyError
from app.ingest.service import run_job
from app.models import CaptureJob, JobStatus
from app.models.base import utcnow
from app.operator import repository
from app.world.documents import document
from app.world.events import hold
from app.world.partners import sgln
from epcis.model import Event

QUARANTINE, RELEASE, RECALL = "non_sellable_other", "sellable_not_accessible", "recalled"
"""The CBV dispositions of the operator's ``holding`` events (see ``app.ingest.rules.HOLDS``)."""


class OperatorNotConfigured(CustodyError):
    """``CUSTODY_OPERATOR_GLN`` is unset or names no trading partner."""

    status, slug, title = 409, "operator-not-configured", "Operator not configured"


class OperatorEventRefused(Conflict):
    """The ingest rules refused the operator's event; nothing was recorded."""

    slug, title = "operator-event-refused", "Operator event refused"


@dataclass(frozen=True)
class Operator:
    """The organisation this instance runs for: its partner id, GLN, name and site (SGLN)."""

    id: int
    gln: str
    name: str
    site: str


async def operator(session: AsyncSession, gln: str | None) -> Operator:
    """The operator named by ``gln`` (``Settings.operator_gln``), or
    :class:`OperatorNotConfigured`."""
    if gln is None:
        raise OperatorNotConfigured(
            "CUSTODY_OPERATOR_GLN is not set: expected the GLN of the trading partner this "
            "instance runs for", field="CUSTODY_OPERATOR_GLN")
    row = await repository.partner_of(session, gln)
    if row is None:
        raise OperatorNotConfigured(
            f"CUSTODY_OPERATOR_GLN {gln}: expected the GLN of a trading partner, got one that "
            "names none (add the partner first)", field="CUSTODY_OPERATOR_GLN", found=gln)
    site = await repository.first_site(session, row.id)
    return Operator(row.id, gln, row.legal_name, site or sgln(gln))


async def record_hold(session: AsyncSession, op: Operator, identifiers: Sequence[str],
                      disposition: str) -> CaptureJob:
    """The operator holds ``identifiers`` (containers with their contents) with CBV
    ``disposition``, now, at its site: captured and run through the rules in the caller's
    transaction. Raises :class:`OperatorEventRefused` with the rules' contradictions (which
    never name another partner's units' holder); the caller's rollback leaves nothing."""
    body = document(hold(identifiers, utcnow(), op.site, disposition), statement=None)
    return await submit(session, op, body, _verbs[disposition])


async def submit(session: AsyncSession, op: Operator, body: bytes, verb: str) -> CaptureJob:
    """The operator submits the EPCIS document ``body`` (its own events, and events the ledger
    holds already, which are skipped): captured and run through the rules in the caller's
    transaction. Raises :class:`OperatorEventRefused` ("{operator} cannot {verb} these units:
    ...") with the rules' contradictions; the caller's rollback leaves nothing."""
    await write_lock(session)
    made = await capture(session, body, None, op.id, "rollback")
    if made.created:
        await run_job(session, made.job)
    job = made.job
    if job.status != JobStatus.SUCCEEDED:
        first = job.errors[0] if job.errors else {"detail": "the capture job did not succeed"}
        detail = first["detail"]
        raise OperatorEventRefused(
            f"{op.name} cannot {verb} these units: {_unprefixed(detail)}",
            reason=first.get("reason"),
            errors=[{**e, "detail": _unprefixed(e["detail"])} for e in job.errors])
    return job


async def record_event(session: AsyncSession, op: Operator, event: Event, verb: str) -> CaptureJob:
    """The operator submits ``event`` as its own document (no TI/TS): :func:`submit`."""
    return await submit(session, op, document(event, statement=None), verb)


def _unprefixed(detail: str) -> str:
    """A job error's detail without its ``event N:`` prefix."""
    head, sep, tail = detail.partition(": ")
    return tail if sep and head.startswith("event ") and head[6:].isdigit() else detail


_verbs = {QUARANTINE: "quarantine", RELEASE: "release", RECALL: "recall"}
