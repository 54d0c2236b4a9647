"""HTTP: quarantine and release, investigations, determinations and Form FDA 3911 drafts.

Every route acts for the operator (:func:`app.operator.deps.acting`): quarantine needs
permission ``quarantine``, release ``release``, the rest ``investigate``.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Response

from app.deps import INTEGER_MAX, SessionDep
from app.investigations import service
from app.investigations.schemas import (
    ClearedOut,
    DetermineIn,
    HeldOut,
    InvestigationIn,
    InvestigationOut,
    NoteIn,
    NotifiedIn,
    ReportIn,
    SelectionIn,
)
from app.models.base import utcnow
from app.operator.deps import INVESTIGATE, QUARANTINE, RELEASE, Acting

router = APIRouter(tags=["suspect product"])
ID = Path(ge=1, le=INTEGER_MAX)


@router.post("/quarantine", summary="Quarantine units, a case or a lot the operator holds")
async def quarantine(body: SelectionIn, session: SessionDep,
                     staff: Acting = QUARANTINE) -> HeldOut:
    return HeldOut(units=await service.quarantine(session, staff.operator, body.selection()))


@router.post("/quarantine/release", summary="Release quarantined units back to stock")
async def release(body: SelectionIn, session: SessionDep, staff: Acting = RELEASE) -> HeldOut:
    return HeldOut(units=await service.release(session, staff.operator, body.selection()))


@router.get("/investigations", summary="Investigations, overdue first")
async def list_investigations(
    session: SessionDep, staff: Acting = INVESTIGATE, status: str | None = None,
    overdue: bool | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[InvestigationOut]:
    now = utcnow()
    views = await service.list_investigations(session, status, overdue, limit)
    return [InvestigationOut.of(v, now, partners=False) for v in views]


@router.post("/investigations", status_code=201, summary="Open an investigation (quarantines "
             "the operator's units)")
async def open_investigation(body: InvestigationIn, session: SessionDep, response: Response,
                             staff: Acting = INVESTIGATE) -> InvestigationOut:
    view = await service.open_investigation(session, body.identifiers, body.reason, staff.actor,
                                            trigger=body.trigger, operator=staff.operator)
    response.headers["Location"] = f"/investigations/{view.investigation.id}"
    return InvestigationOut.of(view, utcnow())


@router.get("/investigations/{investigation_id}", summary="One investigation")
async def get_investigation(session: SessionDep, staff: Acting = INVESTIGATE,
                            investigation_id: int = ID) -> InvestigationOut:
    return InvestigationOut.of(await service.get(session, investigation_id, staff.operator), utcnow())


@router.post("/investigations/{investigation_id}/notes", summary="Add a note")
async def add_note(body: NoteIn, session: SessionDep, staff: Acting = INVESTIGATE,
                   investigation_id: int = ID) -> InvestigationOut:
    view = await service.add_note(session, investigation_id, body.text, staff.actor, staff.operator)
    return InvestigationOut.of(view, utcnow())


@router.post("/investigations/{investigation_id}/determine",
             summary="Determine the product illegitimate (starts the 24-hour clock)")
async def determine(body: DetermineIn, session: SessionDep, staff: Acting = INVESTIGATE,
                    investigation_id: int = ID) -> InvestigationOut:
    view = await service.determine_illegitimate(
        session, investigation_id, body.classification, body.description, staff.actor,
        staff.operator, body.contact.model_dump(exclude_none=True) if body.contact else None)
    return InvestigationOut.of(view, utcnow())


@router.post("/investigations/{investigation_id}/clear",
             summary="Clear the product: units back to stock, cleared-product notice")
async def clear(body: NoteIn, session: SessionDep, staff: Acting = INVESTIGATE,
                investigation_id: int = ID) -> ClearedOut:
    view, notice = await service.clear(session, investigation_id, body.text, staff.actor,
                                       staff.operator)
    return ClearedOut(investigation=InvestigationOut.of(view, utcnow()), notice=notice)


@router.post("/investigations/{investigation_id}/notified",
             summary="Record that FDA and the immediate trading partners were notified")
async def notified(body: NotifiedIn, session: SessionDep, staff: Acting = INVESTIGATE,
                   investigation_id: int = ID) -> InvestigationOut:
    view = await service.record_notified(session, investigation_id, staff.actor, staff.operator,
                                         body.incident_number, body.text)
    return InvestigationOut.of(view, utcnow())


@router.post("/investigations/{investigation_id}/reports",
             summary="File a follow-up report or a request for termination")
async def report(body: ReportIn, session: SessionDep, staff: Acting = INVESTIGATE,
                 investigation_id: int = ID) -> InvestigationOut:
    view = await service.add_report(session, investigation_id, body.type, body.text, staff.actor,
                                    staff.operator, body.incident_number)
    return InvestigationOut.of(view, utcnow())


@router.get("/investigations/{investigation_id}/form-3911",
            summary="Form FDA 3911 draft, prefilled from the ledger (JSON, keyed by field name)")
async def form_3911(session: SessionDep, staff: Acting = INVESTIGATE,
                    investigation_id: int = ID, type: str | None = None) -> dict:
    return await service.form_3911(session, investigation_id, staff.operator, type)


@router.get("/investigations/{investigation_id}/form-3911.pdf",
            summary="Form FDA 3911 draft as PDF", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
async def form_3911_pdf(session: SessionDep, staff: Acting = INVESTIGATE,
                        investigation_id: int = ID, type: str | None = None) -> Response:
    body = await service.form_3911_pdf(session, investigation_id, staff.operator, type)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="fda-3911-investigation-{investigation_id}.pdf"'})
