"""Image decoding behind one small protocol: zxing-cpp (default), pyzbar, and a fake for tests.

A decoder takes a Pillow image and returns every symbol it finds as a `Symbol`
(symbology identifier, raw text with GS separators, corner points). `decode_image`
loads PNG/JPEG/WebP bytes or a path, runs a decoder and turns each symbol into a
`ScanResult`: the validated `ProductIdentifier`, or the error text saying why not.
"""

import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from PIL import Image

from gs1.errors import GS1Error
from scanners.product import ProductIdentifier, parse_product
from scanners.text import GS, parse_text

Point = tuple[int, int]
ImageSource = bytes | str | os.PathLike[str] | Image.Image


@dataclass(frozen=True)
class Symbol:
    """One barcode found in an image.

    ``symbology`` is the ISO/IEC 15424 symbology identifier (``]d2`` GS1 DataMatrix,
    ``]C1`` GS1-128, ``]e0`` GS1 DataBar, ``]Q3`` GS1 QR, ``]Q1`` plain QR ...);
    ``raw`` the content with GS (ASCII 29) separators; ``position`` the corners
    top-left, top-right, bottom-right, bottom-left in pixels.
    """

    symbology: str
    raw: str
    format: str
    position: tuple[Point, ...] = ()


class Decoder(Protocol):
    """What `decode_image` needs from a backend."""

    name: str

    def decode(self, image: Image.Image) -> list[Symbol]:
        """Every symbol found in ``image`` (any mode; backends convert as they need)."""
        ...


class ZxingDecoder:
    """zxing-cpp: GS1 DataMatrix, GS1-128, DataBar, QR (incl. GS1 QR and Digital Link) ...

    ``fast=True`` turns off rotation by 90 degrees, downscaling and inverted search
    (several times faster on camera frames; still reads modest tilts).
    """

    name = "zxing-cpp"

    def __init__(self, fast: bool = False, formats: Any = None) -> None:
        import zxingcpp

        self._zx = zxingcpp
        self._options: dict[str, Any] = {"text_mode": zxingcpp.TextMode.Plain}
        if formats is not None:
            self._options["formats"] = formats
        if fast:
            self._options.update(try_rotate=False, try_downscale=False, try_invert=False)

    def decode(self, image: Image.Image) -> list[Symbol]:
        """Decode with zxing-cpp's `read_barcodes`."""
        return [
            Symbol(
                symbology=r.symbology_identifier,
                raw=r.text,
                format=r.format.name,
                position=tuple((p.x, p.y) for p in (r.position.top_left, r.position.top_right,
                                                    r.position.bottom_right,
                                                    r.position.bottom_left)),
            )
            for r in self._zx.read_barcodes(image, **self._options)
        ]


# pyzbar does not report symbology identifiers or FNC1; these are inferred from the type,
# and for Code 128 / QR from whether the content reads as GS1 data.
_ZBAR_IDS = {"CODE128": ("]C1", "]C0"), "QRCODE": ("]Q3", "]Q1"), "DATABAR": ("]e0", "]e0"),
             "DATABAR_EXP": ("]e0", "]e0"), "EAN13": ("]E0", "]E0"), "EAN8": ("]E4", "]E4"),
             "UPCA": ("]E0", "]E0"), "CODE39": ("]A0", "]A0"), "I25": ("]I0", "]I0")}


class PyzbarDecoder:
    """pyzbar (ZBar): linear symbologies and QR; no DataMatrix. Needs the libzbar0 package."""

    name = "pyzbar"

    def __init__(self) -> None:
        from pyzbar import pyzbar

        self._decode = pyzbar.decode

    def decode(self, image: Image.Image) -> list[Symbol]:
        """Decode with `pyzbar.decode`; symbology identifiers are inferred (see module)."""
        out = []
        for r in self._decode(image.convert("L")):
            raw = r.data.decode("latin-1")
            gs1_id, plain_id = _ZBAR_IDS.get(r.type, ("", ""))
            symbology = plain_id
            if gs1_id != plain_id and not raw.lower().startswith(("http://", "https://")):
                try:
                    parse_text(raw)
                    symbology = gs1_id
                except GS1Error:
                    pass
            xs = [p.x for p in r.polygon] or [r.rect.left]
            ys = [p.y for p in r.polygon] or [r.rect.top]
            corners = ((min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)),
                       (min(xs), max(ys)))
            out.append(Symbol(symbology, raw, r.type, corners))
        return out


@dataclass
class FakeDecoder:
    """Returns the symbols it was given, for any image; records how often it was asked."""

    symbols: Sequence[Symbol] = ()
    name: str = "fake"
    calls: int = field(default=0, compare=False)

    def decode(self, image: Image.Image) -> list[Symbol]:
        """The preset symbols."""
        self.calls += 1
        return list(self.symbols)


def load_image(source: ImageSource) -> Image.Image:
    """Open PNG/JPEG/WebP (any format Pillow reads) from bytes, a path, or pass an image through.

    Raises:
        GS1Error: never; `OSError` / `PIL.UnidentifiedImageError` for unreadable files.
    """
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, bytes | bytearray):
        image = Image.open(io.BytesIO(source))
    else:
        image = Image.open(source)
    image.load()
    return image


@dataclass(frozen=True)
class ScanResult:
    """One symbol and what it means: ``product`` or, when it is not valid GS1 data, ``error``."""

    symbol: Symbol
    product: ProductIdentifier | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        """The ``custody scan decode`` JSON object.

        ``raw`` is the symbol's content without the symbology identifier (that is
        ``symbology``); ``error`` is there only when the symbol is invalid.
        """
        if self.product is None:
            return {"symbology": self.symbol.symbology, "raw": self.symbol.raw,
                    "error": self.error}
        return {**self.product.to_json(), "raw": self.symbol.raw}


_DEFAULT: list[Decoder] = []


def default_decoder() -> Decoder:
    """The shared zxing-cpp decoder (created on first use)."""
    if not _DEFAULT:
        _DEFAULT.append(ZxingDecoder())
    return _DEFAULT[0]


def interpret(symbols: Iterable[Symbol], separators: str = GS) -> list[ScanResult]:
    """Parse and validate each symbol's content, keeping the symbology identifier.

    >>> interpret([Symbol("]d2", "0100312345678906", "DataMatrix")])[0].product.gtin
    '00312345678906'
    >>> interpret([Symbol("]d1", "hello", "DataMatrix")])[0].error
    "']d1hello': application identifier at position 4: expected a known GS1 AI, got 'hell'"
    """
    results = []
    for symbol in symbols:
        try:
            product = parse_product(symbol.symbology + symbol.raw, separators)
            results.append(ScanResult(symbol, product, None))
        except GS1Error as err:
            results.append(ScanResult(symbol, None, str(err)))
    return results


def decode_image(source: ImageSource, decoder: Decoder | None = None,
                 separators: str = GS) -> list[ScanResult]:
    """Find every code in an image and interpret it.

    Args:
        source: PNG/JPEG/WebP bytes, a path, or a Pillow image.
        decoder: a `Decoder`; zxing-cpp by default.
        separators: extra characters accepted as GS (see `scanners.text.parse_text`).
    """
    return interpret((decoder or default_decoder()).decode(load_image(source)), separators)
