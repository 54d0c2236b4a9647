"""Kill the outbox worker after the receiver took the document but before the worker heard
back; a restarted worker sends the same bytes again and the receiver keeps one document."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
import uuid

import pytest
from sqlalchemy import select

from app.db import create_engine, session_factory
from app.migrate import upgrade
from app.models import OutboxMessage, OutboxStatus
from app.outbox import service
from tests.outbox.helpers import commissioning, jobs, receiver, swallowing_proxy
from tests.partners.helpers import make_partner
from tests.process import CUSTODY, ROOT, env

TIMEOUT = "3"  # seconds per push; the lease is 2 x 3 + 5 = 11 s


async def _seed(url: str, capture_url: str, key: str, body: bytes) -> int:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        partner = await make_partner(session, "Receiving Pharmacy", "0614141000005")
        partner.capture_url, partner.capture_token = capture_url, key
        message = await service.enqueue(session, partner.id, "restart:1", body,
                                        "application/ld+json", "restart test")
        await session.commit()
    await engine.dispose()
    return message.id


async def _message(url: str, message_id: int) -> OutboxMessage:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        message = (await session.execute(
            select(OutboxMessage).where(OutboxMessage.id == message_id))).scalar_one()
    await engine.dispose()
    return message


def _worker(url: str, *command: str) -> subprocess.Popen:
    return subprocess.Popen([*CUSTODY, *command, "--poll", "0.2"], cwd=ROOT,
                            env=env(CUSTODY_DATABASE_URL=url, CUSTODY_LOG_JSON="true",
                                    CUSTODY_OUTBOX_ALLOW_HTTP_LOOPBACK="true",
                                    CUSTODY_OUTBOX_TIMEOUT_SECONDS=TIMEOUT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_killed_mid_push_delivers_exactly_once(backend, empty_database, tmp_path):
    url = empty_database(backend)
    upgrade(url)
    body = commissioning(f"KILL{uuid.uuid4().hex[:8]}")
    with receiver(tmp_path) as (capture_url, key, admin), \
            swallowing_proxy(capture_url) as (proxy_url, forwarded):
        message_id = asyncio.run(_seed(url, proxy_url, key, body))
        before = len(jobs(capture_url, admin))
        worker = _worker(url, "outbox", "run")
        try:
            assert forwarded.wait(60), "the worker never pushed"
            worker.send_signal(signal.SIGKILL)  # the receiver has it; the worker never heard
            worker.wait(10)
        finally:
            worker.kill()
        leased = asyncio.run(_message(url, message_id))
        assert (leased.status, leased.attempts) == (OutboxStatus.SENDING, 1)
        assert len(jobs(capture_url, admin)) == before + 1
        # Restarted (as `custody worker`, which pushes too): takes the message over once the
        # lease has passed.
        worker = _worker(url, "worker")
        try:
            deadline = time.monotonic() + 60
            while (done := asyncio.run(_message(url, message_id))).status != "delivered":
                assert time.monotonic() < deadline, f"not delivered: {done.last_error}"
                time.sleep(0.5)
        finally:
            worker.terminate()
            worker.wait(10)
        listed = jobs(capture_url, admin)
    assert done.attempts == 2
    assert len(listed) == before + 1  # one document, one capture job, though sent twice
    assert done.receipt == f"/capture/{listed[0]['captureID']}"
