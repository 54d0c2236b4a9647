"""``OriginDep``: where a request came from, for the audit trail."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from app.audit.service import Origin


def origin(request: Request) -> Origin:
    """The client's address and the request id :class:`app.middleware.RequestContext` gave."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return Origin(request.client.host if request.client else None, request_id)


OriginDep = Annotated[Origin, Depends(origin)]
