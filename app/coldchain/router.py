"""HTTP: logger uploads and a unit's (or an SSCC's) cold-chain assessment and chart."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.coldchain import service
from app.coldchain.schemas import AssessmentOut
from app.deps import SessionDep, SettingsDep
from app.errors import PayloadTooLarge, ValidationFailed

router = APIRouter(prefix="/coldchain", tags=["cold chain"])
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
