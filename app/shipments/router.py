"""HTTP: shipments, their SSCC cases, pack scans, close/reopen, ship, and the outbound EPCIS.

Staff holding ``ship`` (session cookie + ``X-CSRF-Token``, or a personal key) or operator
``admin`` keys act for the operator.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Response

from app.deps import INTEGER_MAX, SessionDep, SettingsDep
from app.operator.service import Operator, operator
from app.scans.schemas import ScanTextIn
from app.shipments import service
from app.shipments.schemas import CaseOut, PackedOut, ShipmentIn, ShipmentOut
from app.staff.deps import Shipper
from app.vault.keys import optional_keyring

router = APIRouter(prefix="/shipments", tags=["shipments"])
ShipmentId = Path(ge=1, le=INTEGER_MAX)
CaseId = Path(ge=1, le=INTEGER_MAX)
MEDIA = {"1.2-xml": "application/xml", "2.0-jsonld": "application/ld+json"}


async def _op(session, settings) -> Operator:
    return await operator(session, settings.operator_gln)


@router.post("", status_code=201, summary="Open a shipment to an authorized partner's site")
async def create(body: ShipmentIn, session: SessionDep, settings: SettingsDep,
                 actor: Shipper, response: Response) -> ShipmentOut:
    view = await service.create_shipment(session, await _op(session, settings), body.spec(),
                                         actor.label)
    response.headers["Location"] = f"/shipments/{view.shipment.id}"
    return ShipmentOut.of(view)


@router.get("", summary="Shipments, newest first")
async def list_shipments(session: SessionDep, actor: Shipper,
                         status: Literal["open", "packed", "shipped", "cancelled"] | None = None,
                         limit: int = Query(100, ge=1, le=1000)) -> list[ShipmentOut]:
    return [ShipmentOut.of(v, with_units=False)
            for v in await service.list_shipments(session, status, limit)]


@router.get("/{shipment_id}", summary="A shipment with its cases and their units")
async def get(session: SessionDep, actor: Shipper,
              shipment_id: int = ShipmentId) -> ShipmentOut:
    return ShipmentOut.of(await service.get_shipment(session, shipment_id))


@router.post("/{shipment_id}/cases", status_code=201,
             summary="A new case with a fresh SSCC from the operator's company prefix")
async def add_case(session: SessionDep, settings: SettingsDep, actor: Shipper,
                   shipment_id: int = ShipmentId) -> CaseOut:
    view = await service.add_case(session, await _op(session, settings), shipment_id, actor.label)
    return CaseOut.of(view)


@router.post("/{shipment_id}/cases/{case_id}/scans", status_code=201,
             summary="Scan a package into an open case (verified first; 409 with the verdict)")
async def scan(body: ScanTextIn, session: SessionDep, settings: SettingsDep, actor: Shipper,
               shipment_id: int = ShipmentId, case_id: int = CaseId) -> PackedOut:
    done = await service.pack_scan(session, await _op(session, settings), shipment_id, case_id,
                                   body.text, body.station, actor)
    return PackedOut.of(done)


@router.delete("/{shipment_id}/cases/{case_id}/units/{epc:path}",
               summary="Take a mis-scanned unit out of an open case")
async def remove(session: SessionDep, actor: Shipper, epc: str,
                 shipment_id: int = ShipmentId, case_id: int = CaseId) -> dict[str, int]:
    return {"count": await service.remove_unit(session, shipment_id, case_id, epc)}


@router.post("/{shipment_id}/cases/{case_id}/close",
             summary="Close a case: its AggregationEvent ADD through the ledger")
async def close(session: SessionDep, settings: SettingsDep, actor: Shipper,
                shipment_id: int = ShipmentId, case_id: int = CaseId) -> CaseOut:
    return CaseOut.of(await service.close_case(session, await _op(session, settings), shipment_id,
                                               case_id, actor.label))


@router.post("/{shipment_id}/cases/{case_id}/reopen",
             summary="Reopen a closed case before shipping: an AggregationEvent DELETE")
async def reopen(session: SessionDep, settings: SettingsDep, actor: Shipper,
                 shipment_id: int = ShipmentId, case_id: int = CaseId) -> CaseOut:
    return CaseOut.of(await service.reopen_case(session, await _op(session, settings), shipment_id,
                                                case_id, actor.label))


@router.post("/{shipment_id}/ship",
             summary="Ship a packed shipment: the shipping event with DSCSA TI/TS")
async def ship(session: SessionDep, settings: SettingsDep, actor: Shipper,
               shipment_id: int = ShipmentId) -> ShipmentOut:
    return ShipmentOut.of(await service.ship(session, await _op(session, settings), shipment_id,
                                             actor.label, ring=optional_keyring(settings)))


@router.post("/{shipment_id}/cancel", summary="Cancel a shipment that has not shipped")
async def cancel(session: SessionDep, settings: SettingsDep, actor: Shipper,
                 shipment_id: int = ShipmentId) -> ShipmentOut:
    return ShipmentOut.of(await service.cancel(session, await _op(session, settings), shipment_id,
                                               actor.label))


@router.get("/{shipment_id}/epcis", summary="The outbound EPCIS document of a shipped shipment",
            response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()}}})
async def epcis(session: SessionDep, settings: SettingsDep, actor: Shipper,
                shipment_id: int = ShipmentId,
                format: Literal["1.2-xml", "2.0-jsonld"] = "1.2-xml") -> Response:  # noqa: A002
    body = await service.outbound(session, await _op(session, settings), shipment_id, format)
    suffix = "xml" if format == "1.2-xml" else "jsonld"
    return Response(body, media_type=MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="shipment-{shipment_id}.{suffix}"'})
