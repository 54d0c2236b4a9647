"""The ``custody`` command line.

Start-up is part of every command's cost, so this module imports only Typer: each
subcommand's module (and with it SQLAlchemy, FastAPI, lxml or the barcode libraries) is
imported when that command runs (:class:`LazyGroup`).
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

from app import __version__
from app.errors import CustodyError

if TYPE_CHECKING:
    from app.config import Settings

LAZY = {
    "scan": "app.commands.scan:app",
    "label": "app.commands.label:app",
    "epcis": "app.commands.epcis:app",
    "keys": "app.commands.keys:app",
    "partners": "app.commands.partners:app",
    "staff": "app.commands.staff:app",
    "stations": "app.commands.staff:stations",
    "checkpoint": "app.commands.ledger:checkpoint",
    "verify": "app.commands.ledger:verify",
    "ingest": "app.commands.ingest:ingest",
    "worker": "app.commands.ingest:worker",
    "investigations": "app.commands.investigations:app",
    "recall": "app.commands.investigations:recall",
    "vrs": "app.commands.vrs:app",
    "coldchain": "app.commands.coldchain:app",
    "cases": "app.commands.cases:app",
    "vault": "app.commands.cases:vault_app",
    "trace": "app.commands.trace:app",
    "report": "app.commands.report:app",
    "outbox": "app.commands.outbox:app",
    "print": "app.commands.printing:app",
    "shipments": "app.commands.shipments:app",
}
"""Commands defined elsewhere: name -> ``module:attribute`` (a Typer app or a function)."""


class LazyGroup(TyperGroup):
    """A command group that imports a subcommand's module only when it is asked for."""

    def list_commands(self, ctx) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY])

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in LAZY:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = LAZY[cmd_name].partition(":")
        target = getattr(importlib.import_module(module), attribute)
        if not isinstance(target, typer.Typer):
            target = typer.Typer(pretty_exceptions_enable=False)
            target.command(cmd_name)(getattr(importlib.import_module(module), attribute))
        command = typer.main.get_command(target)
        command.name = cmd_name
        return command


cli = typer.Typer(
    cls=LazyGroup,
    help="Custody: the DSCSA chain-of-custody ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def settings() -> Settings:
    """Settings for a command (errors surface as one line through :func:`main`)."""
    from app.config import load_settings

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
    """Migrate, seed demo partners and locations, capture their chain, then serve. Safe to run twice."""
    from app.commands._runtime import run
    from app.demo import (
        OPERATOR,
        STAFF_USER,
        STATION,
        TORN_SEAL,
        VIALS,
        ZENTERVA,
        load,
        route_to_self,
    )
    from app.migrate import upgrade

    config = settings()
    if config.operator_gln is None:
        config = config.model_copy(update={"operator_gln": OPERATOR.gln})
    upgrade(config.database_url)
    from app.cases.demo import demo_vault
    from app.logging import configure_logging

    config = demo_vault(config)  # the demo's patients' data needs a vault master key

    configure_logging(config.log_level, config.log_json)
    logging.getLogger("custody.worker").setLevel("WARNING")  # the demo sums its jobs up below
    created = run(config, load, config)
    logging.getLogger("custody.worker").setLevel("NOTSET")
    typer.echo(
        f"demo data ready: {created['partners']} partners created (existing ones kept)"
    )
    typer.echo(
        f"demo chain ingested (manufacturer -> wholesaler -> specialty pharmacy -> hospital "
        f"pharmacy): {created['events']} events, {created['units']} units in the ledger, "
        f"{created['products']} products from its master data"
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
    shown = f"http://{_shown(host or config.host)}:{port or config.port}"
    requester = run(config, route_to_self, shown, config.operator_gln)
    typer.echo(
        f"demo VRS route: Northwind's GTINs -> {shown}/vrs, asked as {requester}; try\n"
        f"  custody vrs verify {ZENTERVA.gtin} ZT2611A ZT00003 280531\n"
        "  (a responder answers for its operator's brands only: serve with "
        "CUSTODY_OPERATOR_GLN=0312345000004, Northwind, to see the vial verified)"
    )
    typer.echo(
        f"operator: {OPERATOR.legal_name} (CUSTODY_OPERATOR_GLN={config.operator_gln}; set it "
        f"for other commands and when you run 'custody serve' on this database): "
        f"{created['investigations']} investigation(s), one vial quarantined, "
        f"{created['recalls']} recall(s); see `custody investigations list`\n"
        f"staff sign-in at /signin: {STAFF_USER}, password (shown once): {created['password']}\n"
        f"  scan station {STATION!r} at {OPERATOR.sgln}\n"
        f"  personal API keys (acting with the account's roles): /account/keys, or "
        f"custody keys issue --staff {STAFF_USER}"
    )
    typer.echo(created["cases"])
    typer.echo(created["coldchain"])
    typer.echo(f"receiving: {created['expected']} shipment(s) in transit to the operator, one an "
               f"SSCC case of 3 vials from Atlas; receive it at {shown}/receiving")
    typer.echo(
        f"staff pages: {shown}/scan, {shown}/staff/units?id={TORN_SEAL} (the quarantined vial: "
        f"state, chain, proofs), {shown}/staff/investigations, {shown}/staff/recalls"
    )
    answered, open_ = str(created["traces"]).split()
    typer.echo(
        f"trace requests: #{answered} (an FDA fire drill, answered from the ledger) and #{open_} "
        f"(Atlas, open, due in one business day): {shown}/staff/trace-requests (staff), "
        f"{shown}/trace-requests/{answered} (API); who read what: {shown}/audit (API, the demo "
        f"key) and {shown}/staff/audit (admin staff)"
    )
    from app.reports.demo import demo_lines

    typer.echo(demo_lines(shown, VIALS[0], config.key_dir))
    if "shipment" in created:
        typer.echo(f"shipment {created['shipment']} to {created['shipment_to']}: "
                   f"{created['shipment_units']} vials in {created['shipment_cases']} SSCC cases, "
                   f"{created['shipment_status']}; outbound EPCIS at "
                   f"/shipments/{created['shipment']}/epcis (see `custody shipments list`)")
        typer.echo(f"  pick & pack at /shipping/{created['shipment']}: SSCC labels, packing and "
                   f"pick lists as PDF (or `custody print labels {created['shipment']} -o "
                   "labels.pdf`); partners with a capture URL get the document pushed "
                   "(`custody outbox list`)")
    if serve_after:
        _serve(config, host, port)


def _serve(config: Settings, host: str | None, port: int | None, worker: bool = True) -> None:
    import uvicorn

    from app.commands._runtime import run
    from app.main import create_app

    run(config, _reachable)  # an unreachable database stops here, in one line
    host, port = host or config.host, port or config.port
    shown = _shown(host)
    typer.echo(
        f"Custody is running at http://{shown}:{port}  (API docs: http://{shown}:{port}/docs)"
    )
    app = create_app(config, workers=worker)  # embedded mode: jobs and the outbox too
    uvicorn.run(app, host=host, port=port, log_config=None)


def _shown(host: str) -> str:
    """The address to print for a bind address."""
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host


async def _reachable(_sessions) -> None:
    """Nothing: :func:`app.commands._runtime.run` checks the database before calling it."""


def main() -> None:
    """Entry point: one-line errors instead of tracebacks for anything a user can fix."""
    try:
        cli()
    except CustodyError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)
