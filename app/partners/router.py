"""HTTP: trading partners."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import SessionDep
from app.errors import NotFound
from app.models import TradingPartner
from app.partners import repository
from app.partners.schemas import LicenceOut, LocationOut, PartnerOut

router = APIRouter(prefix="/partners", tags=["partners"])


def _out(partner: TradingPartner) -> PartnerOut:
    return PartnerOut(
        id=partner.id,
        legal_name=partner.legal_name,
        kind=partner.kind,
        authorized=partner.authorized,
        street=partner.street,
        city=partner.city,
        state=partner.state,
        postal_code=partner.postal_code,
        country=partner.country,
        glns=[g.gln for g in partner.glns],
        licences=[LicenceOut.model_validate(x) for x in partner.licences],
        locations=[LocationOut.model_validate(x) for x in partner.locations],
    )


@router.get("", summary="List trading partners")
async def list_partners(session: SessionDep) -> list[PartnerOut]:
    return [_out(p) for p in await repository.list_partners(session)]


@router.get("/{partner_id}", summary="One trading partner")
async def get_partner(partner_id: int, session: SessionDep) -> PartnerOut:
    partner = await repository.get_partner(session, partner_id)
    if partner is None:
        raise NotFound(f"no trading partner with id {partner_id}", field="partner_id")
    return _out(partner)
