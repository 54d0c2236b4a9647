"""HTTP: a shipment's printables as PDF, shown inline (print from the browser)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Response

from app.deps import INTEGER_MAX, SessionDep, SettingsDep
from app.operator.service import operator
from app.printing import service
from app.staff.deps import Shipper

router = APIRouter(prefix="/shipments", tags=["shipments"])
ShipmentId = Path(ge=1, le=INTEGER_MAX)
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/{shipment_id}/labels.pdf", response_class=Response, responses=PDF,
            summary="SSCC logistics labels (4 x 6 inch, one per case)")
async def labels(session: SessionDep, settings: SettingsDep, actor: Shipper,
                 shipment_id: int = ShipmentId) -> Response:
    op = await operator(session, settings.operator_gln)
    return _pdf(await service.labels(session, op, shipment_id), f"labels-{shipment_id}.pdf")


@router.get("/{shipment_id}/packing-list.pdf", response_class=Response, responses=PDF,
            summary="Packing list: each case's SSCC and contents with serials")
async def packing_list(session: SessionDep, settings: SettingsDep, actor: Shipper,
                       shipment_id: int = ShipmentId) -> Response:
    op = await operator(session, settings.operator_gln)
    return _pdf(await service.packing_list(session, op, shipment_id),
                f"packing-list-{shipment_id}.pdf")


@router.get("/{shipment_id}/pick-list.pdf", response_class=Response, responses=PDF,
            summary="Pick list: saleable stock by product, lot and site, earliest expiry first")
async def pick_list(session: SessionDep, settings: SettingsDep, actor: Shipper,
                    shipment_id: int = ShipmentId) -> Response:
    op = await operator(session, settings.operator_gln)
    return _pdf(await service.pick_list(session, op, shipment_id),
                f"pick-list-{shipment_id}.pdf")
