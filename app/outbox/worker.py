"""The outbox worker: push due documents to partners' capture URLs, one at a time.

``custody outbox run`` (or ``custody serve``'s embedded task) loops over :func:`run_once`.
State lives in ``outbox_messages`` only, so a restarted worker carries on where the last
one stopped.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.background import Loop
from app.config import Settings
from app.errors import ValidationFailed
from app.outbox import service
from app.outbox.urls import check_capture_url

log = structlog.get_logger("custody.outbox")


@dataclass(frozen=True)
class Policy:
    """How the worker pushes: request timeout, lease (longer than a request), backoff."""

    timeout: float = 30.0
    max_attempts: int = service.MAX_ATTEMPTS
    backoff: timedelta = service.BACKOFF
    allow_http_loopback: bool = False

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=2 * self.timeout + 5)

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(settings.outbox_timeout_seconds, settings.outbox_max_attempts,
                   timedelta(seconds=settings.outbox_backoff_seconds),
                   settings.outbox_allow_http_loopback)


async def push(claimed: service.Claimed, policy: Policy,
               client: httpx.AsyncClient) -> tuple[str | None, str | None, bool]:
    """POST the document; (receipt, error, permanent). A 2xx's ``Location`` is the receipt."""
    if not claimed.url:
        return None, "the partner has no capture_url any more", True
    try:
        check_capture_url(claimed.url, policy.allow_http_loopback)
    except ValidationFailed as exc:
        return None, str(exc), True
    headers = {"Content-Type": claimed.media_type, "Idempotency-Key": claimed.document_key}
    if claimed.token:
        headers["Authorization"] = f"Bearer {claimed.token}"
    try:
        answer = await client.post(claimed.url, content=claimed.body, headers=headers,
                                   timeout=policy.timeout)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000] or type(exc).__name__, False
    if answer.is_success:
        return answer.headers.get("location") or f"HTTP {answer.status_code}", None, False
    detail = answer.text[:500].replace("\n", " ")
    return (None, f"HTTP {answer.status_code}: {detail}",
            answer.status_code in service.PERMANENT)


async def run_once(sessions: async_sessionmaker[AsyncSession], policy: Policy,
                   client: httpx.AsyncClient) -> bool:
    """Push one due message; False when nothing was due."""
    async with sessions() as session, session.begin():
        claimed = await service.claim(session, policy.lease)
    if claimed is None:
        return False
    receipt, error, permanent = await push(claimed, policy, client)
    async with sessions() as session, session.begin():
        kept = await service.record(session, claimed, receipt=receipt, error=error,
                                    permanent=permanent, max_attempts=policy.max_attempts,
                                    base=policy.backoff)
    log.info("outbox push", message_id=claimed.id, attempt=claimed.attempt,
             outcome="lost" if not kept else "delivered" if error is None else
             "failed" if permanent else "retry", error=error)
    return True


async def work(sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event,
               policy: Policy, poll_seconds: float = 1.0) -> None:
    """Push due messages until ``stop`` is set."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        while not stop.is_set():
            try:
                done = await run_once(sessions, policy, client)
            except Exception:
                log.exception("outbox loop error")
                done = False
            if not done:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_seconds)


def loop(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Loop:
    """The pusher beside the API (``custody serve``: embedded mode)."""
    return Loop(partial(work, sessions, policy=Policy.of(settings)))
