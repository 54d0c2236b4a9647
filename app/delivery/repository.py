"""SQL for confirmation links and follow-ups."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dialect import for_update
from app.models import Case, ConfirmationLink, FollowUp, PartnerGln


async def link(session: AsyncSession, link_id: int, *, lock: bool = False) -> ConfirmationLink | None:
    query = select(ConfirmationLink).where(ConfirmationLink.id == link_id)
    return await session.scalar(for_update(session, query) if lock else query)


async def links_of(session: AsyncSession, case_id: int) -> Sequence[ConfirmationLink]:
    return (await session.scalars(select(ConfirmationLink).where(
        ConfirmationLink.case_id == case_id).order_by(ConfirmationLink.id))).all()


async def follow_up_of(session: AsyncSession, case_id: int) -> FollowUp | None:
    return await session.scalar(select(FollowUp).where(FollowUp.case_id == case_id))


async def follow_up(session: AsyncSession, follow_up_id: int) -> tuple[FollowUp, str] | None:
    row = (await session.execute(select(FollowUp, Case.ref).join(Case, Case.id == FollowUp.case_id)
                                 .where(FollowUp.id == follow_up_id))).first()
    return (row[0], row[1]) if row else None


async def follow_ups(session: AsyncSession, status: str | None,
                     limit: int) -> Sequence[tuple[FollowUp, str]]:
    query = (select(FollowUp, Case.ref).join(Case, Case.id == FollowUp.case_id)
             .order_by(FollowUp.status.desc(), FollowUp.due_at).limit(limit))
    if status:
        query = query.where(FollowUp.status == status)
    return [(f, ref) for f, ref in (await session.execute(query)).all()]


async def gln_of(session: AsyncSession, partner_id: int) -> str | None:
    return await session.scalar(select(PartnerGln.gln).where(
        PartnerGln.partner_id == partner_id).order_by(PartnerGln.gln).limit(1))
