"""``custody partners add|list|show``."""

from __future__ import annotations

import json

import typer

from app.commands._runtime import run_in_transaction
from app.config import load_settings
from app.models.partners import PartnerKind

app = typer.Typer(help="Trading partners.", no_args_is_help=True)
ACTOR = "cli"


def _show(partner) -> dict:
    from app.partners.schemas import PartnerOut

    return PartnerOut.of(partner).model_dump(mode="json")


@app.command("add")
def add(
    name: str = typer.Option(..., "--name", help="Legal name."),
    kind: PartnerKind = typer.Option(..., "--kind", help="DSCSA role."),
    gln: list[str] = typer.Option([], "--gln", help="Party GLN (13 digits); repeatable."),
    prefix: list[str] = typer.Option(
        [], "--prefix",
        help="GS1 Company Prefix it holds; repeatable (default: those its --location SGLNs encode).",
    ),
    licence: list[str] = typer.Option(
        [], "--licence", help="kind:jurisdiction:number:valid_from:valid_to; repeatable."
    ),
    location: list[str] = typer.Option(
        [], "--location", help="SGLN[=name] of a site (urn:epc:id:sgln:...); repeatable."
    ),
    authorized: bool = typer.Option(True, "--authorized/--unauthorized"),
    policy: str = typer.Option("rollback", "--policy", help="rollback or proceed on exceptions."),
    country: str = typer.Option("US", "--country"),
    agent_for: list[str] = typer.Option(
        [], "--agent-for", help="GLN of a brand owner it commissions units for; repeatable."
    ),
) -> None:
    """Onboard a trading partner; prints it as JSON."""
    from app.partners import service

    spec = service.PartnerSpec(
        legal_name=name,
        kind=kind,
        glns=tuple(gln),
        prefixes=tuple(prefix),
        licences=tuple(service.parse_licence(x) for x in licence),
        locations=tuple(service.parse_location(x) for x in location),
        authorized=authorized,
        exception_policy=policy,
        country=country,
        agent_for=tuple(agent_for),
    )

    async def work(session):
        return _show(await service.create_partner(session, spec, ACTOR))

    typer.echo(json.dumps(run_in_transaction(load_settings(), work), indent=2))


@app.command("list")
def list_() -> None:
    """One line per partner: id, kind, name, GLNs."""
    from app.partners import service

    async def work(session):
        return [_show(p) for p in await service.list_partners(session)]

    for p in run_in_transaction(load_settings(), work):
        typer.echo(f"{p['id']}\t{p['kind']}\t{p['legal_name']}\t{','.join(p['glns'])}")


@app.command("show")
def show(partner_id: int = typer.Argument(..., help="Partner id.")) -> None:
    """One partner as JSON."""
    from app.partners import service

    async def work(session):
        return _show(await service.get_partner(session, partner_id))

    typer.echo(json.dumps(run_in_transaction(load_settings(), work), indent=2))
