"""``POST /scans/verify``: scanner text (JSON) or an image (multipart) -> one verdict."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError

from app.deps import SessionDep, SettingsDep
from app.errors import ValidationFailed
from app.scans import service
from app.scans.schemas import ScanTextIn, VerifyOut
from app.staff.deps import Scanner

router = APIRouter(prefix="/scans", tags=["scans"])

_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": ScanTextIn.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "required": ["image"], "properties": {
        "image": {"type": "string", "format": "binary"}, "station": {"type": "string"}}}},
}}}


@router.post("/verify", response_model=VerifyOut, openapi_extra=_BODY)
async def verify(request: Request, session: SessionDep, settings: SettingsDep,
                 actor: Scanner) -> VerifyOut:
    """Verify one scanned package against the ledger: staff (session) or operator admin keys."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=2)
        image, station = form.get("image"), form.get("station") or None
        if image is None or isinstance(image, str):
            raise ValidationFailed("image: expected an uploaded file field 'image'", field="image")
        if station is not None and not isinstance(station, str):
            raise ValidationFailed("station: expected a station name, got a file", field="station")
        done = await service.verify_image(session, settings.operator_gln, await image.read(),
                                          station, actor)
        return VerifyOut.of(done)
    if kind != "application/json":
        raise ValidationFailed(f"content-type: expected application/json or multipart/form-data, "
                               f"got {kind or 'none'!r}", field="content-type", found=kind)
    try:
        body = ScanTextIn.model_validate_json(await request.body())
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(x) for x in first["loc"]) or "body"
        raise ValidationFailed(f"{field}: {first['msg']}", field=field) from None
    done = await service.verify_text(session, settings.operator_gln, body.text, body.station, actor)
    return VerifyOut.of(done)
