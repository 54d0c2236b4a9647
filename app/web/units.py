"""The unit page: a unit's state, flags, custody chain and proofs checked against the latest
signed checkpoint; found by EPC URN, GS1 Digital Link or scanner text."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.coldchain import service as coldchain
from app.deps import SessionDep
from app.errors import NotFound
from app.investigations import service as investigations
from app.ledger import keys
from app.ledger import service as ledger
from app.partners import service as partners
from app.staff.deps import session_staff
from app.units import service as units
from app.web.pages import acting_for, page, party_names, seeing_as, to_signin
from gs1.errors import GS1Error
from scanners import parse_product

router = APIRouter(include_in_schema=False)
UNITS = "/staff/units"


def identifier_of(text: str) -> str:
    """The identifier ``text`` names: an EPC URN or Digital Link as written, scanner text (GS1
    element string, HRI) as its Digital Link; GS1Error for anything else."""
    text = text.strip()
    if text.startswith(("urn:", "http://", "https://")):
        return text
    product = parse_product(text.replace("<GS>", "\x1d"))
    if product.sscc is None and product.serial is None:
        raise GS1Error(f"{product.hri}: a GTIN without a serial (21) names no single package")
    return product.digital_link()


def _verifier(key_dir) -> str | None:
    return keys.load_verifier(key_dir) if (key_dir / keys.VERIFIER_FILE).exists() else None


@router.get(UNITS, response_class=HTMLResponse)
async def unit_page(request: Request, session: SessionDep,
                    id: Annotated[str, Query(max_length=1000)] = "") -> Response:
    user = await session_staff(session, request)
    if user is None:
        return to_signin()
    if not id.strip():
        return page(request, "unit.html", user=user, query="")
    try:
        identifier = identifier_of(id)
    except GS1Error as err:
        return page(request, "unit.html", 422, user=user, query=id,
                    error=f"Not a unit identifier: {err}. Scan the package, or type its EPC URN "
                          "or GS1 Digital Link.")
    op = await acting_for(request, session)
    staff_sees = seeing_as(op)
    settings = request.app.state.settings
    try:
        unit = await units.visible_unit(session, staff_sees, identifier)
    except NotFound:
        return page(request, "unit.html", 404, user=user, query=id,
                    error=f"No unit {identifier} in our ledger (or none we may see).")
    chain = await ledger.checked_unit_chain(
        session, staff_sees, unit["identifier"],
        timedelta(seconds=settings.checkpoint_interval_seconds), _verifier(settings.key_dir))
    flags, investigated = await investigations.unit_suspicion(session, unit["identifier"])
    cold = await coldchain.panel(session, unit["identifier"])
    cleared = bool(cold and cold[0].investigation_id and (await investigations.get(
        session, cold[0].investigation_id)).status == investigations.Status.CLEARED)
    return page(request, "unit.html", user=user, query=id, unit=unit, flags=flags,
                investigations=investigated, chain=chain, names=await party_names(session),
                custodian=await _name(session, unit["custodian_id"]),
                destination=await _name(session, unit["destination_id"]),
                ours=unit["custodian_id"] == op.id,
                cold=cold and (cold[0], Markup(cold[1])),  # noqa: S704 - our own escaped SVG
                cold_cleared=cleared)


async def _name(session, partner_id: int | None) -> str | None:
    return None if partner_id is None else (await partners.get_partner(session, partner_id)).legal_name
