"""HTTP: expected inbound shipments, receivings, scans, damage marks and closing.

Staff holding ``receive`` (session with CSRF, or a personal key) and operator admin keys only:
anyone else is refused before anything is read.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Response

from app.deps import INTEGER_MAX, SessionDep, SettingsDep
from app.operator.service import operator
from app.receiving import service
from app.receiving.schemas import (
    CloseIn,
    ExpectedOut,
    ReceivingIn,
    ReceivingOut,
    ReceivingSummary,
    ScanIn,
    ScanOut,
)
from app.staff.deps import Receiver

router = APIRouter(tags=["receiving"])
ID = Path(ge=1, le=INTEGER_MAX)


@router.get("/receiving/expected", summary="Shipments in transit to the operator")
async def expected(session: SessionDep, settings: SettingsDep, actor: Receiver,
                   limit: int = Query(100, ge=1, le=1000)) -> list[ExpectedOut]:
    op = await operator(session, settings.operator_gln)
    return [ExpectedOut.of(e) for e in await service.expected(session, op, limit)]


@router.get("/receivings", summary="Receivings, open first")
async def receivings(session: SessionDep, actor: Receiver,
                     limit: int = Query(100, ge=1, le=1000)) -> list[ReceivingSummary]:
    return [ReceivingSummary(id=r.id, status="closed" if r.closed_at else "open",
                             shipment=r.shipment, shipper=name, reference=r.reference,
                             opened_at=r.opened_at, scans=count)
            for r, name, count in await service.receivings(session, limit)]


@router.post("/receivings", status_code=201, summary="Open a receiving for a shipment (or an "
             "unexpected delivery)")
async def open_receiving(body: ReceivingIn, session: SessionDep, settings: SettingsDep,
                         actor: Receiver, response: Response) -> ReceivingOut:
    op = await operator(session, settings.operator_gln)
    receiving, created = await service.open_receiving(session, op, actor.label, body.shipment,
                                                      body.reference)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/receivings/{receiving.id}"
    return ReceivingOut.of(await service.view(session, receiving.id))


@router.get("/receivings/{receiving_id}", summary="A receiving's reconciliation board")
async def board(session: SessionDep, actor: Receiver,
                receiving_id: int = ID) -> ReceivingOut:
    return ReceivingOut.of(await service.view(session, receiving_id))


@router.post("/receivings/{receiving_id}/scans", status_code=201, summary="Scan a case or unit")
async def scan(body: ScanIn, session: SessionDep, actor: Receiver,
               receiving_id: int = ID) -> ScanOut:
    return ScanOut.of(await service.scan(session, receiving_id, body.text, actor.label))


@router.post("/receivings/{receiving_id}/damaged", status_code=201,
             summary="Mark a case or unit damaged")
async def damaged(body: ScanIn, session: SessionDep, actor: Receiver,
                  receiving_id: int = ID) -> ScanOut:
    return ScanOut.of(await service.scan(session, receiving_id, body.text, actor.label, "damaged"))


@router.post("/receivings/{receiving_id}/close", summary="Close: record the receipt and the "
             "exceptions (again: unchanged)")
async def close(session: SessionDep, settings: SettingsDep, actor: Receiver,
                body: CloseIn | None = None, receiving_id: int = ID) -> ReceivingOut:
    op = await operator(session, settings.operator_gln)
    investigate = body.investigate if body is not None else True
    return ReceivingOut.of(await service.close(session, op, receiving_id, actor.label,
                                               investigate=investigate))
