"""``custody vrs verify|route``: ask brand owners' VRS responders, and where to find them.

Exit codes of ``verify``: 0 verified; 1 not verified, or no usable answer; 2 bad input.
"""

from __future__ import annotations

import json

import typer

from app.commands._runtime import run, run_in_transaction
from app.config import load_settings

app = typer.Typer(help="Verification of product identifiers (VRS, GS1 US R1.3).",
                  no_args_is_help=True)
route = typer.Typer(help="Where each brand owner's responder is.", no_args_is_help=True)
app.add_typer(route, name="route")
ACTOR = "cli"


@app.command("verify")
def verify(
    gtin: str = typer.Argument(..., help="GTIN-14."),
    lot: str = typer.Argument(..., help="Lot (AI 10)."),
    serial: str = typer.Argument(..., help="Serial (AI 21)."),
    expiry: str = typer.Argument(..., help="Expiry YYMMDD as printed (day 00: month's end)."),
    context: str = typer.Option("dscsaSaleableReturn", "--context", help="R1.3 context."),
    timeout: float = typer.Option(5.0, "--timeout", help="Seconds to wait for one answer."),
    retries: int = typer.Option(2, "--retries", help="Attempts after the first."),
) -> None:
    """Ask the brand owner's responder, record the answer against the unit, print it as JSON."""
    from datetime import UTC, datetime

    from app.vrs import service
    from app.vrs.schemas import VerificationOut

    settings = load_settings()
    asked = service.ask_for(settings.operator_gln, gtin, lot, serial, expiry, context,
                            datetime.now(UTC).date())

    async def work(sessions):
        row = await service.verify(sessions, asked, ACTOR, timeout=timeout, retries=retries)
        return VerificationOut.model_validate(row).model_dump(mode="json")

    out = run(settings, work)
    typer.echo(json.dumps(out, indent=2))
    if out["verified"] is not True:
        raise typer.Exit(1)


@route.command("add")
def add(
    prefix: str = typer.Argument(..., help="GS1 Company Prefix (6-12 digits) or a GTIN-14."),
    url: str = typer.Argument(..., help="The responder's base URL, e.g. https://vrs.example/vrs"),
    key: str = typer.Option(..., "--key", help="The API key that responder issued you."),
    partner: str | None = typer.Option(None, "--partner", help="GLN of the brand owner."),
) -> None:
    """Route verifications of GTINs under PREFIX to URL (replaces an earlier route)."""
    from app.vrs import service

    async def work(session):
        r = await service.add_route(session, prefix, url, key, partner)
        return f"{r.prefix}\t{r.url}"

    typer.echo(run_in_transaction(load_settings(), work))


@route.command("list")
def list_() -> None:
    """One line per route: prefix, URL (keys are not shown)."""
    from app.vrs import service

    async def work(session):
        return [f"{r.prefix}\t{r.url}" for r in await service.routes(session)]

    for line in run_in_transaction(load_settings(), work):
        typer.echo(line)
