"""`custody label ...` commands (placeholder until its issue lands)."""

import typer

app = typer.Typer(help="label commands", no_args_is_help=True)
