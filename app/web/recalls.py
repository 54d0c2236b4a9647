"""The recall page: file a recall (GTIN, lots, class, reason) through the recall service, and
the recalls with the custodians to tell. Filing needs the ``recall`` permission."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.deps import SessionDep
from app.recalls import service
from app.staff.deps import csrf_ok
from app.staff.roles import Permission
from app.staff.service import staff_actor
from app.web.investigations import FREE_TEXT
from app.web.pages import (
    STALE,
    acting_for,
    attempt,
    holding,
    page,
    party_names,
)

router = APIRouter(include_in_schema=False)
RECALLS = "/staff/recalls"


async def _page(request: Request, session, user, status: int = 200, **context) -> HTMLResponse:
    views = await service.list_recalls(session, await acting_for(request, session))
    return page(request, "recalls.html", status, user=user, recalls=views, classes=service.CLASSES,
                names=await party_names(session),
                form=context.pop("form", {}), **context)


@router.get(RECALLS, response_class=HTMLResponse)
async def recalls(request: Request, session: SessionDep) -> Response:
    user = await holding(request, session, Permission.RECALL)
    return user if isinstance(user, Response) else await _page(request, session, user)


@router.post(RECALLS, response_class=HTMLResponse)
async def file_recall(request: Request, session: SessionDep,
                      gtin: Annotated[str, Form(max_length=14)] = "",
                      lots: Annotated[str, Form(max_length=2000)] = "",
                      recall_class: Annotated[str, Form(max_length=3)] = "",
                      reason: Annotated[str, Form(max_length=10_000, pattern=FREE_TEXT)] = "",
                      csrf_token: Annotated[str, Form()] = "") -> Response:
    user = await holding(request, session, Permission.RECALL)
    if isinstance(user, Response):
        return user
    form = {"gtin": gtin, "lots": lots, "recall_class": recall_class, "reason": reason}
    if not csrf_ok(request, csrf_token):
        return await _page(request, session, user, 403, error=STALE, form=form)
    spec = service.RecallSpec(gtin.strip(), tuple(re.split(r"[\s,]+", lots.strip())) if lots.strip()
                              else (), recall_class, reason)
    op = await acting_for(request, session)
    view, error = await attempt(session, lambda: service.record_recall(
        session, spec, staff_actor(user).label, op))
    if view is None:
        return await _page(request, session, user, 422, error=f"Not recalled: {error}", form=form)
    return await _page(request, session, user, filed=view)
