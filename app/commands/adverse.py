"""``custody adverse report|show|list|e2b``: adverse-event reports on named-patient cases and
their E2B(R3) product block, from a terminal (acting as the operator's administrator). Each read
is recorded in the vault's access log, as through the API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from app.commands.cases import ACTOR, ADMIN, _run

app = typer.Typer(help="Adverse-event reports and their E2B(R3) product block.",
                  no_args_is_help=True)


def _reader():
    from app.vault.service import Reader

    return Reader(ACTOR, ADMIN)


def _out(event, ref: str) -> dict:
    from app.adverse.schemas import AdverseEventOut

    return AdverseEventOut.of(event, ref).model_dump(mode="json")


@app.command()
def report(
    ref: str = typer.Argument(..., help="The case reference."),
    reporter: str = typer.Option(..., help="Reporter's name (stays with the operator)."),
    role: str = typer.Option(..., help="Reporter's role: physician, pharmacist, nurse ..."),
    seriousness: str = typer.Option(..., help="serious or non-serious."),
    description: str = typer.Option(..., help="What happened."),
    outcome: str = typer.Option(..., help="recovered, recovering, not_recovered, "
                                "recovered_with_sequelae, fatal or unknown."),
    criterion: list[str] = typer.Option([], help="ICH seriousness criterion (repeat): death, "
                                        "life_threatening, hospitalisation, disability, "
                                        "congenital_anomaly, other_medically_important."),
    identifier: str | None = typer.Option(None, help="The unit (SGTIN URN), or"),
    gtin: str | None = typer.Option(None, help="the lot's GTIN"),
    lot: str | None = typer.Option(None, help="and lot number."),
    reported_on: str | None = typer.Option(None, help="YYYY-MM-DD (default today)."),
) -> None:
    """Record an adverse-event report on a case; prints its id."""
    from app.adverse import service

    spec = service.AdverseSpec(reporter, role, date.fromisoformat(reported_on) if reported_on
                               else date.today(), seriousness, description, outcome,
                               tuple(criterion), identifier, gtin, lot)

    async def work(session):
        return (await service.record(session, ref, spec, _reader())).id

    typer.echo(f"adverse event #{_run(work)} recorded")


@app.command()
def show(event_id: int) -> None:
    """One report as JSON (reporter and description included: operator-internal; audited)."""
    from app.adverse import service

    async def work(session):
        event = await service.get(session, event_id, _reader())
        return _out(event, await service.case_ref(session, event))

    typer.echo(json.dumps(_run(work), indent=2))


@app.command("list")
def list_(ref: str) -> None:
    """One line per report on the case (audited)."""
    from app.adverse import service

    async def work(session):
        return [_out(e, ref.upper()) for e in await service.of_case(session, ref, _reader())]

    found = _run(work)
    for e in found:
        about = f"unit {e['identifier']}" if e["identifier"] else f"lot {e['lot']}"
        typer.echo(f"#{e['id']}  {e['reported_on']}  {e['seriousness']:<11} "
                   f"{','.join(e['criteria']) or '-':<20} {e['outcome']:<12} {about}")
    typer.echo(f"{len(found)} report(s)")


@app.command()
def e2b(event_id: int, format: str = typer.Option("json", help="json or xml."),
        out: Path | None = typer.Option(None, help="Write to this file instead of stdout.")) -> None:
    """The E2B(R3) product block for the manufacturer (audited)."""
    from app.adverse import service
    from app.adverse.e2b import to_xml

    if format not in ("json", "xml"):
        raise typer.BadParameter(f"expected json or xml, got {format!r}", param_hint="--format")

    async def work(session):
        return await service.product_block(session, event_id, _reader())

    data = _run(work)
    body = to_xml(data) if format == "xml" else json.dumps(data, indent=2).encode() + b"\n"
    if out is None:
        typer.echo(body.decode(), nl=False)
    else:
        out.write_bytes(body)
        typer.echo(f"product block written to {out}")
