"""``OriginDep``: where a request came from, for the audit trail.

An audited request reads, then writes its audit entry. On SQLite a transaction that read
cannot wait for the write lock (another writer's commit in between fails it at once with
"database is locked"), so the dependency takes the write lock first
(:func:`app.dialect.write_lock`); declare ``origin: OriginDep`` before the caller's key
dependency so it runs first. PostgreSQL needs nothing.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from app.audit.service import Origin
from app.deps import SessionDep
from app.dialect import write_lock


async def origin(request: Request, session: SessionDep) -> Origin:
    """The client's address and the request id :class:`app.middleware.RequestContext` gave."""
    await write_lock(session)
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return Origin(request.client.host if request.client else None, request_id)


OriginDep = Annotated[Origin, Depends(origin)]
