"""``custody ingest FILE --partner ID`` and ``custody worker``."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import timedelta
from pathlib import Path

import typer

from app.commands._runtime import run
from app.config import load_settings
from app.logging import configure_logging, quieted


def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="EPCIS document."),
    partner: int = typer.Option(..., "--partner", help="Submitting partner id."),
    behaviour: str | None = typer.Option(
        None, "--behaviour", help="rollback or proceed (default: the partner's policy)."
    ),
) -> None:
    """Capture FILE for a partner and process it now, through the same pipeline as the API."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    with quieted("custody.worker"):  # the job's line is printed below
        job = run(settings, _ingest, file, partner, behaviour, sys.stderr.isatty(),
                  settings.capture_event_limit, settings.operator_gln)
    typer.echo(f"job {job.id}: {job.status}, {job.event_count or 0} events, "
               f"{len(job.errors or [])} errors")
    for error in job.errors or []:
        typer.echo(json.dumps(error), err=True)
    raise typer.Exit(0 if job.status == "succeeded" else 1)


async def _ingest(sessions, file: Path, partner: int, behaviour: str | None, bar: bool,
                  event_limit: int, operator_gln: str | None):
    from rich.progress import Progress

    from app.capture.service import capture
    from app.ingest.worker import run_once
    from app.models import CaptureJob
    from app.partners.service import get_partner

    async with sessions() as session, session.begin():
        await get_partner(session, partner)  # no such partner: one line, nothing stored
        made = await capture(session, file.read_bytes(), None, partner, behaviour)
        job_id = made.job.id
    with Progress(transient=True, disable=not bar) as progress:
        task = progress.add_task(f"ingesting {file.name}", total=None)
        done = await run_once(sessions, job_id,
                              lambda n, total: progress.update(task, completed=n, total=total),
                              event_limit=event_limit, operator_gln=operator_gln)
    if done is None:  # already processed (same bytes ingested before)
        async with sessions() as session:
            done = await session.get(CaptureJob, job_id)
    return done


def worker(
    poll: float = typer.Option(1.0, "--poll", help="Seconds to wait when the queue is empty."),
) -> None:
    """Process capture jobs and push the outbox until interrupted (run as many as you like:
    PostgreSQL is the queue)."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    lease = timedelta(seconds=settings.job_lease_seconds)
    run(settings, _work, poll, lease, settings)


async def _work(sessions, poll: float, lease: timedelta, settings) -> None:
    from app.ingest.worker import work
    from app.ledger.scheduler import Signer

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from app.background import running
    from app.outbox.worker import Policy
    from app.outbox.worker import work as push
    from app.vault import scheduler as retention

    typer.echo("custody worker: processing capture jobs and pushing the outbox (Ctrl-C to stop)",
               err=True)
    async with running([retention.loop(sessions, settings)]):  # the vault's job, as serve runs it
        await asyncio.gather(
            work(sessions, stop, poll, lease, settings.capture_event_limit, Signer.load(settings),
                 settings.operator_gln),
            push(sessions, stop, Policy.of(settings), poll))
