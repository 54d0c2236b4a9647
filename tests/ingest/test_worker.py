"""The job queue: a crashed job is retried and applied once; errors retry then fail."""

import gc
import json
from datetime import timedelta

import pytest

from app.capture.service import capture
from app.ingest import worker
from app.logging import configure_logging
from app.models import CaptureJob
from app.models.base import utcnow
from tests.ingest.chain import commission, document, sgtin
from tests.partners.helpers import chain_partners, event_leaves


async def test_a_crashed_job_is_retried_after_its_lease_and_applied_once(session, sessions):
    p = await chain_partners(session)
    made = await capture(session, document(commission([sgtin(1), sgtin(2)])), None, p["mfg"][0])
    await session.commit()
    async with sessions() as s, s.begin():  # a worker claims the job, then dies
        assert await worker.claim(s) == (made.job.id, 1)
    assert await worker.run_once(sessions) is None  # still leased: nobody else takes it
    async with sessions() as s, s.begin():
        job = await s.get(CaptureJob, made.job.id)
        job.started_at = utcnow() - worker.LEASE - timedelta(seconds=1)
    done = await worker.run_once(sessions)
    assert (done.status, done.attempts, done.event_count) == ("succeeded", 2, 1)
    assert await worker.run_once(sessions) is None
    assert await event_leaves(session) == 1


async def test_a_stale_attempt_cannot_process(session, sessions):
    p = await chain_partners(session)
    made = await capture(session, document(commission([sgtin(1)])), None, p["mfg"][0])
    await session.commit()
    async with sessions() as s, s.begin():
        await worker.claim(s)
    async with sessions() as s, s.begin():
        assert await worker.process(s, made.job.id, attempt=2) is None


async def test_unexpected_errors_retry_then_fail(session, sessions):
    # A job without a partner (only possible below the HTTP layer) crashes the runner.
    made = await capture(session, document(commission([sgtin(1)])), None, None)
    await session.commit()
    statuses = [(await worker.run_once(sessions)).status for _ in range(worker.MAX_ATTEMPTS)]
    assert statuses == ["pending", "pending", "failed"]
    job = await session.get(CaptureJob, made.job.id, populate_existing=True)
    assert job.errors == [{"type": "https://custody.dev/problems/internal-error",
                           "title": "Internal error", "reason": "INTERNAL_ERROR",
                           "detail": "processing failed 3 times; see the logs"}]


async def test_a_job_runs_without_the_cyclic_gc_which_is_then_restored(session, sessions, monkeypatch):
    p = await chain_partners(session)
    seen = []

    async def run_job(*args):
        seen.append(gc.isenabled())
        return await real(*args)

    real = worker.run_job
    monkeypatch.setattr(worker, "run_job", run_job)
    try:
        for body in (document(commission([sgtin(1)])), document(commission([sgtin(2)]))):
            await capture(session, body, None, p["mfg"][0])
            await session.commit()
            before = gc.isenabled()
            assert (await worker.run_once(sessions)).status == "succeeded"
            assert gc.isenabled() is before
            gc.disable()  # a process that turned it off keeps it off
    finally:
        gc.enable()
    assert seen == [False, False]


@pytest.mark.parametrize("json_logs", [True, False], ids=["json", "console"])
async def test_a_crashed_job_logs_frames_but_not_their_locals(session, sessions, capsys,
                                                              root_handlers, json_logs):
    # A partnerless job crashes the runner with the whole parsed document in its frames.
    body = document(commission([sgtin(n) for n in range(20_000)]))
    await capture(session, body, None, None)
    await session.commit()
    capsys.readouterr()
    configure_logging(json=json_logs)
    assert (await worker.run_once(sessions)).status == "pending"
    logged = capsys.readouterr().err
    if json_logs:
        [record, line] = map(json.loads, logged.splitlines())
        assert (line["event"], line["outcome"]) == ("capture job", "retry")
        [error] = record["exception"]
        assert record["event"] == "capture job crashed"
        assert error["exc_type"] == "RuntimeError"
        assert error["exc_value"].endswith("has no submitting partner")
        assert {"_run_claimed", "run_job"} <= {frame["name"] for frame in error["frames"]}
        assert all(frame.keys() == {"filename", "lineno", "name"} for frame in error["frames"])
    else:
        assert "capture job crashed" in logged
        assert 'ingest/service.py", line' in logged and ", in run_job" in logged
        assert "RuntimeError: capture job" in logged
    assert "urn:epc:id:sgtin:" not in logged
    assert len(body) > 500_000 and len(logged) < 5_000


async def test_an_unreachable_database_is_logged_once_not_every_poll(capsys, root_handlers):
    """The worker outlives a database outage without a traceback a second."""
    import asyncio

    from app.db import create_engine, session_factory
    from tests.process import free_port

    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/custody")
    stop = asyncio.Event()
    configure_logging(json=True)
    capsys.readouterr()
    task = asyncio.create_task(worker.work(session_factory(engine), stop, poll_seconds=0.02))
    await asyncio.sleep(0.5)  # many polls
    stop.set()
    await task
    await engine.dispose()
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(r["level"], r["event"]) for r in records] == [
        ("warning", "database unreachable; the worker keeps trying")]
    assert "exception" not in records[0] and "connection" in records[0]["reason"].lower()
