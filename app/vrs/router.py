"""HTTP: the VRS responder (``/vrs/...``, R1.3) and the requester (``POST /verifications``)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep, SettingsDep
from app.ledger.batch import GroupAppender
from app.vrs import service
from app.vrs.schemas import VerificationIn, VerificationOut

router = APIRouter(tags=["vrs"])
# Lot and serial may hold "/" (GS1 AI 82), sent as %2F and decoded before routing: ``:path``
# lets them through; a value containing "/ser/" (or "/21/") stays ambiguous.
VERIFY = require("verify")


def _appender(request: Request) -> GroupAppender | None:
    """This app's group appender of evidence leaves (made on first use, on the app's sessions);
    None with ``CUSTODY_VRS_GROUP_COMMIT=false``."""
    state = request.app.state
    if not state.settings.vrs_group_commit:
        return None
    appender = getattr(state, "evidence_appender", None)
    if appender is None or appender.sessions is not state.sessions:
        appender = state.evidence_appender = GroupAppender(state.sessions)
    return appender


async def _answer(request: Request, session, settings, caller: Caller, **path: str) -> Response:
    fields = {**request.query_params, **path}
    body = await service.respond(session, caller, settings.operator_gln, fields,
                                 request.headers.get("gs1us-version"), datetime.now(UTC),
                                 _appender(request))
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
