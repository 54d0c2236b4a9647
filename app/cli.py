"""The ``custody`` command line."""

from __future__ import annotations

import sys

import typer

from app import __version__
from app.commands import epcis, ingest, keys, label, ledger, partners, scan
from app.commands._runtime import run
from app.config import Settings, load_settings
from app.errors import CustodyError

cli = typer.Typer(
    help="Custody: the DSCSA chain-of-custody ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
cli.add_typer(scan.app, name="scan", help="Decode and parse GS1 barcodes.")
cli.add_typer(label.app, name="label", help="Render GS1 DataMatrix and SSCC labels.")
cli.add_typer(epcis.app, name="epcis", help="Validate, hash and convert EPCIS documents.")
cli.add_typer(keys.app, name="keys", help="Checkpoint signing keys and API keys.")
cli.add_typer(partners.app, name="partners", help="Trading partners.")
cli.command()(ledger.checkpoint)
cli.command()(ledger.verify)
cli.command()(ingest.ingest)
cli.command()(ingest.worker)


def settings() -> Settings:
    """Settings for a command (errors surface as one line through :func:`main`)."""
    return load_settings()


@cli.command()
def version() -> None:
    """Print Custody's version."""
    typer.echo(f"custody {__version__}")


@cli.command()
def migrate(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (CUSTODY_DATABASE_URL)."""
    from app.migrate import upgrade

    config = settings()
    upgrade(config.database_url, revision)
    typer.echo(f"database migrated to {revision}")


@cli.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default CUSTODY_HOST)."),
    port: int | None = typer.Option(None, help="Port (default CUSTODY_PORT)."),
    worker: bool = typer.Option(
        True, "--worker/--no-worker",
        help="Also process capture jobs in this process (off when `custody worker`s run).",
    ),
) -> None:
    """Run the HTTP API with uvicorn."""
    _serve(settings(), host, port, worker)


@cli.command()
def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve after seeding."),
    host: str | None = typer.Option(None, help="Bind address (default CUSTODY_HOST)."),
    port: int | None = typer.Option(None, help="Port (default CUSTODY_PORT)."),
) -> None:
    """Migrate, seed demo partners, locations and products, then serve. Safe to run twice."""
    from app.demo import load
    from app.migrate import upgrade

    config = settings()
    upgrade(config.database_url)
    created = run(config, load, config)
    typer.echo(
        f"demo data ready: {created['partners']} partners and {created['products']} products "
        f"created (existing ones kept)"
    )
    typer.echo(
        f"demo chain ingested (manufacturer -> wholesaler -> specialty pharmacy -> hospital "
        f"pharmacy): {created['events']} events, {created['units']} units in the ledger"
    )
    typer.echo(
        f"checkpoint signed at tree size {created['signed']} "
        f"(verifier key: {config.key_dir / 'checkpoint.pub'})"
    )
    typer.echo(
        f"demo API key (admin, regulator; shown once): {created['key']}\n"
        "  use it as 'Authorization: Bearer <key>' or with the Authorize button in the API docs;"
        " keys printed by earlier runs keep working"
    )
    if serve_after:
        _serve(config, host, port)


def _serve(config: Settings, host: str | None, port: int | None, worker: bool = True) -> None:
    import uvicorn

    from app.main import create_app

    host, port = host or config.host, port or config.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(
        f"Custody is running at http://{shown}:{port}  (API docs: http://{shown}:{port}/docs)"
    )
    from app.ingest.worker import embed

    app = create_app(config)
    if worker:
        embed(app)  # embedded mode: this process also works the capture-job queue
    uvicorn.run(app, host=host, port=port, log_config=None)


def main() -> None:
    """Entry point: one-line errors instead of tracebacks for anything a user can fix."""
    try:
        cli()
    except CustodyError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)
