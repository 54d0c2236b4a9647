"""``custody partners add|list|show`` and ``custody keys issue|revoke``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from app.commands.ledger import keys_app
from app.config import load_settings
from app.models.partners import PartnerKind

T = TypeVar("T")
app = typer.Typer(help="Trading partners.", no_args_is_help=True)
ACTOR = "cli"


def run_in_session(work: Callable[..., Awaitable[T]]) -> T:
    """Run ``work(session)`` in one committed transaction on CUSTODY_DATABASE_URL."""
    from app.db import check_database, create_engine, session_factory

    async def main() -> T:
        engine = create_engine(load_settings().database_url)
        try:
            await check_database(engine)
            async with session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _show(partner) -> dict:
    from app.partners.schemas import PartnerOut

    return PartnerOut.of(partner).model_dump(mode="json")


@app.command("add")
def add(
    name: str = typer.Option(..., "--name", help="Legal name."),
    kind: PartnerKind = typer.Option(..., "--kind", help="DSCSA role."),
    gln: list[str] = typer.Option([], "--gln", help="Party GLN (13 digits); repeatable."),
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
        licences=tuple(service.parse_licence(x) for x in licence),
        locations=tuple(service.parse_location(x) for x in location),
        authorized=authorized,
        exception_policy=policy,
        country=country,
        agent_for=tuple(agent_for),
    )

    async def work(session):
        return _show(await service.create_partner(session, spec, ACTOR))

    typer.echo(json.dumps(run_in_session(work), indent=2))


@app.command("list")
def list_() -> None:
    """One line per partner: id, kind, name, GLNs."""
    from app.partners import repository

    async def work(session):
        return [_show(p) for p in await repository.list_partners(session)]

    for p in run_in_session(work):
        typer.echo(f"{p['id']}\t{p['kind']}\t{p['legal_name']}\t{','.join(p['glns'])}")


@app.command("show")
def show(partner_id: int = typer.Argument(..., help="Partner id.")) -> None:
    """One partner as JSON."""
    from app.errors import NotFound
    from app.partners import repository

    async def work(session):
        partner = await repository.get_partner(session, partner_id)
        if partner is None:
            raise NotFound(f"no trading partner with id {partner_id}")
        return _show(partner)

    typer.echo(json.dumps(run_in_session(work), indent=2))


@keys_app.command("issue")
def issue(
    partner: int | None = typer.Option(None, "--partner", help="Partner id (none: operator key)."),
    scope: list[str] = typer.Option(..., "--scope", help="capture, query, verify, report, admin, regulator."),
    name: str = typer.Option("", "--name", help="What the key is for."),
) -> None:
    """Issue an API key; it is printed once and only its hash is kept."""
    from app.auth import service

    async def work(session):
        key, plaintext = await service.issue(session, partner, scope, name or "key", ACTOR)
        return key.prefix, plaintext

    prefix, plaintext = run_in_session(work)
    typer.echo(f"API key {prefix} issued; store it now, it is not shown again:", err=True)
    typer.echo(plaintext)


@keys_app.command("revoke")
def revoke(prefix: str = typer.Argument(..., help="The key's prefix (8 hex digits).")) -> None:
    """Revoke an API key."""
    from app.auth import service

    async def work(session):
        await service.revoke(session, prefix, ACTOR)

    run_in_session(work)
    typer.echo(f"API key {prefix} revoked")
