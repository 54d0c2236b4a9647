"""Record who read what (one line for any domain) and read the trail back a page at a time.

Any read of custody data with parties adds one line after its service call::

    await audit.record(session, caller, "chain.read", identifier, origin)

``record`` appends the entry's hash to the Merkle log in the caller's transaction, so the
read and its trace commit together (decision record ``0025-audit-entries-in-the-log.md``).
Entries name objects (identifiers, request ids), never their content and never patient data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import entry
from app.audit import repository as repo
from app.auth.service import Caller
from app.errors import ValidationFailed
from app.events.query import Position, QueryParameterException, decode_token, encode_token
from app.ledger import service as ledger
from app.models import AuditRecord
from app.models.base import utcnow
from app.staff.service import Actor

ACTIONS = ("report.unit", "report.lot", "bundle.unit", "bundle.lot", "trace.file", "trace.answer",
           "trace.read", "chain.read", "unit.read", "leaf.read", "page.audit", "page.traces",
           "api_key.issue", "api_key.revoke", "staff.add", "staff.disable", "staff.passwd")
"""The actions written today; other domains add theirs (``<object kind>.<verb>``)."""


@dataclass(frozen=True)
class Origin:
    """Where a request came from: the client's address and the request id it was given."""

    client: str | None = None
    request_id: str | None = None


Who = Caller | Actor | str
"""An API key's caller, a staff member (or operator key) acting, or a label (the CLI)."""


def actor_of(who: Who) -> tuple[str, int | None]:
    """``(actor label, partner id)``: a key's partner; staff and the CLI act for the operator."""
    if isinstance(who, Caller):
        return who.actor, who.partner_id
    if isinstance(who, Actor):
        return who.label, None
    return who, None


def _fit(value: str | None, size: int) -> str | None:
    return None if value is None else value[:size]


async def record(session: AsyncSession, who: Who, action: str, obj: str,
                 origin: Origin = Origin()) -> AuditRecord:
    """Write one audit entry and its log leaf in the caller's transaction."""
    actor, partner_id = actor_of(who)
    at = ledger.to_ms(utcnow())
    obj, client = _fit(obj, 200) or "", _fit(origin.client, 64)
    request_id = _fit(origin.request_id, 64)
    digest = entry.entry_hash(entry.canonical(at, actor, partner_id, action, obj, client,
                                              request_id))
    [leaf] = await ledger.append(session, [ledger.Entry(digest, at, actor)])
    return await repo.add(session, AuditRecord(
        at=at, actor=actor, partner_id=partner_id, action=action, object=obj, client=client,
        request_id=request_id, entry_hash=digest, leaf_index=leaf.leaf_index))


@dataclass(frozen=True)
class Filter:
    """What ``GET /audit`` and the staff page filter on (all optional, all must hold)."""

    actor: str | None = None
    action: str | None = None
    object: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def fingerprint(self) -> str:
        return repr((self.actor, self.action, self.object, self.since and self.since.isoformat(),
                     self.until and self.until.isoformat()))


def _utc(when: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC."""
    return when.replace(tzinfo=UTC) if when and when.tzinfo is None else when


@dataclass(frozen=True)
class Page:
    """Entries newest first; ``next_token`` continues after the last (None: no more)."""

    entries: list[AuditRecord]
    next_token: str | None


async def find(session: AsyncSession, where: Filter, token: str | None, size: int,
               secret: bytes, reader: str) -> Page:
    """A page of entries matching ``where``; tokens are signed for this filter and ``reader``
    (a token made for another filter or reader, or edited, is a 422 naming ``page_token``)."""
    where = Filter(where.actor, where.action, where.object, _utc(where.since), _utc(where.until))
    binding = f"audit:{reader}:{where.fingerprint}"
    try:
        at = decode_token(token, secret, binding)
    except QueryParameterException:
        raise ValidationFailed(
            f"page_token {token!r}: expected a token this server issued for this filter and "
            "this reader", field="page_token", found=token) from None
    rows = await repo.page(session, actor=where.actor, action=where.action, obj=where.object,
                           since=where.since, until=where.until, before=at.after or None,
                           size=size + 1)
    if len(rows) <= size:
        return Page(rows, None)
    return Page(rows[:size], encode_token(Position(rows[size - 1].id), secret, binding))
