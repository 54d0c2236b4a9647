"""Loops that run beside the API while it serves: the checkpoint signer and the vault's retention
timer always, the capture worker and the outbox pusher in embedded mode (``create_app``'s
lifespan runs them with :func:`running`; ``custody worker`` runs the retention timer too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import AsyncExitStack, asynccontextmanager, nullcontext, suppress
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Loop:
    """``run(stop)`` as a task: at shutdown ``stop`` is set and the task awaited, or, with
    ``cancel`` (a timer whose next run can be dropped), cancelled."""

    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
    cancel: bool = False


def timer(seconds: float, step: Callable[[], Awaitable[object]], log: Any, failure: str) -> Loop:
    """Call ``step`` now and then every ``seconds``; an error is logged as ``failure`` on
    ``log`` and the next run tries again. Cancelled at shutdown."""

    async def run(_stop: asyncio.Event) -> None:
        while True:
            try:
                await step()
            except Exception:  # keep serving; the next run tries again
                log.exception(failure)
            await asyncio.sleep(seconds)

    return Loop(run, cancel=True)


@asynccontextmanager
async def running(loops: Iterable[Loop | None]) -> AsyncIterator[None]:
    """Run each loop (None: switched off) as a task for the block; then stop them, the last
    started first."""
    async with AsyncExitStack() as stack:
        for loop in loops:
            if loop is not None:
                await stack.enter_async_context(_task(loop))
        yield


@asynccontextmanager
async def _task(loop: Loop) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        yield
    finally:
        stop.set()
        if loop.cancel:
            task.cancel()
        with suppress(asyncio.CancelledError) if loop.cancel else nullcontext():
            await task
