"""Every rendered label decodes back to the identifier it was made from."""

import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from gs1.checkdigit import check_digit
from gs1.errors import GS1Error
from gs1.identifiers import AI82
from scanners import (
    ProductIdentifier,
    datamatrix_png,
    datamatrix_svg,
    decode_image,
    sscc_label_png,
    sscc_label_svg,
)
from tests.scanners.synth import rasterize_svg

PRODUCTS = [
    ProductIdentifier(gtin="00312345678906", serial="SN-42/7", lot="LOT5", expiry=date(2027, 2, 28)),
    ProductIdentifier(gtin="09504000059101", serial="12345678p901", lot="1234567p",
                      expiry=date(2014, 11, 20)),
    ProductIdentifier(gtin="50312345678901", serial='A"%&()*+,-./:;<=>?_z', lot="(10)x"),
    ProductIdentifier(gtin="00312345678906"),
]


def _decoded(image) -> list[tuple[str, ProductIdentifier | None]]:
    return [(r.symbol.symbology, r.product) for r in decode_image(image)]


@pytest.mark.parametrize("product", PRODUCTS)
def test_datamatrix_png_and_svg_decode_back(product):
    for module_px in (3, 8):
        png = datamatrix_png(product, module_px=module_px)
        assert png.startswith(b"\x89PNG")
        assert _decoded(png) == [("]d2", product)]
    svg = datamatrix_svg(product)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert _decoded(rasterize_svg(svg, 5)) == [("]d2", product)]


def test_datamatrix_carries_human_readable_text():
    svg = datamatrix_svg(PRODUCTS[2])
    assert "<text" in svg and "SN A&quot;" not in svg and "SN A\"%&amp;()" in svg
    assert "EXP" not in svg
    plain = Image.open(io.BytesIO(datamatrix_png(PRODUCTS[0], text=False)))
    labelled = Image.open(io.BytesIO(datamatrix_png(PRODUCTS[0])))
    assert labelled.height > plain.height + 4 * 16


@pytest.mark.parametrize("sscc", ["106141412345678908", "003123450000000011"])
def test_sscc_labels_decode_back(sscc):
    expected = [("]C1", ProductIdentifier(sscc=sscc))]
    assert _decoded(sscc_label_png(sscc)) == expected
    svg = sscc_label_svg(sscc)
    assert f"(00) {sscc}" in svg
    assert _decoded(rasterize_svg(svg, 4)) == expected


def test_sscc_label_refuses_a_bad_sscc():
    with pytest.raises(GS1Error, match=r"^SSCC '106141412345678909': expected check digit 8"):
        sscc_label_svg("106141412345678909")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.text("0123456789", min_size=13, max_size=13),
    serial=st.text(sorted(AI82), min_size=1, max_size=20),
    lot=st.none() | st.text(sorted(AI82), min_size=1, max_size=20),
    expiry=st.none() | st.dates(date(2000, 1, 1), date(2049, 12, 31)),
)
def test_any_valid_identifier_round_trips_through_a_datamatrix(body, serial, lot, expiry):
    product = ProductIdentifier(gtin=body + check_digit(body), serial=serial, lot=lot,
                                expiry=expiry)
    assert _decoded(datamatrix_png(product, module_px=3, text=False)) == [("]d2", product)]


def test_datamatrix_is_always_square():
    # zint picks a rectangular DMRE 8x64 for this content unless told not to
    product = ProductIdentifier(gtin="00000000000000", serial="0:0:", lot="0:0",
                                expiry=date(2000, 1, 1))
    from scanners.render import datamatrix_modules

    modules = datamatrix_modules(product)
    assert len(modules) == len(modules[0]) == 24  # 22x22 symbol + quiet zone
    assert _decoded(datamatrix_png(product)) == [("]d2", product)]
