"""HTTP: the VRS responder (``/vrs/...``, R1.3) and the requester (``POST /verifications``)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep, SettingsDep
from app.vrs import service
from app.vrs.schemas import VerificationIn, VerificationOut

router = APIRouter(tags=["vrs"])
# Lot and serial may hold "/" (GS1 AI 82), sent as %2F and decoded before routing: ``:path``
# lets them through; a value containing "/ser/" (or "/21/") stays ambiguous.
VERIFY = require("verify")


async def _answer(request: Request, session, settings, caller: Caller, **path: str) -> Response:
    fields = {**request.query_params, **path}
    body = await service.respond(session, caller, settings.operator_gln, fields,
                                 request.headers.get("gs1us-version"), datetime.now(UTC))
    return Response(body, media_type="application/json", headers=service.HEADERS)


@router.get("/vrs/verify/gtin/{gtin}/lot/{lot:path}/ser/{serial:path}",
            summary="Verify a product identifier (GS1 Lightweight Messaging, R1.3 URI)")
async def verify(gtin: str, lot: str, serial: str, request: Request, session: SessionDep,
                 settings: SettingsDep, caller: Caller = VERIFY) -> Response:
    return await _answer(request, session, settings, caller, gtin=gtin, lot=lot, serial=serial)


@router.get("/vrs/01/{gtin}/10/{lot:path}/21/{serial:path}",
            summary="Verify a product identifier (GS1 Digital Link form, expiry as ?17=)")
async def verify_digital_link(gtin: str, lot: str, serial: str, request: Request,
                              session: SessionDep, settings: SettingsDep,
                              caller: Caller = VERIFY) -> Response:
    exp = request.query_params.get("17", request.query_params.get("exp"))
    extra = {"exp": exp} if exp is not None else {}
    return await _answer(request, session, settings, caller, gtin=gtin, lot=lot, serial=serial,
                         **extra)


@router.get("/vrs/checkConnectivity", summary="The responder's GLN, for a permitted requester")
async def check_connectivity(request: Request, session: SessionDep, settings: SettingsDep,
                             caller: Caller = VERIFY) -> Response:
    q = request.query_params
    body = await service.connectivity(session, caller, settings.operator_gln, q.get("gtin"),
                                      q.get("reqGLN"), datetime.now(UTC).date())
    return Response(service.json_bytes(body), media_type="application/json",
                    headers=service.HEADERS)


@router.post("/verifications", status_code=201, summary="Verify with the brand owner's responder")
async def ask(body: VerificationIn, request: Request, settings: SettingsDep,
              caller: Caller = require("admin")) -> VerificationOut:
    """Commits its own transactions: none stays open while the responder answers."""
    asked = service.ask_for(settings.operator_gln, body.gtin, body.lot, body.serial, body.exp,
                            body.context, datetime.now(UTC).date())
    row = await service.verify(request.app.state.sessions, asked, caller.actor)
    return VerificationOut.model_validate(row)
