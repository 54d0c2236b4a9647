"""HTTP: record a recall and list who holds the recalled units (acts for the operator)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Response

from app.deps import INTEGER_MAX, SessionDep
from app.operator.deps import RECALL, Acting
from app.recalls import service
from app.recalls.schemas import RecallIn, RecallOut

router = APIRouter(prefix="/recalls", tags=["recalls"])


@router.post("", status_code=201, summary="Recall lots of a product the operator is brand "
             "owner (or agent) of", response_model_by_alias=True)
async def record_recall(body: RecallIn, session: SessionDep, response: Response,
                        staff: Acting = RECALL) -> RecallOut:
    view = await service.record_recall(session, body.spec(), staff.actor, staff.operator)
    response.headers["Location"] = f"/recalls/{view.recall.id}"
    return RecallOut.of(view)


@router.get("", summary="Recalls, newest first")
async def list_recalls(session: SessionDep, staff: Acting = RECALL, gtin: str | None = None,
                       limit: int = Query(100, ge=1, le=1000)) -> list[RecallOut]:
    return [RecallOut.of(v) for v in await service.list_recalls(session, staff.operator, gtin, limit)]


@router.get("/{recall_id}", summary="One recall and the current custodians of its units")
async def get_recall(session: SessionDep, staff: Acting = RECALL,
                     recall_id: int = Path(ge=1, le=INTEGER_MAX)) -> RecallOut:
    return RecallOut.of(await service.get_recall(session, recall_id, staff.operator))
