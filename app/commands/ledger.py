"""``custody keys``, ``custody checkpoint`` and ``custody verify``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from app.config import Settings, load_settings

keys_app = typer.Typer(help="Checkpoint signing keys.", no_args_is_help=True)


@keys_app.command("generate")
def generate_keys(
    force: bool = typer.Option(False, "--force", help="Replace an existing key pair."),
) -> None:
    """Write an Ed25519 key pair to CUSTODY_KEY_DIR and print the public (verifier) key."""
    from app.ledger import keys

    settings = load_settings()
    verifier = keys.generate(settings.key_dir, settings.log_origin, force=force)
    typer.echo(
        f"private key written to {settings.key_dir / keys.SIGNER_FILE} (mode 0600)", err=True
    )
    typer.echo(verifier)


def checkpoint() -> None:
    """Sign the current tree head and store the checkpoint; print the signed note."""
    settings = load_settings()
    typer.echo(asyncio.run(_checkpoint(settings)), nl=False)


async def _checkpoint(settings: Settings) -> str:
    from app.db import create_engine, session_factory
    from app.ledger import keys, service

    signer = keys.load_signer(settings.key_dir)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await service.sign_checkpoint(session, signer, settings.log_origin)
    finally:
        await engine.dispose()


def verify(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    key: str | None = typer.Option(
        None, help="Verifier key (string or file); default CUSTODY_KEY_DIR/checkpoint.pub."
    ),
    pure_python: bool = typer.Option(
        False, "--pure-python", help="Check rows with the Python reference, not compiled code."
    ),
) -> None:
    """Recompute every hash in the ledger; exit 1 naming the first row that does not match."""
    settings = load_settings()
    verifier = _verifier(settings, key)
    show_progress = not as_json and sys.stderr.isatty()
    report = asyncio.run(
        _verify(settings, verifier, show_progress, compiled=False if pure_python else None)
    )
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


async def _verify(
    settings: Settings, verifier: str | None, show_progress: bool, compiled: bool | None
):
    from rich.progress import Progress

    from app.db import check_database, create_engine, session_factory
    from app.dialect import is_postgresql
    from app.ledger.verify import verify as run

    engine = create_engine(settings.database_url)
    if is_postgresql(engine):
        # One snapshot for every check: appends committed meanwhile would otherwise show
        # as leaves whose hops were never read.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    try:
        await check_database(engine)
        async with session_factory(engine)() as session:
            if not show_progress:
                return await run(session, verifier, compiled=compiled)
            with Progress(transient=True) as bar:
                tasks: dict[str, int] = {}

                def tick(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(f"verifying {stage}", total=total or 1)
                    bar.update(tasks[stage], completed=done)

                return await run(session, verifier, tick, compiled=compiled)
    finally:
        await engine.dispose()
