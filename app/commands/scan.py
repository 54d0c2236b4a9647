"""`custody scan ...` commands (placeholder until its issue lands)."""

import typer

app = typer.Typer(help="scan commands", no_args_is_help=True)
