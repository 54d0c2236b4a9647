"""Labels Custody prints: GS1 DataMatrix for a product identifier, GS1-128 for an SSCC.

The DataMatrix is encoded by zxing-cpp's writer (zint) in GS1 mode, fed the bracketed
element string ``[01]...[17]...[10]...[21]...`` (brackets are outside GS1 character
set 82, so no data value can be mistaken for an AI), square sizes only. PNG and SVG are drawn from the
module matrix, with the human-readable lines below. The SSCC label is python-barcode's
GS1-128 at the GS1 logistics-label X-dimension (0.5 mm) and bar height (32 mm).
"""

import io
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from gs1.identifiers import validate_sscc
from scanners.product import ProductIdentifier


def human_lines(product: ProductIdentifier) -> list[str]:
    """The human-readable lines printed beside the code.

    >>> from scanners.product import parse_product
    >>> human_lines(parse_product("(01)00312345678906(17)270200(10)L1(21)S1"))
    ['GTIN 00312345678906', 'NDC 1234567890', 'EXP 2027-02-28', 'LOT L1', 'SN S1']
    """
    lines = [f"GTIN {product.gtin}"] if product.gtin else [f"SSCC {product.sscc}"]
    if product.ndc10:
        lines.append(f"NDC {product.ndc10}")
    if product.expiry:
        lines.append(f"EXP {product.expiry.isoformat()}")
    if product.lot:
        lines.append(f"LOT {product.lot}")
    if product.serial:
        lines.append(f"SN {product.serial}")
    return lines


def datamatrix_modules(product: ProductIdentifier) -> list[list[bool]]:
    """The GS1 DataMatrix module matrix (True = dark), including a 1-module quiet zone.

    >>> from scanners.product import parse_product
    >>> m = datamatrix_modules(parse_product("(01)00312345678906(21)S1"))
    >>> len(m), m[1][1], m[0][0]
    (18, True, False)
    """
    return gs1_datamatrix_modules(product.element_pairs)


def _modules(pairs: "tuple[tuple[str, str], ...] | list[tuple[str, str]]", fmt: str,
             **options: bool) -> list[list[bool]]:
    import zxingcpp

    bracketed = "".join(f"[{ai}]{value}" for ai, value in pairs)
    image = zxingcpp.create_barcode(bracketed, getattr(zxingcpp.BarcodeFormat, fmt), gs1=True,
                                    **options).to_image(scale=1)
    height, width = image.shape[0], image.shape[1]
    data = bytes(memoryview(image))  # type: ignore[arg-type]  # zxingcpp.Image is a buffer
    return [[data[y * width + x] < 128 for x in range(width)] for y in range(height)]


def gs1_datamatrix_modules(pairs: "tuple[tuple[str, str], ...] | list[tuple[str, str]]",
                           ) -> list[list[bool]]:
    """A GS1 DataMatrix of any element pairs (AI, value): module matrix with a quiet zone.

    >>> m = gs1_datamatrix_modules([("00", "003700020000000019"), ("410", "0614141000005")])
    >>> len(m) == len(m[0]), m[1][1]
    (True, True)
    """
    # Square ECC 200 only: rectangular DMRE sizes are not read by many installed scanners.
    return _modules(pairs, "DataMatrix", force_square=True)


def sscc_bars(sscc: str) -> list[bool]:
    """GS1-128 modules (True = bar) for AI (00) + ``sscc``, with 10-module quiet zones.

    >>> bars = sscc_bars("003700020000000019")
    >>> len(bars), bars[:10] == [False] * 10, bars[10]
    (176, True, True)
    """
    return _modules([("00", validate_sscc(sscc))], "Code128")[0]


def datamatrix_png(product: ProductIdentifier, module_px: int = 8, text: bool = True) -> bytes:
    """PNG bytes: the DataMatrix at ``module_px`` pixels per module, text lines below."""
    modules = datamatrix_modules(product)
    size = len(modules) * module_px
    symbol = Image.new("L", (len(modules[0]), len(modules)), 255)
    symbol.putdata([0 if dark else 255 for row in modules for dark in row])
    symbol = symbol.resize((len(modules[0]) * module_px, size), Image.Resampling.NEAREST)
    lines = human_lines(product) if text else []
    font = ImageFont.load_default(size=max(12, module_px * 2))
    line_h = int(font.size * 1.3) if lines else 0  # type: ignore[union-attr]  # sized default font
    text_w = max((int(font.getlength(line)) for line in lines), default=0)
    canvas = Image.new("L", (max(symbol.width, text_w + 2 * module_px),
                             size + line_h * len(lines) + module_px), 255)
    canvas.paste(symbol, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        draw.text((module_px, size + i * line_h), line, fill=0, font=font)
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


def datamatrix_svg(product: ProductIdentifier, module_mm: float = 0.5, text: bool = True) -> str:
    """SVG text: one rect per horizontal run of dark modules, text lines below.

    Sizes are in millimetres (``module_mm`` per module; DSCSA packages commonly use
    0.25-0.5 mm).
    """
    modules = datamatrix_modules(product)
    rects = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                rects.append(f'<rect x="{start}" y="{y}" width="{x - start}" height="1"/>')
            x += 1
    lines = human_lines(product) if text else []
    n = len(modules)
    line_h = 3.5  # modules per line, font 3 modules
    height = n + line_h * len(lines) + (1 if lines else 0)
    width = max(n, 2 + max((len(line) for line in lines), default=0) * 1.8)
    texts = [f'<text x="1" y="{n + line_h * (i + 1):g}" font-family="monospace"'
             f' font-size="3">{escape(line)}</text>' for i, line in enumerate(lines)]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * module_mm:g}mm"'
        f' height="{height * module_mm:g}mm" viewBox="0 0 {width:g} {height:g}">'
        f'<rect width="{width:g}" height="{height:g}" fill="#fff"/>'
        f'<g fill="#000">{"".join(rects)}</g>{"".join(texts)}</svg>\n'
    )


def _gs1_128(sscc: str, writer: object) -> object:
    from barcode.codex import Gs1_128

    return Gs1_128("00" + validate_sscc(sscc), writer=writer)


_LABEL_OPTIONS = {"module_width": 0.5, "module_height": 32.0, "quiet_zone": 6.0,
                  "font_size": 12, "text_distance": 5.0}


def sscc_hri(sscc: str) -> str:
    """The SSCC as printed under the bars.

    >>> sscc_hri("106141412345678908")
    '(00) 106141412345678908'
    """
    return f"(00) {validate_sscc(sscc)}"


def sscc_hri_grouped(sscc: str, company_prefix_length: int) -> str:
    """The SSCC as a logistics label prints it: extension, company prefix, serial, check digit.

    >>> sscc_hri_grouped("003700020000000019", 7)
    '(00) 0 0370002 000000001 9'
    """
    sscc = validate_sscc(sscc)
    end = 1 + company_prefix_length
    return f"(00) {sscc[0]} {sscc[1:end]} {sscc[end:17]} {sscc[17]}"


def sscc_label_svg(sscc: str) -> str:
    """GS1-128 SSCC label as SVG text (python-barcode), human-readable line below."""
    from barcode.writer import SVGWriter

    code = _gs1_128(sscc, SVGWriter())
    svg: bytes = code.render(dict(_LABEL_OPTIONS), text=sscc_hri(sscc))  # type: ignore[attr-defined]
    return svg.decode()


def sscc_label_png(sscc: str, dpi: int = 300) -> bytes:
    """GS1-128 SSCC label as PNG bytes (python-barcode's Pillow writer)."""
    from barcode.writer import ImageWriter

    code = _gs1_128(sscc, ImageWriter())
    image = code.render({**_LABEL_OPTIONS, "dpi": dpi, "format": "PNG"}, text=sscc_hri(sscc))  # type: ignore[attr-defined]
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
