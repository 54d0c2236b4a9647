"""SQL for API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey


async def key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    """The key whose lookup prefix is ``prefix``, revoked or not."""
    return await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
