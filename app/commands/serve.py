"""``custody serve``: the HTTP API with uvicorn (and, embedded, the capture worker and outbox)."""

from __future__ import annotations

import typer

from app.config import Settings, load_settings


def serve(
    host: str | None = typer.Option(None, help="Bind address (default CUSTODY_HOST)."),
    port: int | None = typer.Option(None, help="Port (default CUSTODY_PORT)."),
    worker: bool = typer.Option(
        True, "--worker/--no-worker",
        help="Also process capture jobs in this process (off when `custody worker`s run).",
    ),
) -> None:
    """Run the HTTP API with uvicorn."""
    serve_app(load_settings(), host, port, worker)


def serve_app(config: Settings, host: str | None, port: int | None, worker: bool = True) -> None:
    """Serve ``config``'s database on ``host``:``port`` (defaults from ``config``)."""
    import uvicorn

    from app.commands._runtime import run
    from app.main import create_app

    run(config, _reachable)  # an unreachable database stops here, in one line
    host, port = host or config.host, port or config.port
    shown = shown_host(host)
    typer.echo(
        f"Custody is running at http://{shown}:{port}  (API docs: http://{shown}:{port}/docs)"
    )
    app = create_app(config, workers=worker)  # embedded mode: jobs and the outbox too
    uvicorn.run(app, host=host, port=port, log_config=None)


def shown_host(host: str) -> str:
    """The address to print for a bind address."""
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host


async def _reachable(_sessions) -> None:
    """Nothing: :func:`app.commands._runtime.run` checks the database before calling it."""

