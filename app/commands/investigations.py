"""``custody investigations list|show|open|note|determine|clear|notified|report|form|quarantine|release``
and ``custody recall``: the operator's suspect-product and recall work from a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from app.commands._runtime import run_in_transaction
from app.config import load_settings

app = typer.Typer(help="Suspect-product investigations and quarantine (acting as the operator).",
                  no_args_is_help=True)
ACTOR = "cli"


def _act(work) -> Any:
    """Run ``work(session, operator)`` in one transaction, as the configured operator."""
    from app.operator.service import operator

    settings = load_settings()

    async def main(session):
        return await work(session, await operator(session, settings.operator_gln))

    return run_in_transaction(settings, main)


def _json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def _view(view) -> dict:
    from app.investigations.schemas import InvestigationOut
    from app.models.base import utcnow

    return InvestigationOut.of(view, utcnow()).model_dump(mode="json")


@app.command("list")
def list_(
    status: str | None = typer.Option(None, help="open, cleared, illegitimate or termination_requested."),
    overdue: bool | None = typer.Option(None, "--overdue/--not-overdue", help="Only (not) overdue."),
) -> None:
    """One line per investigation, overdue ones first: id, status, deadline, units, reason."""
    from app.investigations import service
    from app.models.base import utcnow

    async def work(session, op):
        now = utcnow()
        return [(v.investigation.id, v.status, "OVERDUE" if v.overdue(now) else "",
                 v.deadline.isoformat(timespec="minutes") if v.deadline else "-",
                 len(v.units), v.investigation.reason)
                for v in await service.list_investigations(session, status, overdue)]

    rows = _act(work)
    for row in rows:
        typer.echo("\t".join(str(x) for x in row))
    if not rows:
        typer.echo("no investigations")


@app.command("show")
def show(investigation_id: int) -> None:
    """An investigation as JSON: units, history, deadline, partners to notify."""
    from app.investigations import service

    _json(_act(lambda s, op: _then(service.get(s, investigation_id, op), _view)))


@app.command("open")
def open_(identifiers: list[str] = typer.Argument(..., help="Units (EPC URN or Digital Link)."),
          reason: str = typer.Option(..., "--reason", help="Why the product is suspect.")) -> None:
    """Open an investigation; the operator's units among them are quarantined."""
    from app.investigations import service

    _json(_act(lambda s, op: _then(service.open_investigation(
        s, identifiers, reason, ACTOR, operator=op), _view)))


@app.command("note")
def note(investigation_id: int, text: str) -> None:
    """Add a note."""
    from app.investigations import service

    _json(_act(lambda s, op: _then(service.add_note(s, investigation_id, text, ACTOR, op), _view)))


@app.command("determine")
def determine(investigation_id: int,
              classification: str = typer.Option(..., help="counterfeit, diverted, stolen, "
                                                  "intentional_adulteration, "
                                                  "unfit_for_distribution or fraudulent_transaction."),
              description: str = typer.Option(..., help="What happened (3911 description).")) -> None:
    """Determine the product illegitimate: the 24-hour notification clock starts."""
    from app.investigations import service

    _json(_act(lambda s, op: _then(service.determine_illegitimate(
        s, investigation_id, classification, description, ACTOR, op), _view)))


@app.command("clear")
def clear(investigation_id: int, text: str = typer.Option(..., "--text", help="Why it is cleared.")) -> None:
    """Clear the product: units back to stock; prints the cleared-product notice."""
    from app.investigations import service

    _json(_act(lambda s, op: _then(service.clear(s, investigation_id, text, ACTOR, op),
                                   lambda pair: pair[1])))


@app.command("notified")
def notified(investigation_id: int,
             incident: str | None = typer.Option(None, help="FDA's incident number.")) -> None:
    """Record that FDA and the immediate trading partners were notified."""
    from app.investigations import service

    _json(_act(lambda s, op: _then(service.record_notified(s, investigation_id, ACTOR, op, incident),
                                   _view)))


@app.command("report")
def report(investigation_id: int,
           type: str = typer.Option(..., "--type", help="follow_up or termination."),
           text: str = typer.Option(..., "--text")) -> None:
    """File a follow-up report or a request for termination."""
    from app.investigations import service

    _json(_act(lambda s, op: _then(service.add_report(s, investigation_id, type, text, ACTOR, op),
                                   _view)))


@app.command("form")
def form(investigation_id: int,
         type: str | None = typer.Option(None, "--type", help="initial, follow_up or "
                                         "request_for_termination (default: what is due)."),
         pdf: Path | None = typer.Option(None, "--pdf", help="Write the draft as PDF here.")) -> None:
    """The Form FDA 3911 draft as JSON, keyed by field name (or as PDF with --pdf)."""
    from app.investigations import service

    if pdf is None:
        _json(_act(lambda s, op: service.form_3911(s, investigation_id, op, type)))
        return
    pdf.write_bytes(_act(lambda s, op: service.form_3911_pdf(s, investigation_id, op, type)))
    typer.echo(f"wrote {pdf}")


@app.command("quarantine")
def quarantine(identifiers: list[str] = typer.Argument(None), gtin: str | None = None,
               lot: str | None = None) -> None:
    """Quarantine units (a case with its contents) or the operator's stock of a lot."""
    from app.investigations import service

    selection = service.Selection(tuple(identifiers or ()), gtin, lot)
    for unit in _act(lambda s, op: service.quarantine(s, op, selection)):
        typer.echo(unit)


@app.command("release")
def release(identifiers: list[str] = typer.Argument(None), gtin: str | None = None,
            lot: str | None = None) -> None:
    """Release quarantined units back to stock."""
    from app.investigations import service

    selection = service.Selection(tuple(identifiers or ()), gtin, lot)
    for unit in _act(lambda s, op: service.release(s, op, selection)):
        typer.echo(unit)


def recall(gtin: str = typer.Argument(..., help="GTIN-14 of the product."),
           lot: list[str] = typer.Option(..., "--lot", help="A recalled lot; repeatable."),
           recall_class: str = typer.Option(..., "--class", help="FDA class I, II or III."),
           reason: str = typer.Option(..., "--reason")) -> None:
    """Recall lots of a product the operator is brand owner (or agent) of; lists the
    custodians to notify."""
    from app.recalls.schemas import RecallOut
    from app.recalls.service import RecallSpec, record_recall

    spec = RecallSpec(gtin, tuple(lot), recall_class, reason)
    _json(_act(lambda s, op: _then(record_recall(s, spec, ACTOR, op),
                                   lambda v: RecallOut.of(v).model_dump(mode="json", by_alias=True))))


async def _then(awaitable, shape):
    return shape(await awaitable)
