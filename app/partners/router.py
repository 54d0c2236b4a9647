"""HTTP: trading partners (admin only: partner records name other partners' licences)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import INTEGER_MAX, SessionDep, SettingsDep
from app.outbox.urls import check_capture_url
from app.partners import service
from app.partners.schemas import AuditOut, PartnerIn, PartnerOut, PartnerPatch

router = APIRouter(prefix="/partners", tags=["partners"])
ADMIN = require("admin")


@router.get("", summary="List trading partners")
async def list_partners(session: SessionDep, caller: Caller = ADMIN) -> list[PartnerOut]:
    return [PartnerOut.of(p) for p in await service.list_partners(session)]


@router.post("", status_code=201, summary="Onboard a trading partner")
async def create_partner(
    body: PartnerIn, session: SessionDep, response: Response, caller: Caller = ADMIN
) -> PartnerOut:
    partner = await service.create_partner(session, body.spec(), caller.actor)
    response.headers["Location"] = f"/partners/{partner.id}"
    return PartnerOut.of(partner)


@router.get("/{partner_id}", summary="One trading partner")
async def get_partner(
    session: SessionDep, partner_id: int = Path(ge=1, le=INTEGER_MAX), caller: Caller = ADMIN
) -> PartnerOut:
    return PartnerOut.of(await service.get_partner(session, partner_id))


@router.patch("/{partner_id}", summary="Correct a trading partner (each change is audited)")
async def update_partner(
    body: PartnerPatch, session: SessionDep, settings: SettingsDep,
    partner_id: int = Path(ge=1, le=INTEGER_MAX), caller: Caller = ADMIN,
) -> PartnerOut:
    if body.capture_url is not None:
        check_capture_url(body.capture_url, settings.outbox_allow_http_loopback)
    return PartnerOut.of(
        await service.update_partner(session, partner_id, body.changes(), caller.actor))


@router.get("/{partner_id}/audit", summary="Who changed a trading partner, when, and how")
async def partner_audit(
    session: SessionDep, partner_id: int = Path(ge=1, le=INTEGER_MAX), caller: Caller = ADMIN
) -> list[AuditOut]:
    return [AuditOut.model_validate(x) for x in await service.partner_audit(session, partner_id)]
