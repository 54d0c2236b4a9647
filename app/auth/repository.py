"""SQL for API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey


async def key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    """The key whose lookup prefix is ``prefix``, revoked or not."""
    return await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


async def keys_of_staff(session: AsyncSession, staff_id: int) -> Sequence[ApiKey]:
    """A staff member's personal keys, newest first, revoked ones too."""
    query = select(ApiKey).where(ApiKey.staff_id == staff_id).order_by(ApiKey.id.desc())
    return (await session.scalars(query)).all()
