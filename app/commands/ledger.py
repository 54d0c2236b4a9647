"""``custody checkpoint`` and ``custody verify``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from app.commands._runtime import run, run_in_transaction
from app.config import Settings, load_settings


def checkpoint() -> None:
    """Sign the current tree head and store the checkpoint; print the signed note."""
    from app.ledger import anchor, keys, service

    settings = load_settings()
    signer = keys.load_signer(settings.key_dir)
    note = run_in_transaction(settings, service.sign_checkpoint, signer, settings.log_origin)
    anchor.remember(settings.key_dir, note)
    typer.echo(note, nl=False)


def verify(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    key: str | None = typer.Option(
        None, help="Verifier key (string or file); default CUSTODY_KEY_DIR/checkpoint.pub."
    ),
    pure_python: bool = typer.Option(
        False, "--pure-python", help="Check rows with the Python reference, not compiled code."
    ),
) -> None:
    """Recompute every hash in the ledger and every unit's state from its custody chain; exit 1
    naming the first row that does not match."""
    from app.ledger import anchor

    settings = load_settings()
    verifier = _verifier(settings, key)
    show_progress = not as_json and sys.stderr.isatty()
    compiled = False if pure_python else None
    latest = anchor.latest(settings.key_dir)
    report = run(settings, _verify, verifier, show_progress, compiled, latest, snapshot=True)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    elif report.ok:
        counts = ", ".join(f"{n} {table}" for table, n in report.counts.items())
        typer.echo(
            f"ledger verified: {counts}; tree size {report.tree_size}, root {report.root_hash}"
        )
    else:
        m = report.mismatch
        typer.echo(
            f"MISMATCH in {m.table} row {m.row}: {m.message}\n  expected: {m.expected}\n  found:    {m.found}"
        )
    raise typer.Exit(0 if report.ok else 1)


def _verifier(settings: Settings, key: str | None) -> str | None:
    from app.ledger import keys

    if key is None:
        path = settings.key_dir / keys.VERIFIER_FILE
        return path.read_text().strip() if path.exists() else None
    path = Path(key)
    return path.read_text().strip() if path.exists() else key


async def _verify(sessions, verifier: str | None, show_progress: bool, compiled: bool | None,
                  latest: str | None):
    from rich.progress import Progress, TaskID

    from app.ledger.verify import verify as verify_ledger

    async with sessions() as session:
        if not show_progress:
            return await verify_ledger(session, verifier, compiled=compiled, latest=latest)
        with Progress(transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def tick(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(f"verifying {stage}", total=total or 1)
                bar.update(tasks[stage], completed=done)

            return await verify_ledger(session, verifier, tick, compiled=compiled, latest=latest)
