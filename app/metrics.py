"""Prometheus metrics of the capture queue and the ledger (request metrics: app.middleware).

Counters and durations count what this process did (the worker embedded in ``custody
serve``); gauges are read from the database at each scrape, so they hold whichever
processes do the work.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest import repository as jobs
from app.ledger import repository as ledger
from app.models import JobStatus
from app.models.base import utcnow

CAPTURE_JOBS = Gauge("custody_capture_jobs", "Capture jobs by status", ["status"])
JOB_SECONDS = Histogram(
    "custody_capture_job_seconds", "Capture job processing time by outcome", ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
EVENTS_APPENDED = Counter("custody_events_appended_total", "EPCIS events stored by capture jobs")
LEAVES_APPENDED = Counter("custody_ledger_leaves_appended_total", "Leaves appended to the log")
TREE_SIZE = Gauge("custody_ledger_tree_size", "Leaves in the log")
SIGNED_SIZE = Gauge("custody_ledger_checkpoint_tree_size", "Tree size of the latest checkpoint")
CHECKPOINT_AGE = Gauge(
    "custody_ledger_seconds_since_checkpoint", "Seconds since the latest checkpoint was signed "
    "(-1: none yet)"
)


async def refresh(session: AsyncSession) -> None:
    """Read the gauges from the database."""
    counts = await jobs.jobs_by_status(session)
    for status in JobStatus:
        CAPTURE_JOBS.labels(status.value).set(counts.get(status.value, 0))
    TREE_SIZE.set((await ledger.read_state(session)).size)
    latest = await ledger.latest_checkpoint(session)
    SIGNED_SIZE.set(latest.tree_size if latest else 0)
    CHECKPOINT_AGE.set((utcnow() - latest.created_at).total_seconds() if latest else -1)


def job_done(outcome: str, seconds: float, events: int) -> None:
    """Count one processed capture job."""
    JOB_SECONDS.labels(outcome).observe(seconds)
    EVENTS_APPENDED.inc(events)
    LEAVES_APPENDED.inc(events)
