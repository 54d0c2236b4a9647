"""HTTP: the outbox (admin only): what was pushed where, what failed, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import INTEGER_MAX, SessionDep
from app.outbox import service
from app.outbox.schemas import OutboxOut

router = APIRouter(prefix="/outbox", tags=["outbox"])
ADMIN = require("admin")


@router.get("", summary="Documents queued for partners' capture URLs, newest first")
async def list_outbox(
    session: SessionDep, caller: Caller = ADMIN,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[OutboxOut]:
    return [OutboxOut.of(m, name) for m, name in
            await service.list_messages(session, status, limit)]


@router.post("/{message_id}/retry", summary="Push a failed document again now")
async def retry(
    session: SessionDep, message_id: int = Path(ge=1, le=INTEGER_MAX), caller: Caller = ADMIN,
) -> OutboxOut:
    return OutboxOut.of(*await service.retry(session, message_id))
