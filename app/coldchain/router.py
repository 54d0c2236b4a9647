"""HTTP: logger uploads, a unit's (or an SSCC's) cold-chain assessment and chart, and a
shipment's (``/shipments/{id}/coldchain``, read as the shipment is: by the operator's staff)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.coldchain import service, shipments
from app.coldchain.schemas import AssessmentOut, ShipmentColdChainOut
from app.deps import INTEGER_MAX, SessionDep, SettingsDep
from app.errors import NotFound, PayloadTooLarge, ValidationFailed
from app.staff.deps import Shipper

router = APIRouter(prefix="/coldchain", tags=["cold chain"])
shipment_router = APIRouter(prefix="/shipments", tags=["cold chain"])
READ = require("query", "regulator", "admin")
UPLOAD = require("capture", "admin")
LIMIT = service.MAX_UPLOAD_BYTES
TOO_BIG = f"at most {LIMIT} bytes"


async def _file(request: Request) -> tuple[bytes, str | None]:
    """The uploaded file: a multipart ``file`` part or the raw body, bounded."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > LIMIT + 4096:
        raise PayloadTooLarge(f"logger file exceeds {LIMIT} bytes", expected=TOO_BIG)
    content_type = request.headers.get("content-type")
    if content_type and content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4, max_part_size=LIMIT)
        part = form.get("file")
        if part is None or isinstance(part, str):
            raise ValidationFailed("multipart upload: expected a part named file", field="file")
        return await part.read(), part.content_type
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > LIMIT:
            raise PayloadTooLarge(f"logger file exceeds {LIMIT} bytes", expected=TOO_BIG)
        chunks.append(chunk)
    return b"".join(chunks), content_type


def _out(found: service.Evaluation, path: str) -> AssessmentOut:
    return AssessmentOut.of(found, f"{path}?format=svg")


@router.post("/uploads", status_code=201, summary="Upload a logger file (CSV or JSON) measured "
             "on a unit or an SSCC; assesses it")
async def upload(request: Request, session: SessionDep, settings: SettingsDep,
                 epc: str = Query(min_length=1, max_length=300), caller: Caller = UPLOAD,
                 ) -> AssessmentOut:
    body, content_type = await _file(request)
    op = await service.operator_or_none(session, settings.operator_gln)
    found = await service.upload(session, epc, body, content_type, caller.actor,
                                 caller.partner_id, op)
    return _out(found, f"/coldchain/units/{quote(found.unit.identifier, safe=':')}")


async def _assessed(session, identifier: str, caller: Caller, fmt: str, path: str):
    """A read: an excursion's investigation is opened where readings arrive, never here."""
    unit = await service.find_unit(session, identifier,
                                   None if caller.sees_everything else caller.partner_id)
    found = await service.evaluate(session, unit)
    if fmt == "svg":
        return Response(service.chart(found), media_type="image/svg+xml")
    return _out(found, path)


@router.get("/units/{identifier:path}", summary="A unit's cold chain: its readings and its "
            "containers', against its product's range", response_model=AssessmentOut)
async def unit_assessment(identifier: str, request: Request, session: SessionDep,
                          caller: Caller = READ,
                          format: Literal["json", "svg"] = "json"):
    return await _assessed(session, identifier, caller, format, request.url.path)


@router.get("/sscc/{sscc}", summary="An SSCC's cold chain (its contents share it)",
            response_model=AssessmentOut)
async def sscc_assessment(request: Request, session: SessionDep,
                          sscc: str = Path(pattern=r"^\d{18}$"), caller: Caller = READ,
                          format: Literal["json", "svg"] = "json"):
    return await _assessed(session, sscc, caller, format, request.url.path)


@shipment_router.get("/{shipment_id}/coldchain", summary="A shipment's cold chain: the readings "
                     "on its SSCCs and units, each unit's verdict; ?format=svg for the chart",
                     response_model=ShipmentColdChainOut)
async def shipment_assessment(request: Request, session: SessionDep, actor: Shipper,
                              shipment_id: int = Path(ge=1, le=INTEGER_MAX),
                              format: Literal["json", "svg"] = "json"):
    found = await shipments.of_shipment(session, shipment_id)
    drawn = shipments.chart(found)
    if format == "json":
        return ShipmentColdChainOut.of(shipment_id, found, drawn and f"{request.url.path}?format=svg")
    if drawn is None:
        raise NotFound(f"shipment {shipment_id}: no temperature readings to draw",
                       field="shipment_id", found=shipment_id)
    return Response(drawn, media_type="image/svg+xml")
