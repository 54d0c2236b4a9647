"""SQL for cases, their history and their shipment links."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dialect import for_update
from app.models import Case, CaseHistory, CaseLink, CaseStatus, TradingPartner, Unit


async def by_ref(session: AsyncSession, ref: str, *, lock: bool = False) -> Case | None:
    query = select(Case).where(Case.ref == ref)
    return await session.scalar(for_update(session, query) if lock else query)


async def list_cases(session: AsyncSession, status: CaseStatus | None, limit: int) -> Sequence[Case]:
    query = select(Case).order_by(Case.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Case.status == status)
    return (await session.scalars(query)).all()


async def history(session: AsyncSession, case_id: int) -> Sequence[CaseHistory]:
    return (await session.scalars(
        select(CaseHistory).where(CaseHistory.case_id == case_id).order_by(CaseHistory.id))).all()


async def links(session: AsyncSession, case_id: int) -> Sequence[CaseLink]:
    return (await session.scalars(
        select(CaseLink).where(CaseLink.case_id == case_id).order_by(CaseLink.id))).all()


async def linked_quantity(session: AsyncSession, case_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(CaseLink.quantity), 0)).where(CaseLink.case_id == case_id))
    return int(total or 0)


async def linked_identifiers(session: AsyncSession) -> dict[str, str]:
    """Every identifier linked to a case -> that case's reference."""
    rows = await session.execute(select(CaseLink.identifiers, Case.ref).join(Case))
    return {ident: ref for idents, ref in rows for ident in idents}


async def refs_by_identifier(session: AsyncSession) -> dict[str, list[str]]:
    """Every identifier linked to a case -> the references of the cases it was linked to."""
    found: dict[str, list[str]] = {}
    for idents, ref in await session.execute(select(CaseLink.identifiers, Case.ref).join(Case)
                                             .order_by(CaseLink.id)):
        for ident in idents:
            found.setdefault(ident, []).append(ref)
    return found


async def partner_name(session: AsyncSession, partner_id: int) -> str | None:
    return await session.scalar(
        select(TradingPartner.legal_name).where(TradingPartner.id == partner_id))


async def contents(session: AsyncSession, parent_ids: Sequence[int]) -> Sequence[Unit]:
    return (await session.scalars(select(Unit).where(Unit.parent_id.in_(parent_ids)))).all()
