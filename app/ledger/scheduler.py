"""Sign checkpoints while the log grows, at most every ``CUSTODY_CHECKPOINT_INTERVAL_SECONDS``.

Whoever holds the signing key signs: ``custody serve`` on a timer, and each capture worker
after each job. Each signs only when the log has grown since the latest checkpoint and the
interval has passed since it was signed, so a leaf is in a signed tree within about the
interval (docs/decisions: signed proofs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.background import Loop, timer
from app.config import Settings
from app.ledger import anchor, keys, service

log = structlog.get_logger("custody.checkpoints")
TICK_SECONDS = 5.0  # the timer looks this often (or each interval, if shorter)


@dataclass(frozen=True)
class Signer:
    """A checkpoint signing key with its log origin and rate limit."""

    key: str
    origin: str
    interval: timedelta
    key_dir: Path

    @classmethod
    def load(cls, settings: Settings) -> Signer | None:
        """The signer of ``settings``; None when automatic checkpoints are off or no key exists."""
        if not settings.checkpoint_interval_seconds:
            return None
        if not (settings.key_dir / keys.SIGNER_FILE).exists():
            log.warning("no checkpoint key; this process signs no checkpoints",
                        key_dir=str(settings.key_dir))
            return None
        return cls(keys.load_signer(settings.key_dir), settings.log_origin,
                   timedelta(seconds=settings.checkpoint_interval_seconds), settings.key_dir)

    async def sign_if_due(self, sessions: async_sessionmaker[AsyncSession]) -> bool:
        """Sign a checkpoint if the log has grown and the interval has passed; True if signed.

        Once committed, the note is also kept beside the key (:func:`anchor.remember`).
        """
        async with sessions() as session, session.begin():
            signed = await service.sign_if_due(session, self.key, self.origin, self.interval)
        if signed is None:
            return False
        anchor.remember(self.key_dir, signed.note)
        log.info("checkpoint signed", tree_size=signed.tree_size)
        return True


def loop(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Loop | None:
    """The signing timer when an interval is set and a signing key exists, else None."""
    signer = Signer.load(settings)
    if signer is None:
        return None
    return timer(min(TICK_SECONDS, signer.interval.total_seconds()),
                 lambda: signer.sign_if_due(sessions), log, "checkpoint signing failed")
