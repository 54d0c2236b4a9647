"""The capture-job queue: claim, process, retry. PostgreSQL is the queue.

A job is claimed in a short transaction (``pending`` -> ``running``, attempts + 1) and
processed in a second one that locks the job row for its whole duration, so a running
job is skipped by every other worker (``FOR UPDATE SKIP LOCKED``). Effects and the final
status commit together: a worker that dies mid-job leaves nothing applied, and the job,
still ``running`` but no longer locked, is claimed again once its lease has passed. A job
that raises unexpectedly goes back to ``pending`` until it has failed ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from datetime import timedelta
from functools import partial

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.background import Loop
from app.bulk import paused_gc
from app.capture.repository import get_job
from app.coldchain import service as coldchain
from app.config import Settings
from app.db import is_unreachable
from app.dialect import write_lock
from app.ingest import repository
from app.ingest.errors import JobCrashed
from app.ingest.service import (
    EVENT_LIMIT,
    Prepared,
    Progress,
    Refused,
    finish,
    prepare_job,
    run_job,
)
from app.ledger.scheduler import Signer
from app.models import CaptureJob, JobStatus
from app.models.base import utcnow

LEASE = timedelta(minutes=5)  # default of CUSTODY_JOB_LEASE_SECONDS
MAX_ATTEMPTS = 3
log = structlog.get_logger("custody.worker")


async def has_work(session: AsyncSession, job_id: str | None = None,
                   lease: timedelta = LEASE) -> bool:
    """A read-only look at the queue (idle polling never takes SQLite's write lock)."""
    return await repository.has_waiting(session, job_id, utcnow() - lease)


async def claim(session: AsyncSession, job_id: str | None = None,
                lease: timedelta = LEASE) -> tuple[str, int] | None:
    """Mark the oldest waiting job (or ``job_id``) running; return (id, attempt) or None."""
    await write_lock(session)
    job = await repository.next_waiting(session, job_id, utcnow() - lease)
    if job is None:
        return None
    job.status, job.attempts, job.started_at = JobStatus.RUNNING, job.attempts + 1, utcnow()
    await session.flush()
    return job.id, job.attempts


async def process(session: AsyncSession, job_id: str, attempt: int,
                  progress: Progress | None = None,
                  prepared: Prepared | Refused | None = None) -> CaptureJob | None:
    """Run a claimed job if this worker still owns that attempt (``prepared``: parsed already)."""
    await write_lock(session)
    # Wait for the row lock (never skip): another worker's claim may be looking at this row.
    job = await repository.running_job(session, job_id, attempt)
    if job is None:
        return None
    await run_job(session, job, progress, prepared)
    await session.flush()
    return job


async def run_once(sessions: async_sessionmaker[AsyncSession], job_id: str | None = None,
                   progress: Progress | None = None, lease: timedelta = LEASE,
                   event_limit: int = EVENT_LIMIT, signer: Signer | None = None,
                   operator_gln: str | None = None) -> CaptureJob | None:
    """Claim and process one job; None when there was nothing to do.

    A document with more than ``event_limit`` events fails its job without being run. Each
    job is logged in one line (id, partner, events, outcome, duration: never its content);
    with a ``signer``, a job that stored events is followed by a checkpoint when one is due.
    """
    async with sessions() as session:
        if not await has_work(session, job_id, lease):
            return None
    async with sessions() as session, session.begin():
        claimed = await claim(session, job_id, lease)
    if claimed is None:
        return None
    started = time.perf_counter()
    job, stored = await _run_claimed(sessions, claimed, progress, event_limit, operator_gln)
    seconds = time.perf_counter() - started
    outcome = "lost" if job is None else "retry" if job.status is JobStatus.PENDING else job.status
    metrics.job_done(str(outcome), seconds, stored)
    log.info("capture job", job_id=claimed[0], attempt=claimed[1],
             partner_id=job.partner_id if job else None, events=job.event_count if job else None,
             stored=stored, outcome=str(outcome), seconds=round(seconds, 3))
    if signer is not None and stored:
        try:
            await signer.sign_if_due(sessions)
        except Exception:  # the job is done; the server's timer signs later
            log.exception("checkpoint signing failed")
    return job


async def _run_claimed(sessions: async_sessionmaker[AsyncSession], claimed: tuple[str, int],
                       progress: Progress | None, event_limit: int,
                       operator_gln: str | None = None) -> tuple[CaptureJob | None, int]:
    """Process a claimed job; return it (None: another worker took it over) and how many
    events it stored. Sensor readings it stored are acted on in the same transaction (an
    excursion opens its investigation, quarantining what the operator holds)."""
    try:
        with paused_gc():
            async with sessions() as session:  # parse before taking any write lock
                prepared = await prepare_job(session, claimed[0], event_limit)
            async with sessions() as session, session.begin():
                job = await process(session, *claimed, progress, prepared)
                done = job is not None and job.status is JobStatus.SUCCEEDED
                if done and isinstance(prepared, Prepared):
                    await coldchain.events_arrived(session, [
                        h for h, e in zip(prepared.hashes, prepared.events, strict=True)
                        if e.sensor_elements], f"capture job {claimed[0]}", operator_gln)
                stored = (await repository.events_stored(session, job.document_id)
                          if job is not None and done else 0)
                return job, stored
    except Exception:
        log.exception("capture job crashed", job_id=claimed[0], attempt=claimed[1])
        async with sessions() as session, session.begin():
            await write_lock(session)
            job = await get_job(session, claimed[0])
            if job is not None and job.attempts == claimed[1]:
                if job.attempts >= MAX_ATTEMPTS:
                    finish(job, JobStatus.FAILED, job.event_count, [JobCrashed(job.attempts)])
                else:
                    job.status = JobStatus.PENDING
            return job, 0


async def work(sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event,
               poll_seconds: float = 1.0, lease: timedelta = LEASE,
               event_limit: int = EVENT_LIMIT, signer: Signer | None = None,
               operator_gln: str | None = None) -> None:
    """Process jobs until ``stop`` is set, sleeping ``poll_seconds`` when the queue is empty.

    A database that cannot be reached is logged once, in one line, and again when it is back;
    the loop keeps polling meanwhile.
    """
    unreachable = False
    while not stop.is_set():
        try:
            done = await run_once(sessions, lease=lease, event_limit=event_limit, signer=signer,
                                  operator_gln=operator_gln)
        except DBAPIError as exc:
            done = None
            if not is_unreachable(exc):
                log.exception("worker loop error")
            elif not unreachable:
                unreachable = True
                reason = str(exc.orig or exc).strip().splitlines()[0]
                log.warning("database unreachable; the worker keeps trying", reason=reason)
        except Exception:
            log.exception("worker loop error")
            done = None
        else:
            if unreachable:
                unreachable = False
                log.info("database reachable again")
        if done is None:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)


def loop(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Loop:
    """The worker beside the API (``custody serve``: embedded mode)."""
    return Loop(partial(work, sessions, lease=timedelta(seconds=settings.job_lease_seconds),
                        event_limit=settings.capture_event_limit, signer=Signer.load(settings),
                        operator_gln=settings.operator_gln))
