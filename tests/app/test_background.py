"""The loops beside the API: started in order, stopped last first; a timer logs a failed run
and runs again; a worker finishes its turn, a timer is cancelled."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.background import Loop, running, timer


async def test_loops_stop_last_first_a_worker_finishing_its_turn():
    seen: list[str] = []

    def worker(name: str) -> Loop:
        async def run(stop: asyncio.Event) -> None:
            seen.append(f"{name} started")
            await stop.wait()
            await asyncio.sleep(0.01)  # a turn in progress is finished, not cancelled
            seen.append(f"{name} stopped")
        return Loop(run)

    async with running([worker("checkpoints"), None, worker("capture")]):
        await asyncio.sleep(0.01)
        assert seen == ["checkpoints started", "capture started"]
    assert seen[2:] == ["capture stopped", "checkpoints stopped"]


async def test_a_timer_logs_a_failed_run_tries_again_and_is_cancelled(caplog):
    runs: list[int] = []

    async def step() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("database gone")

    log = logging.getLogger("custody.test.timer")
    with caplog.at_level(logging.ERROR, logger=log.name):
        async with running([timer(0.01, step, log, "test step failed")]):
            while len(runs) < 3:
                await asyncio.sleep(0.01)
    count = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == count  # cancelled: no run after the block
    [failed] = caplog.records
    assert failed.getMessage() == "test step failed" and "database gone" in failed.exc_text


async def test_a_loop_that_fails_to_start_stops_those_started():
    stopped = asyncio.Event()

    async def first(stop: asyncio.Event) -> None:
        await stop.wait()
        stopped.set()

    def broken() -> Loop:
        raise RuntimeError("no key")

    with pytest.raises(RuntimeError, match="no key"):
        async with running(x() for x in (lambda: Loop(first), broken)):
            pass
    assert stopped.is_set()
