"""Decode and verify GS1 product identifiers from images and scanner input; render labels.

Pure library: never imports `app`, SQLAlchemy, FastAPI or psycopg.

>>> parse_product("(01)00312345678906(17)260500(10)L1(21)S1").ndc10
'1234567890'
"""

from gs1.errors import GS1Error
from scanners.product import ProductIdentifier, parse_product, product_from_scan
from scanners.text import GS, Element, ScanText, parse_text

__all__ = ["GS", "Element", "GS1Error", "ProductIdentifier", "ScanText", "parse_product",
           "parse_text", "product_from_scan"]
