"""``custody outbox list|run|retry``: documents pushed to partners' capture URLs."""

from __future__ import annotations

import asyncio
import signal

import typer

from app.commands._runtime import run, run_in_transaction
from app.config import load_settings

app = typer.Typer(help="The outbox: EPCIS documents pushed to partners' capture URLs.",
                  no_args_is_help=True)


@app.command("list")
def list_(status: str | None = typer.Option(None, "--status",
                                            help="pending, sending, delivered or failed.")) -> None:
    """One line per message: id, status, attempts, partner, reference, last error."""
    from app.outbox import service

    async def work(session):
        return [(m.id, str(m.status), m.attempts, name, m.reference, m.last_error or "")
                for m, name in await service.list_messages(session, status)]

    for row in run_in_transaction(load_settings(), work):
        typer.echo("\t".join(str(x) for x in row))


@app.command("retry")
def retry(message_id: int = typer.Argument(..., help="Outbox message id.")) -> None:
    """Push a failed message again now (a fresh set of attempts)."""
    from app.outbox import service

    async def work(session):
        message, _ = await service.retry(session, message_id)
        return message.id

    typer.echo(f"outbox message {run_in_transaction(load_settings(), work)} queued again")


@app.command("run")
def run_(poll: float = typer.Option(1.0, "--poll", help="Seconds to wait when nothing is due."),
         ) -> None:
    """Push due documents until interrupted (state is in the database: restart at will)."""
    from app.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    run(settings, _work, poll, settings)


async def _work(sessions, poll: float, settings) -> None:
    from app.outbox.worker import Policy, work

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    typer.echo("custody outbox run: pushing documents (Ctrl-C to stop)", err=True)
    await work(sessions, stop, Policy.of(settings), poll)
