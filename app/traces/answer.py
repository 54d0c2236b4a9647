"""The answer to a trace request, from the ledger, as the requester may see it.

Each unit's owners come from its custody chain; with ``transaction-information`` the unit
carries its proof bundle (:func:`app.reports.service.unit_bundle`, ``docs/proof-bundle.md``:
events as received, hops, leaves, inclusion proofs against one signed checkpoint), which
``custody report verify`` checks offline.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Caller
from app.ledger import repository as ledger_repo
from app.ledger.unit_state import TAKES_CUSTODY
from app.models import TraceRequest, TraceResponse
from app.models.base import utcnow
from app.reports import service as reports
from app.traces import repository as repo
from app.units import service as units

MAX_UNITS = 1_000
"""Units per answer; a larger lot is answered in part (``truncated``), the rest by report."""
NO_RECORD = "no record"


def viewer(request: TraceRequest) -> Caller:
    """The requester as a reader: its partner's units only, or (a regulator) every unit."""
    if request.requester_partner_id is None:
        return Caller(None, frozenset({"regulator"}), f"trace-request:{request.id}")
    return Caller(request.requester_partner_id, frozenset({"report"}), f"trace-request:{request.id}")


async def build(session: AsyncSession, request: TraceRequest) -> dict[str, Any]:
    """The answer: each unit the requester may see, shaped by the response it wanted.

    Units another partner handled are left out exactly as units that do not exist: a
    requester that handled none gets ``result: "no record"`` either way.
    """
    who = viewer(request)
    found = await repo.units(session, request.gtin, request.serial, request.lot,
                             who.partner_id, who.sees_everything, MAX_UNITS + 1)
    units = [await _unit(session, who, request.response, identifier)
             for identifier in found[:MAX_UNITS]]
    parties = {o for u in units for o in u.pop("_owners")}
    names = await repo.names(session, parties)
    for unit in units:
        for key in ("owners", "last_known_owner"):
            if key in unit:
                unit[key] = _named(unit[key], names)
    checkpoint = await ledger_repo.latest_checkpoint(session)
    return {
        "trace_request": request.id,
        "made_at": utcnow().isoformat(),
        "response": request.response.value,
        "product": {"gtin": request.gtin, "serial": request.serial, "lot": request.lot},
        "result": "found" if units else NO_RECORD,
        "units": units,
        "truncated": len(found) > MAX_UNITS,
        "checkpoint": checkpoint.note if checkpoint else None,
    }


def _named(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    return None if value is None else {"gln": value, "name": names.get(value)}


async def _unit(session: AsyncSession, who: Caller, wanted: TraceResponse,
                identifier: str) -> dict[str, Any]:
    view = await units.get_unit(session, who, identifier)
    owners: list[str] = []
    for hop in view.hops:
        to = hop["to_party"]
        if hop["kind"] in TAKES_CUSTODY and to and (not owners or owners[-1] != to):
            owners.append(to)
    out: dict[str, Any] = {"identifier": identifier, "_owners": owners}
    if wanted == TraceResponse.LAST_KNOWN_OWNER:
        out["last_known_owner"] = owners[-1] if owners else None
    else:
        out["owners"] = owners
    if wanted == TraceResponse.TRANSACTION_INFORMATION:
        out["bundle"] = await reports.unit_bundle(session, identifier, who)
    return out
