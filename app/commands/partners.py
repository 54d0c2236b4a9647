"""``custody partners add|update|list|show|audit``."""

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


@app.command("update")
def update(
    partner_id: int = typer.Argument(..., help="Partner id."),
    name: str | None = typer.Option(None, "--name", help="Legal name."),
    street: str | None = typer.Option(None, "--street", help="'' clears it."),
    city: str | None = typer.Option(None, "--city", help="'' clears it."),
    state: str | None = typer.Option(None, "--state", help="'' clears it."),
    postal_code: str | None = typer.Option(None, "--postal-code", help="'' clears it."),
    country: str | None = typer.Option(None, "--country"),
    gln: list[str] | None = typer.Option(
        None, "--gln", help="Party GLN; repeatable; the given ones replace the partner's GLNs."),
    licence: list[str] | None = typer.Option(
        None, "--licence", help="kind:jurisdiction:number:valid_from:valid_to; repeatable; the "
        "given ones replace the partner's licences (same number, new dates: a renewal)."),
    location: list[str] | None = typer.Option(
        None, "--location", help="SGLN[=name]; repeatable; the given ones replace its sites."),
    authorized: bool | None = typer.Option(None, "--authorized/--unauthorized"),
    policy: str | None = typer.Option(None, "--policy", help="rollback or proceed."),
    capture_url: str | None = typer.Option(
        None, "--capture-url", help="Its EPCIS capture endpoint (https); '' clears it."),
    capture_token_stdin: bool = typer.Option(
        False, "--capture-token-stdin", help="Read the endpoint's bearer key from standard "
        "input (an empty line forgets it); never on the command line."),
) -> None:
    """Correct a trading partner; each changed field is audited. Prints it as JSON."""
    import sys

    from app.errors import ValidationFailed
    from app.outbox.urls import check_capture_url
    from app.partners import service

    config = load_settings()
    if capture_url:
        try:
            check_capture_url(capture_url, config.outbox_allow_http_loopback)
        except ValidationFailed as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
    token = sys.stdin.readline().strip() if capture_token_stdin else None

    changes = service.PartnerChanges(
        legal_name=name, street=street, city=city, state=state, postal_code=postal_code,
        country=country, authorized=authorized, exception_policy=policy,
        glns=None if gln is None else tuple(gln),
        licences=None if licence is None else tuple(service.parse_licence(x) for x in licence),
        locations=None if location is None else tuple(service.parse_location(x) for x in location),
        capture_url=capture_url, capture_token=token,
    )

    async def work(session):
        return _show(await service.update_partner(session, partner_id, changes, ACTOR))

    typer.echo(json.dumps(run_in_transaction(config, work), indent=2))


@app.command("audit")
def audit(partner_id: int = typer.Argument(..., help="Partner id.")) -> None:
    """Who created and changed a partner, when, and what: one line per entry."""
    from app.partners import service

    async def work(session):
        return [(x.at, x.actor, x.action, x.detail)
                for x in await service.partner_audit(session, partner_id)]

    for at, actor, action, detail in run_in_transaction(load_settings(), work):
        typer.echo(f"{at:%Y-%m-%dT%H:%M:%SZ}\t{actor}\t{action}\t{json.dumps(detail)}")
