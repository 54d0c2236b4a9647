"""HTTP: cases, their patient data (pharmacists and admins, each read audited), shipment links,
confirmation links and follow-ups. Every route acts for the operator; ``/confirm/{token}``
(in ``app.delivery.router``) needs no account."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile

from app.cases import service
from app.cases.deps import CaseReader, KeyringDep
from app.cases.schemas import (
    AuthorizationIn,
    CaseIn,
    CaseOut,
    ErasedOut,
    EraseIn,
    FollowUpOut,
    LinkIn,
    LinkOut,
    PatientIn,
    PatientOut,
    StatusIn,
)
from app.delivery import service as delivery
from app.deps import INTEGER_MAX, SessionDep, SettingsDep
from app.models import CaseStatus
from app.models.base import utcnow
from app.staff.deps import CaseWorker
from app.vault import pdf
from app.vault import service as vault
from app.vault.keys import optional_keyring

router = APIRouter(tags=["named-patient cases"])
REF = Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
ID = Path(ge=1, le=INTEGER_MAX)


async def case_out(session, case) -> CaseOut:
    """A case with its links, history and follow-up (never patient data)."""
    follow = await delivery.follow_up_of(session, case)
    return CaseOut.of(case, await service.remaining(session, case),
                      await service.receiver_name(session, case), await service.links(session, case),
                      await service.history(session, case),
                      FollowUpOut.of(follow, case.ref, utcnow()) if follow else None)


@router.post("/cases", status_code=201, summary="Open a case (status requested)")
async def open_case(body: CaseIn, session: SessionDep, actor: CaseWorker,
                    response: Response) -> CaseOut:
    case = await service.open_case(session, body.spec(), actor.label)
    response.headers["Location"] = f"/cases/{case.ref}"
    return await case_out(session, case)


@router.get("/cases", summary="Cases, newest first")
async def list_cases(session: SessionDep, actor: CaseWorker, status: CaseStatus | None = None,
                     limit: int = Query(200, ge=1, le=1000)) -> list[CaseOut]:
    return [CaseOut.of(c, await service.remaining(session, c),
                       await service.receiver_name(session, c))
            for c in await service.list_cases(session, status, limit)]


@router.get("/cases/{ref}", summary="One case: authorization, links, history, follow-up")
async def get_case(session: SessionDep, actor: CaseWorker, ref: str = REF) -> CaseOut:
    return await case_out(session, await service.get(session, ref))


@router.post("/cases/{ref}/authorize", summary="Record the regulator's authorization")
async def authorize(session: SessionDep, actor: CaseWorker, body: AuthorizationIn | None = None,
                    ref: str = REF) -> CaseOut:
    case = await service.authorize(session, ref, body.value() if body else None, actor.label)
    return await case_out(session, case)


@router.post("/cases/{ref}/status", summary="Move a case (delivered, closed, cancelled)")
async def set_status(body: StatusIn, session: SessionDep, actor: CaseWorker,
                     ref: str = REF) -> CaseOut:
    case = await service.transition(session, ref, body.status, actor.label, body.note)
    return await case_out(session, case)


@router.post("/cases/{ref}/links", status_code=201,
             summary="Link shipped units (or an SSCC) to the case, within its authorization")
async def link(body: LinkIn, session: SessionDep, actor: CaseWorker, settings: SettingsDep,
               ref: str = REF) -> LinkOut:
    return LinkOut.of(await service.link_shipment(
        session, ref, body.identifiers, actor.label,
        await commitment_of(session, settings, await service.get(session, ref))))


async def commitment_of(session, settings, case) -> str | None:
    """The vault's commitment for ``case``; None when no vault key is configured or no patient
    details are held."""
    return await vault.commitment(session, optional_keyring(settings), case)


@router.put("/cases/{ref}/patient", status_code=204, summary="Seal the patient's details")
async def put_patient(body: PatientIn, session: SessionDep, reader: CaseReader, ring: KeyringDep,
                      ref: str = REF) -> Response:
    await vault.put_patient(session, ring, await service.get(session, ref), body.value(), reader)
    return Response(status_code=204)


@router.get("/cases/{ref}/patient", summary="The patient's details (audited read)")
async def get_patient(session: SessionDep, reader: CaseReader, ring: KeyringDep,
                      ref: str = REF) -> PatientOut:
    case = await service.get(session, ref)
    return PatientOut.of(await vault.read_patient(session, ring, case, reader))


@router.post("/cases/{ref}/documents", status_code=201,
             summary="Seal a document (prescription, justification, consent, identity)")
async def add_document(session: SessionDep, reader: CaseReader, ring: KeyringDep,
                       kind: Annotated[str, Form(max_length=30)],
                       file: Annotated[UploadFile, File()], ref: str = REF) -> dict[str, int]:
    content = await file.read(vault.MAX_DOCUMENT_BYTES + 1)
    record = await vault.add_document(session, ring, await service.get(session, ref), kind,
                                      file.filename or "document",
                                      file.content_type or "application/octet-stream", content,
                                      reader)
    return {"id": record}


@router.get("/cases/{ref}/documents/{document_id}", summary="One document (audited read)",
            response_class=Response)
async def get_document(session: SessionDep, reader: CaseReader, ring: KeyringDep,
                       ref: str = REF, document_id: int = ID) -> Response:
    info, content = await vault.read_document(session, ring, await service.get(session, ref),
                                              document_id, reader)
    return Response(content, media_type=info.media_type, headers={
        "Content-Disposition": f'attachment; filename="document-{info.id}"',
        "Cache-Control": "no-store"})


async def _export(session, reader, ring, ref: str) -> dict[str, Any]:
    case = await service.get(session, ref)
    facts = (await case_out(session, case)).model_dump(mode="json")
    return await vault.export(session, ring, case, reader, facts)


@router.get("/cases/{ref}/export", summary="Subject-access export (GDPR art. 15), JSON")
async def export(session: SessionDep, reader: CaseReader, ring: KeyringDep,
                 ref: str = REF) -> dict[str, Any]:
    return await _export(session, reader, ring, ref)


@router.get("/cases/{ref}/export.pdf", summary="Subject-access export as PDF",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
async def export_pdf(session: SessionDep, reader: CaseReader, ring: KeyringDep,
                     ref: str = REF) -> Response:
    body = await anyio.to_thread.run_sync(pdf.render, await _export(session, reader, ring, ref))
    return Response(body, media_type="application/pdf", headers={"Cache-Control": "no-store"})


@router.post("/cases/{ref}/erase", summary="Erase the patient's data (GDPR art. 17): destroy "
             "the case's key")
async def erase(session: SessionDep, reader: CaseReader, ref: str = REF,
                body: EraseIn | None = None) -> ErasedOut:
    case = await service.get(session, ref)
    erased = await vault.erase_by(session, case, reader, (body or EraseIn()).reason)
    return ErasedOut(case_ref=case.ref, erased=erased)
