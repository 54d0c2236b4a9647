"""Decode and verify GS1 product identifiers from images and scanner input; render labels.

Pure library: never imports `app`, SQLAlchemy, FastAPI or psycopg.

>>> parse_product("(01)00312345678906(17)260500(10)L1(21)S1").ndc10
'1234567890'
"""

from gs1.errors import GS1Error
from scanners.decode import (
    Decoder,
    FakeDecoder,
    PyzbarDecoder,
    ScanResult,
    Symbol,
    ZxingDecoder,
    decode_image,
    interpret,
    load_image,
)
from scanners.product import ProductIdentifier, parse_product, product_from_scan
from scanners.render import (
    datamatrix_png,
    datamatrix_svg,
    gs1_datamatrix_modules,
    human_lines,
    sscc_bars,
    sscc_hri_grouped,
    sscc_label_png,
    sscc_label_svg,
)
from scanners.text import GS, Element, ScanText, parse_text

__all__ = ["GS", "Decoder", "Element", "FakeDecoder", "GS1Error", "ProductIdentifier",
           "PyzbarDecoder", "ScanResult", "ScanText", "Symbol", "ZxingDecoder", "datamatrix_png",
           "datamatrix_svg", "decode_image", "gs1_datamatrix_modules", "human_lines", "interpret", "load_image",
           "parse_product", "parse_text", "product_from_scan", "sscc_bars", "sscc_hri_grouped",
           "sscc_label_png",
           "sscc_label_svg"]
