"""``custody trace list|show|file|answer``: trace requests from a terminal, as the operator."""

from __future__ import annotations

import json
from typing import Any

import typer

from app.commands._runtime import run_in_transaction
from app.config import load_settings

app = typer.Typer(help="Trace requests (requests for information) from regulators and partners.",
                  no_args_is_help=True)
ACTOR = "cli"


def _act(work) -> Any:
    return run_in_transaction(load_settings(), work)


def _out(row, with_answer: bool = True) -> dict:
    from app.models.base import utcnow
    from app.traces.schemas import TraceRequestOut

    return TraceRequestOut.of(row, utcnow(), with_answer).model_dump(mode="json")


@app.command("list")
def list_() -> None:
    """One line per request, open first by deadline: id, status, OVERDUE, due, product, reason."""
    from app.traces import service

    async def work(session):
        return [_out(r, False) for r in await service.listing(session, ACTOR)]

    for r in _act(work):
        product = " ".join(f"{k}={r[k]}" for k in ("gtin", "serial", "lot") if r[k])
        typer.echo("\t".join([str(r["id"]), r["status"], "OVERDUE" if r["overdue"] else "",
                              r["due_at"], product, r["reason"],
                              "fire drill" if r["fire_drill"] else ""]))


@app.command()
def show(request_id: int) -> None:
    """A request and its answer as JSON (the read is audited)."""
    from app.traces import service

    async def work(session):
        return _out(await service.get(session, ACTOR, request_id, _origin()))

    typer.echo(json.dumps(_act(work), indent=2))


@app.command()
def file(
    requester: str = typer.Option(..., help="Who asks, e.g. 'FDA ORA Division of Drug Investigations'."),
    contact: str = typer.Option(..., help="How to reach them (e-mail or phone)."),
    reason: str = typer.Option(..., help="suspect-product, illegitimate-product, "
                               "recall-investigation, compliance-audit or health-authority-inspection."),
    response: str = typer.Option("transaction-information", help="transaction-information, "
                                 "all-known-owners or last-known-owner."),
    gtin: str | None = typer.Option(None), ndc: str | None = typer.Option(None),
    serial: str | None = typer.Option(None), lot: str | None = typer.Option(None),
    incident: str | None = typer.Option(None, help="Form FDA 3911 incident number."),
    fire_drill: bool = typer.Option(False, "--fire-drill", help="An exercise, not a real case."),
) -> None:
    """Record a request received by phone or mail (as a regulator's, seeing every unit)."""
    from pydantic import ValidationError

    from app.auth.service import Caller
    from app.errors import ValidationFailed
    from app.traces import service
    from app.traces.schemas import TraceRequestIn

    try:
        body = TraceRequestIn(requester=requester, contact=contact, reason=reason,
                              response=response, gtin=gtin, ndc=ndc, serial=serial, lot=lot,
                              incident_number=incident, fire_drill=fire_drill)
    except ValidationError as bad:
        error = bad.errors()[0]
        raise ValidationFailed(f"{'.'.join(map(str, error['loc']))}: {error['msg']}") from None
    caller = Caller(None, frozenset({"regulator"}), "cli")

    async def work(session):
        return _out(await service.file(session, caller, body.spec(), _origin()))

    made = _act(work)
    typer.echo(f"trace request {made['id']} filed, due {made['due_at']}")


@app.command()
def answer(request_id: int) -> None:
    """Answer a request from the ledger, as its requester may see it; prints the answer."""
    from app.traces import service

    async def work(session):
        return _out(await service.answer(session, ACTOR, request_id, _origin()))

    typer.echo(json.dumps(_act(work)["answer"], indent=2))


def _origin():
    from app.audit.service import Origin

    return Origin(client="cli")
