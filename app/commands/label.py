"""`custody label ...`: print-ready GS1 DataMatrix and GS1-128 SSCC labels (PNG or SVG).

The file type follows the output name's suffix (.png or .svg). Bad input exits with 2.
"""

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from scanners import (
    GS1Error,
    ProductIdentifier,
    datamatrix_png,
    datamatrix_svg,
    parse_text,
    sscc_label_png,
    sscc_label_svg,
)

app = typer.Typer(help="Render GS1 labels: DataMatrix for packages, GS1-128 for SSCCs.",
                  no_args_is_help=True)

OutputOption = Annotated[Path, typer.Option("-o", "--output", help="Output file, .png or .svg.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _expiry(value: str) -> date:
    if len(value) == 6 and value.isdigit():
        expiry = parse_text("17" + value).elements[0].as_date
        assert expiry is not None, "AI 17 is a date AI: parse_text reads its date"
        return expiry
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise GS1Error(f"expiry {value!r}: expected YYYY-MM-DD or YYMMDD (day 00 = last day"
                       " of the month)", value=value) from None


def _write(output: Path, png: Callable[[], bytes], svg: Callable[[], str]) -> None:
    suffix = output.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise _fail(f"{output}: expected a .png or .svg file name, got {suffix or 'no suffix'!r}")
    try:
        if suffix == ".png":
            output.write_bytes(png())
        else:
            output.write_text(svg(), encoding="utf-8")
    except OSError as err:
        raise _fail(f"{output}: cannot write ({err.strerror})") from None


@app.command()
def datamatrix(
    gtin: Annotated[str, typer.Option(help="GTIN-14 (or 8/12/13 digits, zero-padded).")],
    output: OutputOption,
    serial: Annotated[str | None, typer.Option(help="Serial number, AI (21).")] = None,
    lot: Annotated[str | None, typer.Option(help="Lot / batch, AI (10).")] = None,
    expiry: Annotated[str | None, typer.Option(help="YYYY-MM-DD or YYMMDD.")] = None,
    module_px: Annotated[int, typer.Option(help="PNG pixels per module.")] = 8,
) -> None:
    """GS1 DataMatrix for a product identifier, with the human-readable lines below."""
    try:
        product = ProductIdentifier(gtin=gtin, serial=serial, lot=lot,
                                    expiry=_expiry(expiry) if expiry else None)
    except GS1Error as err:
        raise _fail(str(err)) from None
    _write(output, lambda: datamatrix_png(product, module_px=module_px),
           lambda: datamatrix_svg(product))
    typer.echo(f"wrote {output}: GS1 DataMatrix {product.hri}")


@app.command()
def sscc(
    sscc: Annotated[str, typer.Option(help="SSCC-18 (18 digits with check digit).")],
    output: OutputOption,
) -> None:
    """GS1-128 shipping label for an SSCC, with the human-readable line."""
    try:
        ProductIdentifier(sscc=sscc)
    except GS1Error as err:
        raise _fail(str(err)) from None
    _write(output, lambda: sscc_label_png(sscc), lambda: sscc_label_svg(sscc))
    typer.echo(f"wrote {output}: GS1-128 (00){sscc}")
