"""HTTP: trading partners (admin only: partner records name other partners' licences)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import INTEGER_MAX, SessionDep
from app.errors import NotFound
from app.models import TradingPartner
from app.partners import repository, service
from app.partners.schemas import LicenceOut, LocationOut, PartnerIn, PartnerOut

router = APIRouter(prefix="/partners", tags=["partners"])
ADMIN = require("admin")


def _out(partner: TradingPartner) -> PartnerOut:
    return PartnerOut(
        id=partner.id,
        legal_name=partner.legal_name,
        kind=partner.kind,
        authorized=partner.authorized,
        exception_policy=partner.exception_policy,
        street=partner.street,
        city=partner.city,
        state=partner.state,
        postal_code=partner.postal_code,
        country=partner.country,
        glns=[g.gln for g in partner.glns],
        licences=[LicenceOut.model_validate(x) for x in partner.licences],
        locations=[LocationOut.model_validate(x) for x in partner.locations],
        agent_for=sorted(min(g.gln for g in p.glns) for p in partner.principals if p.glns),
    )


@router.get("", summary="List trading partners")
async def list_partners(session: SessionDep, caller: Caller = ADMIN) -> list[PartnerOut]:
    return [_out(p) for p in await repository.list_partners(session)]


@router.post("", status_code=201, summary="Onboard a trading partner")
async def create_partner(
    body: PartnerIn, session: SessionDep, response: Response, caller: Caller = ADMIN
) -> PartnerOut:
    spec = service.PartnerSpec(
        **body.model_dump(exclude={"licences", "glns", "locations", "agent_for"}),
        glns=tuple(body.glns),
        agent_for=tuple(body.agent_for),
        licences=tuple(service.LicenceSpec(**x.model_dump()) for x in body.licences),
        locations=tuple(service.LocationSpec(**x.model_dump()) for x in body.locations),
    )
    partner = await service.create_partner(session, spec, caller.actor)
    response.headers["Location"] = f"/partners/{partner.id}"
    return _out(partner)


@router.get("/{partner_id}", summary="One trading partner")
async def get_partner(
    session: SessionDep, partner_id: int = Path(ge=1, le=INTEGER_MAX), caller: Caller = ADMIN
) -> PartnerOut:
    partner = await repository.get_partner(session, partner_id)
    if partner is None:
        raise NotFound(f"no trading partner with id {partner_id}", field="partner_id")
    return _out(partner)
