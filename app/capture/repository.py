"""SQL for raw EPCIS documents and their capture jobs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CaptureJob, RawDocument


async def document_by_hash(
    session: AsyncSession, partner_id: int | None, digest: str
) -> RawDocument | None:
    """The document ``partner_id`` sent whose SHA-256 is ``digest``."""
    return await session.scalar(select(RawDocument).where(
        RawDocument.partner_id == partner_id, RawDocument.content_hash == digest))


async def job_of(session: AsyncSession, document_id: int) -> CaptureJob | None:
    """The capture job of a stored document."""
    return await session.scalar(select(CaptureJob).where(CaptureJob.document_id == document_id))


async def get_job(session: AsyncSession, job_id: str) -> CaptureJob | None:
    return await session.get(CaptureJob, job_id)


async def list_jobs(
    session: AsyncSession, limit: int, partner_id: int | None, everything: bool
) -> list[CaptureJob]:
    """Newest first: ``partner_id``'s jobs, or every partner's when ``everything``."""
    query = select(CaptureJob).order_by(CaptureJob.created_at.desc(), CaptureJob.id).limit(limit)
    if not everything:
        query = query.where(CaptureJob.partner_id == partner_id)
    return list(await session.scalars(query))
