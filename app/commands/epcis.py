"""`custody epcis ...` commands (placeholder until its issue lands)."""

import typer

app = typer.Typer(help="epcis commands", no_args_is_help=True)
