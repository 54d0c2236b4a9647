"""HTTP: confirmation links (staff issue and revoke them; receivers use them with no account)
and the follow-up queue."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request

from app.cases import service as cases
from app.cases.router import REF, commitment_of
from app.cases.schemas import FollowUpOut
from app.delivery import service
from app.delivery.schemas import (
    ConfirmationIn,
    ConfirmedOut,
    FollowUpIn,
    LinkIssued,
    LinkRequest,
    LinkState,
)
from app.deps import INTEGER_MAX, SessionDep, SettingsDep
from app.models.base import utcnow
from app.staff.deps import CaseWorker

router = APIRouter(tags=["delivery confirmation"])
LINK_ID = Path(ge=1, le=INTEGER_MAX)
FOLLOW_UP_ID = Path(ge=1, le=INTEGER_MAX)  # one Path per parameter name: FastAPI names it
TOKEN = Path(min_length=10, max_length=300, pattern=r"^[A-Za-z0-9_.-]+$")


def secret(settings) -> str:
    return settings.session_secret.get_secret_value()


@router.post("/cases/{ref}/confirmation-links", status_code=201,
             summary="Issue a one-off confirmation link for the receiver (shown once)")
async def issue(request: Request, session: SessionDep, actor: CaseWorker,
                settings: SettingsDep, body: LinkRequest | None = None,
                ref: str = REF) -> LinkIssued:
    link, token = await service.issue_link(session, ref, actor.label, secret(settings),
                                           (body or LinkRequest()).hours)
    return LinkIssued(id=link.id, case_ref=ref.upper(), url=str(request.url_for("confirm_page",
                      token=token)), expires_at=link.expires_at, identifiers=link.identifiers)


@router.get("/cases/{ref}/confirmation-links", summary="A case's confirmation links")
async def list_links(session: SessionDep, actor: CaseWorker, ref: str = REF) -> list[LinkState]:
    case = await cases.get(session, ref)
    return [LinkState.of(x) for x in await service.links_of(session, case)]


@router.post("/cases/{ref}/confirmation-links/{link_id}/revoke", summary="Revoke a link")
async def revoke(session: SessionDep, actor: CaseWorker, ref: str = REF,
                 link_id: int = LINK_ID) -> LinkState:
    return LinkState.of(await service.revoke(session, ref, link_id, actor.label))


@router.post("/confirm/{token}", summary="Confirm receipt, condition and storage (no account: "
             "the link is the authority)")
async def confirm(body: ConfirmationIn, session: SessionDep, settings: SettingsDep,
                  token: str = TOKEN) -> ConfirmedOut:
    return await confirm_with(session, settings, token, body)


async def confirm_with(session, settings, token: str, body: ConfirmationIn) -> ConfirmedOut:
    """Shared by the API and the page: the link's case's commitment goes into the event."""
    _, case = await service.open_link(session, token, secret(settings))
    link = await service.confirm(session, token, secret(settings), body.value(),
                                 await commitment_of(session, settings, case))
    follow = await service.follow_up_of(session, case)
    return ConfirmedOut(case_ref=case.ref, status=case.status.value, job_id=link.job_id,
                        follow_up_due=follow.due_at if follow else None)


@router.get("/follow-ups.json", summary="Follow-ups, open first, earliest due first")
async def follow_ups(session: SessionDep, actor: CaseWorker,
                     status: str | None = Query(None, pattern="^(open|done)$")) -> list[FollowUpOut]:
    now = utcnow()
    return [FollowUpOut.of(f, ref, now) for f, ref in await service.follow_ups(session, status)]


@router.post("/follow-ups/{follow_up_id}", summary="Take or complete a follow-up")
async def update(body: FollowUpIn, session: SessionDep, actor: CaseWorker,
                 follow_up_id: int = FOLLOW_UP_ID) -> FollowUpOut:
    row, ref = await service.update_follow_up(session, follow_up_id, actor.label, owner=body.owner,
                                              done=body.done, outcome=body.outcome)
    return FollowUpOut.of(row, ref, utcnow())
