"""Sign a checkpoint periodically while the server runs (``CUSTODY_CHECKPOINT_INTERVAL_SECONDS``)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.ledger import anchor, keys, repository, service

log = structlog.get_logger("custody.checkpoints")


async def sign_if_grown(
    sessions: async_sessionmaker[AsyncSession], signer: str, origin: str, key_dir: Path
) -> bool:
    """Sign a checkpoint when the log has grown since the last one; True if one was signed.

    Once committed, the note is also kept beside the key (:func:`anchor.remember`).
    """
    async with sessions() as session, session.begin():
        latest = await repository.latest_checkpoint(session)
        size = await service.current_size(session)
        if size == 0 or (latest is not None and latest.tree_size == size):
            return False
        note = await service.sign_checkpoint(session, signer, origin)
    anchor.remember(key_dir, note)
    log.info("checkpoint signed", tree_size=size)
    return True


async def run(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Loop forever; errors are logged and retried at the next tick."""
    signer = keys.load_signer(settings.key_dir)
    while True:
        await asyncio.sleep(settings.checkpoint_interval_seconds)
        try:
            await sign_if_grown(sessions, signer, settings.log_origin, settings.key_dir)
        except Exception:  # keep serving; the next tick tries again
            log.exception("checkpoint signing failed")


def start(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> asyncio.Task | None:
    """Start the loop when an interval is set and a signing key exists, else do nothing."""
    if not settings.checkpoint_interval_seconds:
        return None
    if not (settings.key_dir / keys.SIGNER_FILE).exists():
        log.warning(
            "no checkpoint key; periodic checkpoints are off", key_dir=str(settings.key_dir)
        )
        return None
    return asyncio.create_task(run(sessions, settings))


async def stop(task: asyncio.Task | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
