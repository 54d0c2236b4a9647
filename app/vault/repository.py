"""SQL for the vault: keys, sealed records, the access log and retention policies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dialect import for_update
from app.models import Case, CaseStatus, RetentionPolicy, VaultAccess, VaultKey, VaultRecord


async def key_of(session: AsyncSession, case_id: int, *, lock: bool = False) -> VaultKey | None:
    query = select(VaultKey).where(VaultKey.case_id == case_id)
    return await session.scalar(for_update(session, query) if lock else query)


async def records(session: AsyncSession, case_id: int) -> Sequence[VaultRecord]:
    return (await session.scalars(
        select(VaultRecord).where(VaultRecord.case_id == case_id).order_by(VaultRecord.id))).all()


async def record(session: AsyncSession, case_id: int, record_id: int) -> VaultRecord | None:
    return await session.scalar(select(VaultRecord).where(
        VaultRecord.case_id == case_id, VaultRecord.id == record_id))


async def live_keys(session: AsyncSession) -> Sequence[tuple[VaultKey, str]]:
    """Every unshredded key with its case reference, locked for re-wrapping."""
    keys = (await session.scalars(for_update(session, select(VaultKey).where(
        VaultKey.shredded_at.is_(None)).order_by(VaultKey.case_id)))).all()
    refs = dict((await session.execute(select(Case.id, Case.ref).where(
        Case.id.in_([k.case_id for k in keys])))).tuples().all()) if keys else {}
    return [(k, refs[k.case_id]) for k in keys]


async def access_log(session: AsyncSession, case_id: int) -> Sequence[VaultAccess]:
    return (await session.scalars(
        select(VaultAccess).where(VaultAccess.case_id == case_id).order_by(VaultAccess.id))).all()


async def policies(session: AsyncSession) -> Sequence[RetentionPolicy]:
    return (await session.scalars(select(RetentionPolicy).order_by(RetentionPolicy.country))).all()


async def ended_with_live_keys(session: AsyncSession) -> Sequence[tuple[Case, datetime]]:
    """Closed or cancelled cases whose data key still exists, with when they ended."""
    rows = await session.execute(
        select(Case, Case.status_at).join(VaultKey, VaultKey.case_id == Case.id)
        .where(Case.status.in_((CaseStatus.CLOSED, CaseStatus.CANCELLED)),
               VaultKey.shredded_at.is_(None)).order_by(Case.id))
    return [(c, at) for c, at in rows.all()]
