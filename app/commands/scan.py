"""`custody scan ...`: read GS1 barcodes from images or from scanner / typed text.

Exit codes: 0 every code read and valid; 1 a code was invalid or an image held no code;
2 bad input (unreadable file, text that is not a valid GS1 identifier, bad option).
"""

import json
from pathlib import Path
from typing import Annotated

import typer
from PIL import UnidentifiedImageError

from scanners import (
    GS,
    GS1Error,
    ProductIdentifier,
    PyzbarDecoder,
    ZxingDecoder,
    decode_image,
    parse_product,
)
from scanners.decode import ScanResult
from scanners.text import GS1_SYMBOLOGIES

app = typer.Typer(help="Read GS1 barcodes from images or scanner text.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
SeparatorOption = Annotated[str, typer.Option(
    "--separator", help="Characters your scanner sends instead of GS (ASCII 29), e.g. '|'.")]


NOTHING = {
    "zxing": "no code found",
    "pyzbar": "no code found; ZBar cannot read DataMatrix (the GS1 DataMatrix on DSCSA "
              "packages): use --backend zxing",
}
"""What ``decode`` says of an image in which a backend found no code."""


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _unescape(text: str) -> str:
    """Let a shell user write GS as <GS>, \\x1d or \\u001d."""
    return text.replace("<GS>", GS).replace("\\x1d", GS).replace("\\u001d", GS)


def _describe(product: ProductIdentifier) -> list[str]:
    name = GS1_SYMBOLOGIES.get(product.symbology or "", "typed or scanned text")
    lines = [f"  {name}" + (f" ({product.symbology})" if product.symbology else "")]
    if product.sscc:
        lines.append(f"  SSCC     {product.sscc}")
    if product.gtin:
        ndc = f"   (NDC {product.ndc10})" if product.ndc10 else ""
        lines.append(f"  GTIN     {product.gtin}{ndc}")
    expiry = product.expiry.isoformat() if product.expiry else None
    if product.expired():
        expiry = f"{expiry}   EXPIRED"
    for label, value in (("Serial", product.serial), ("Lot", product.lot), ("Expiry", expiry)):
        if value is not None:
            lines.append(f"  {label:<8} {value}")
    if product.gtin and not product.complete:
        missing = [n for n, v in (("serial", product.serial), ("lot", product.lot),
                                  ("expiry", product.expiry)) if v is None]
        lines.append(f"  Note     not a full DSCSA identifier: no {', '.join(missing)}")
    return lines


@app.command()
def decode(
    images: Annotated[list[Path], typer.Argument(help="PNG, JPEG or WebP files.")],
    json_output: JsonOption = False,
    separator: SeparatorOption = "",
    backend: Annotated[str, typer.Option(help="zxing (default) or pyzbar.")] = "zxing",
) -> None:
    """Find every barcode in each image and check it is a valid GS1 identifier."""
    if backend not in ("zxing", "pyzbar"):
        raise _fail(f"--backend: expected zxing or pyzbar, got {backend!r}")
    decoder = ZxingDecoder() if backend == "zxing" else PyzbarDecoder()
    found: list[tuple[Path, list[ScanResult]]] = []
    for path in images:
        try:
            found.append((path, decode_image(path, decoder, separator or GS)))
        except (OSError, UnidentifiedImageError) as err:
            raise _fail(f"{path}: cannot read image ({err.__class__.__name__}: {err})") from None
    if json_output:
        typer.echo(json.dumps([{"image": str(path), **r.to_json()} for path, results in found
                               for r in results], indent=2))
    else:
        for path, results in found:
            typer.echo(f"{path}: " + (f"{len(results)} code(s)" if results else NOTHING[backend]))
            for r in results:
                lines = _describe(r.product) if r.product else [
                    f"  NOT VALID ({r.symbol.symbology or 'unknown symbology'}): {r.error}"]
                typer.echo("\n".join(lines))
    if any(not results or any(r.error for r in results) for _, results in found):
        raise typer.Exit(1)


@app.command()
def parse(
    text: Annotated[str, typer.Argument(
        help="Element string (GS as <GS> or \\x1d), HRI '(01)...(21)...' or Digital Link URI.")],
    json_output: JsonOption = False,
    separator: SeparatorOption = "",
) -> None:
    """Check scanner or typed text and show the identifier it carries."""
    raw = _unescape(text)
    try:
        product = parse_product(raw, separator or GS)
    except GS1Error as err:
        if json_output:
            typer.echo(json.dumps({"symbology": None, "raw": raw, "error": str(err)}))
            raise typer.Exit(2) from None
        raise _fail(str(err)) from None
    if json_output:
        typer.echo(json.dumps(product.to_json()))
    else:
        typer.echo("\n".join(["Valid GS1 identifier", *_describe(product)]))


@app.command()
def verify(
    text: Annotated[str | None, typer.Argument(
        help="Scanner text (GS as <GS> or \\x1d), HRI or Digital Link.")] = None,
    image: Annotated[Path | None, typer.Option("--image", help="A photo of the code.")] = None,
    station: Annotated[str | None, typer.Option("--station", help="Scan station name.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Verify one package against the ledger (CUSTODY_OPERATOR_GLN's custody); the scan is stored.

    Exit codes: 0 verified, 1 any other verdict, 2 bad input.
    """
    from app.commands._runtime import run_in_transaction
    from app.config import load_settings
    from app.scans import service
    from app.scans.schemas import VerifyOut
    from app.staff.service import Actor

    if (text is None) == (image is None):
        raise _fail("expected scanner TEXT or --image FILE, exactly one")
    settings = load_settings()
    actor = Actor("cli")
    data = None
    if image is not None:
        try:
            data = image.read_bytes()
        except OSError as err:
            raise _fail(f"{image}: cannot read image ({err.__class__.__name__}: {err})") from None

    async def run(session):
        if data is not None:
            done = await service.verify_image(session, settings.operator_gln, data, station, actor)
        else:
            assert text is not None  # exactly one of the two, checked above
            done = await service.verify_text(session, settings.operator_gln, _unescape(text),
                                             station, actor)
        return VerifyOut.of(done)

    out = run_in_transaction(settings, run)
    if json_output:
        typer.echo(out.model_dump_json(indent=2))
    else:
        typer.echo(out.verdict.upper().replace("-", " "))
        for reason in out.reasons:
            typer.echo(f"  {reason}")
        if out.unit:
            typer.echo(f"  unit     {out.unit.identifier} ({out.unit.status})")
    if out.verdict != "verified":
        raise typer.Exit(1)
