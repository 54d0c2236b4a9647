"""``custody checkpoint`` and ``custody verify``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from app.commands._runtime import run, run_in_transaction
from app.config import Settings, load_settings
from app.errors import ConfigurationError


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
    source = "CUSTODY_KEY_DIR" if key is None else "--key"
    latest = anchor.latest(settings.key_dir)
    report = run(settings, _verify, verifier, source, show_progress, compiled, latest,
                 snapshot=True)
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
    """The verifier key to check checkpoints with, or a one-line error naming what is wrong."""
    from app.ledger import core, keys

    if key is None:
        path, source = settings.key_dir / keys.VERIFIER_FILE, "CUSTODY_KEY_DIR"
        if not path.exists():
            return None
    else:
        path, source = Path(key), "--key"
    if path.exists():
        try:
            text, shown = path.read_text().strip(), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not text"
            raise ConfigurationError(f"{source}: cannot read key file {path}: {reason}") from None
    else:
        assert key is not None  # the key directory's file exists: this is --key's own text
        text, shown = key, repr(key)
    try:
        core.parse_verifier(text)
    except core.NoteError as exc:
        what = "holds no verifier key" if path.exists() else (
            "is neither a key file nor a verifier key")
        raise ConfigurationError(f"{source}: {shown} {what}: {exc}") from None
    return text


async def _check_signer(session, verifier: str, source: str) -> None:
    """Refuse a verifier key that signed not even the first checkpoint: a wrong key, which is
    the operator's mistake, not the ledger's tampering (a re-signed later checkpoint is)."""
    from sqlalchemy import select

    from app.ledger import core
    from app.models import LedgerCheckpoint

    query = select(LedgerCheckpoint.note).order_by(LedgerCheckpoint.id).limit(1)
    note = await session.scalar(query)
    if note is None:
        return
    key = core.parse_verifier(verifier)
    try:
        signers = {(sig.name, sig.key_id) for sig in core.parse_note(note)[1]}
    except core.NoteError:
        return  # a malformed note is the ledger's problem: verify reports it
    if (key.name, key.key_id) not in signers:
        names = ", ".join(sorted(f"{n}+{i.hex()}" for n, i in signers))
        raise ConfigurationError(
            f"{source}: key {key.name}+{key.key_id.hex()} did not sign this log's checkpoints "
            f"(the first is signed by {names}); give the log's verifier key"
        )


async def _verify(sessions, verifier: str | None, source: str, show_progress: bool,
                  compiled: bool | None, latest: str | None):
    from rich.progress import Progress, TaskID

    from app.ledger.verify import verify as verify_ledger

    async with sessions() as session:
        if verifier is not None:
            await _check_signer(session, verifier, source)
        if not show_progress:
            return await verify_ledger(session, verifier, compiled=compiled, latest=latest)
        with Progress(transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def tick(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(f"verifying {stage}", total=total or 1)
                bar.update(tasks[stage], completed=done)

            return await verify_ledger(session, verifier, tick, compiled=compiled, latest=latest)
