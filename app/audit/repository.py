"""SQL for the audit trail: add a row, filter a page, read rows beside their leaves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import select_in
from app.models import AuditRecord, LedgerLeaf


async def add(session: AsyncSession, record: AuditRecord) -> AuditRecord:
    session.add(record)
    await session.flush()
    return record


async def page(
    session: AsyncSession, *, actor: str | None, action: str | None, obj: str | None,
    since: datetime | None, until: datetime | None, before: int | None, size: int,
) -> list[AuditRecord]:
    """Up to ``size`` entries matching every given filter, newest first, ids below ``before``."""
    where: list[ColumnElement[bool]] = []
    for column, value in ((AuditRecord.actor, actor), (AuditRecord.action, action),
                          (AuditRecord.object, obj)):
        if value is not None:
            where.append(column == value)
    if since is not None:
        where.append(AuditRecord.at >= since)
    if until is not None:
        where.append(AuditRecord.at < until)
    if before is not None:
        where.append(AuditRecord.id < before)
    query = select(AuditRecord).where(*where).order_by(AuditRecord.id.desc()).limit(size)
    return list(await session.scalars(query))


ROWS = select(AuditRecord.id, AuditRecord.at, AuditRecord.actor, AuditRecord.partner_id,
              AuditRecord.action, AuditRecord.object, AuditRecord.client,
              AuditRecord.request_id, AuditRecord.entry_hash, AuditRecord.leaf_index)
"""Every stored column of an entry, for ``custody verify`` (id first: the keyset key)."""


async def leaf_hashes(session: AsyncSession, indexes: Sequence[int]) -> dict[int, str]:
    """The event hash each of the leaves ``indexes`` records."""
    query = select(LedgerLeaf.leaf_index, LedgerLeaf.event_hash)
    rows = await select_in(session, query, LedgerLeaf.leaf_index, list(indexes))
    return {row[0]: row[1] for row in rows}


async def audit_leaves(session: AsyncSession, suffix: str) -> int:
    """How many leaves of the log record an audit entry."""
    query = select(func.count()).where(LedgerLeaf.event_hash.endswith(suffix, autoescape=True))
    return (await session.scalar(query.select_from(LedgerLeaf))) or 0
