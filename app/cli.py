"""The ``custody`` command line.

Start-up is part of every command's cost, so this module imports only Typer: each
subcommand's module (and with it SQLAlchemy, FastAPI, lxml or the barcode libraries) is
imported when that command runs (:class:`LazyGroup`).
"""

from __future__ import annotations

import importlib
import sys

import typer
from typer.core import TyperGroup

from app import __version__
from app.errors import CustodyError

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
    "adverse": "app.commands.adverse:app",
    "vault": "app.commands.cases:vault_app",
    "trace": "app.commands.trace:app",
    "report": "app.commands.report:app",
    "outbox": "app.commands.outbox:app",
    "print": "app.commands.printing:app",
    "shipments": "app.commands.shipments:app",
    "serve": "app.commands.serve:serve",
    "demo": "app.commands.demo:demo",
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


@cli.command()
def version() -> None:
    """Print Custody's version."""
    typer.echo(f"custody {__version__}")


@cli.command()
def migrate(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (CUSTODY_DATABASE_URL)."""
    from app.config import load_settings
    from app.migrate import upgrade

    config = load_settings()  # errors surface as one line through main()
    upgrade(config.database_url, revision)
    typer.echo(f"database migrated to {revision}")


def main() -> None:
    """Entry point: one-line errors instead of tracebacks for anything a user can fix."""
    try:
        cli()
    except CustodyError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)
