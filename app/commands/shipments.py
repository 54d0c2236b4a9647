"""``custody shipments list|show|create|case|scan|close|reopen|ship|cancel|epcis``: pick and
pack as the operator (``CUSTODY_OPERATOR_GLN``) from a terminal."""

from __future__ import annotations

from pathlib import Path

import typer

from app.commands.investigations import ACTOR, _act, _json

app = typer.Typer(help="Outbound shipments: SSCC cases packed by scan, shipped with DSCSA TI/TS.",
                  no_args_is_help=True)


def _view(view) -> dict:
    from app.shipments.schemas import ShipmentOut

    return ShipmentOut.of(view).model_dump(mode="json")


@app.command("list")
def list_(status: str | None = typer.Option(None, help="open, packed, shipped or cancelled.")) -> None:
    """One line per shipment, newest first: id, status, ship-to, cases, units, order."""
    from app.shipments import service

    async def work(session, op):
        return [(v.shipment.id, v.shipment.status, v.ship_to_name, len(v.cases), v.units,
                 v.shipment.order_number or "-")
                for v in await service.list_shipments(session, status)]

    rows = _act(work)
    for row in rows:
        typer.echo("\t".join(str(x) for x in row))
    if not rows:
        typer.echo("no shipments")


@app.command("show")
def show(shipment_id: int) -> None:
    """A shipment as JSON: ship-to, cases with their SSCCs and units."""
    from app.shipments import service

    async def work(session, op):
        return _view(await service.get_shipment(session, shipment_id))

    _json(_act(work))


@app.command("create")
def create(ship_to: str = typer.Argument(..., help="GLN of the ship-to partner."),
           site: str | None = typer.Option(None, help="SGLN of its site (default: its first)."),
           order: str | None = typer.Option(None, help="The buyer's purchase order number."),
           case_ref: str | None = typer.Option(None, help="Opaque named-patient case reference."),
           carrier: str | None = None, tracking: str | None = None) -> None:
    """Open a shipment to an authorized, licensed partner."""
    from app.shipments import service

    spec = service.ShipmentSpec(ship_to, site, order, case_ref, carrier, tracking)

    async def work(session, op):
        return _view(await service.create_shipment(session, op, spec, ACTOR))

    _json(_act(work))


@app.command("case")
def case(shipment_id: int) -> None:
    """A new case with a fresh SSCC; prints its id and SSCC."""
    from app.shipments import service

    async def work(session, op):
        return await service.add_case(session, op, shipment_id, ACTOR)

    made = _act(work)
    typer.echo(f"case {made.case.id}\tSSCC {made.case.sscc}\t{made.epc}")


@app.command("scan")
def scan(shipment_id: int, case_id: int,
         text: str = typer.Argument(..., help="Scanner text, HRI or Digital Link."),
         station: str | None = None) -> None:
    """Scan a package into an open case (verified first); prints the running count."""
    from app.shipments import service
    from app.staff.service import Actor

    async def work(session, op):
        return await service.pack_scan(session, op, shipment_id, case_id, text, station,
                                       Actor(ACTOR))

    done = _act(work)
    typer.echo(f"{done.epc}\t{done.verdict}\tcase {done.sscc}: {done.count} units")


def _case_action(name: str, shipment_id: int, case_id: int) -> None:
    from app.shipments import service

    async def work(session, op):
        return await getattr(service, name)(session, op, shipment_id, case_id, ACTOR)

    done = _act(work)
    typer.echo(f"case {done.case.sscc}: {'closed' if done.case.closed_at else 'open'}, "
               f"{done.count} units")


@app.command("close")
def close(shipment_id: int, case_id: int) -> None:
    """Close a case: its AggregationEvent through the ledger."""
    _case_action("close_case", shipment_id, case_id)


@app.command("reopen")
def reopen(shipment_id: int, case_id: int) -> None:
    """Reopen a closed case before shipping (an AggregationEvent DELETE)."""
    _case_action("reopen_case", shipment_id, case_id)


@app.command("ship")
def ship(shipment_id: int) -> None:
    """Ship a packed shipment: the shipping event with DSCSA TI/TS through the ledger."""
    from app.config import load_settings
    from app.shipments import service
    from app.vault.keys import optional_keyring

    ring = optional_keyring(load_settings())

    async def work(session, op):
        return _view(await service.ship(session, op, shipment_id, ACTOR, ring=ring))

    _json(_act(work))


@app.command("cancel")
def cancel(shipment_id: int) -> None:
    """Cancel a shipment that has not shipped (closed cases are unpacked)."""
    from app.shipments import service

    async def work(session, op):
        return _view(await service.cancel(session, op, shipment_id, ACTOR))

    _json(_act(work))


@app.command("epcis")
def epcis(shipment_id: int,
          format: str = typer.Option("1.2-xml", help="1.2-xml or 2.0-jsonld."),  # noqa: A002
          out: Path | None = typer.Option(None, "--out", help="Write to this file (default: stdout).")) -> None:
    """The outbound EPCIS document of a shipped shipment."""
    from app.shipments import service

    async def work(session, op):
        return await service.outbound(session, op, shipment_id, format)

    body = _act(work)
    if out is None:
        typer.echo(body.decode())
    else:
        out.write_bytes(body)
        typer.echo(f"{out}: {len(body):,} bytes")
