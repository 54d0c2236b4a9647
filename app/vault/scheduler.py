"""The vault's retention job on a timer: ``custody serve`` and ``custody worker`` run it every
``CUSTODY_VAULT_RETENTION_INTERVAL_SECONDS`` (first at start). Several processes may run it:
shredding a case locks its key row, and a key already shredded is left alone."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.background import Loop, timer
from app.config import Settings
from app.vault.service import run_retention

log = structlog.get_logger("custody.vault")


async def _retain(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await run_retention(session, "retention")


def loop(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Loop | None:
    """The retention timer (errors are logged, never with patient data); None when off."""
    seconds = settings.vault_retention_interval_seconds
    return timer(seconds, lambda: _retain(sessions), log, "vault retention failed") if seconds else None
