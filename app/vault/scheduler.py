"""The vault's retention job on a timer: ``custody serve`` and ``custody worker`` run it every
``CUSTODY_VAULT_RETENTION_INTERVAL_SECONDS`` (first at start). Several processes may run it:
shredding a case locks its key row, and a key already shredded is left alone."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.vault.service import run_retention

log = structlog.get_logger("custody.vault")


async def run(sessions: async_sessionmaker[AsyncSession], seconds: float) -> None:
    """Loop forever; errors are logged (never with patient data) and retried next time."""
    while True:
        try:
            async with sessions() as session, session.begin():
                await run_retention(session, "retention")
        except Exception:  # keep serving; the next run tries again
            log.exception("vault retention failed")
        await asyncio.sleep(seconds)


def start(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> asyncio.Task | None:
    seconds = settings.vault_retention_interval_seconds
    return asyncio.create_task(run(sessions, seconds)) if seconds else None


async def stop(task: asyncio.Task | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
