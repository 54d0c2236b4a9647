"""HTTP: ``GET /audit``, the trail of who read what, for admins and regulators."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response

from app.audit import service
from app.audit.schemas import AuditOut, AuditPageOut
from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep, SettingsDep
from app.errors import Forbidden

router = APIRouter(tags=["audit"])
READER = require("admin", "regulator")


def check_reader(caller: Caller) -> None:
    """Only the operator's admin keys and regulators read the trail; a partner's key never,
    whatever scopes it holds (the trail names other partners' reads)."""
    if caller.partner_id is not None and "regulator" not in caller.scopes:
        raise Forbidden(f"API key ck_{caller.prefix}_... belongs to a trading partner; the "
                        "audit trail is for the operator's admins and regulators",
                        required="admin")


@router.get("/audit", summary="Who read what, when and from where (newest first)",
            description="Filters: `actor` (`key:<prefix>`, `staff:<username>`), `action`, "
            "`object`, `since`/`until` (ISO 8601). The `Link` header and `next_page_token` "
            "continue with a token signed for this filter and key.")
async def audit(
    response: Response, session: SessionDep, settings: SettingsDep,
    caller: Caller = READER,
    actor: str | None = Query(None, max_length=100),
    action: str | None = Query(None, max_length=50),
    object: str | None = Query(None, max_length=200),
    since: datetime | None = None,
    until: datetime | None = None,
    per_page: int = Query(100, ge=1, le=1000),
    page_token: str | None = Query(None, max_length=500),
) -> AuditPageOut:
    check_reader(caller)
    where = service.Filter(actor, action, object, since, until)
    secret = settings.page_token_secret.get_secret_value().encode()
    page = await service.find(session, where, page_token, per_page, secret, caller.actor)
    if page.next_token:
        response.headers["Link"] = f'<{_next(where, per_page, page.next_token)}>; rel="next"'
    return AuditPageOut(entries=[AuditOut.of(e) for e in page.entries],
                        next_page_token=page.next_token)


def _next(where: service.Filter, per_page: int, token: str) -> str:
    params = {"actor": where.actor, "action": where.action, "object": where.object,
              "since": where.since and where.since.isoformat(),
              "until": where.until and where.until.isoformat(), "per_page": per_page,
              "page_token": token}
    return "/audit?" + urlencode({k: v for k, v in params.items() if v is not None})
