"""``custody print labels|packing-list|pick-list SHIPMENT -o FILE.pdf``: a shipment's printables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.commands._runtime import run_in_transaction
from app.config import load_settings

app = typer.Typer(help="Print a shipment's SSCC labels, packing list or pick list (PDF).",
                  no_args_is_help=True)
Shipment = Annotated[int, typer.Argument(help="Shipment id.", min=1)]
Output = Annotated[Path, typer.Option("-o", "--output", help="PDF file to write.")]


def _write(kind: str, shipment_id: int, output: Path) -> None:
    from app.errors import CustodyError
    from app.operator.service import operator
    from app.printing import service

    settings = load_settings()
    render = {"labels": service.labels, "packing-list": service.packing_list,
              "pick-list": service.pick_list}[kind]

    async def work(session) -> bytes:
        return await render(session, await operator(session, settings.operator_gln), shipment_id)

    try:
        body = run_in_transaction(settings, work)
    except CustodyError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    try:
        output.write_bytes(body)
    except OSError as err:
        typer.echo(f"error: {output}: cannot write ({err.strerror})", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {output}: {kind} of shipment {shipment_id} ({len(body)} bytes)")


@app.command()
def labels(shipment: Shipment, output: Output) -> None:
    """One 4 x 6 inch GS1 logistics label per case (GS1-128 SSCC, DataMatrix with ship-to)."""
    _write("labels", shipment, output)


@app.command("packing-list")
def packing_list(shipment: Shipment, output: Output) -> None:
    """Each case's SSCC and contents: product, NDC, lot, expiry, count, serials."""
    _write("packing-list", shipment, output)


@app.command("pick-list")
def pick_list(shipment: Shipment, output: Output) -> None:
    """Saleable stock by product, lot and site, earliest expiry first."""
    _write("pick-list", shipment, output)
