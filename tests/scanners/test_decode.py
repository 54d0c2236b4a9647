"""Image decoding: generated symbols under camera-like damage, the barcode corpus, backends."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from scanners import (
    FakeDecoder,
    GS1Error,
    ProductIdentifier,
    PyzbarDecoder,
    Symbol,
    ZxingDecoder,
    datamatrix_png,
    decode_image,
    parse_text,
    sscc_label_png,
)
from tests.corpus import corpus_path
from tests.scanners.synth import frame

PRODUCT = ProductIdentifier(gtin="00312345678906", serial="SN-42/7", lot="LOT5",
                            expiry=date(2027, 2, 28))
ZXING = ZxingDecoder()


def _module_image(product: ProductIdentifier, module_px: int) -> Image.Image:
    return Image.open(io.BytesIO(datamatrix_png(product, module_px=module_px, text=False)))


CONDITIONS = (
    [dict(module_px=m) for m in (2, 3, 4, 6, 10)]
    + [dict(module_px=4, angle=a) for a in (10, 23, 45, 90, 180, 270)]
    + [dict(module_px=m, blur=1.0) for m in (3, 4, 6)]
    + [dict(module_px=m, noise=30) for m in (2, 4)]
    + [dict(module_px=m, contrast=(90, 170)) for m in (2, 4)]
    + [dict(module_px=6, angle=23, blur=1.0, noise=20, contrast=(60, 200))]
)


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                       c.items()))
def test_generated_datamatrix_in_a_640x480_frame(condition):
    condition = dict(condition)
    image = frame(_module_image(PRODUCT, condition.pop("module_px")), seed=7, **condition)
    results = decode_image(image)
    assert [(r.symbol.symbology, r.product) for r in results] == [("]d2", PRODUCT)]


def test_several_codes_in_one_image_with_positions():
    canvas = Image.new("L", (1400, 700), 255)
    canvas.paste(_module_image(PRODUCT, 6), (40, 40))
    label = Image.open(io.BytesIO(sscc_label_png("106141412345678908", dpi=150))).convert("L")
    canvas.paste(label, (40 + 250, 200))
    results = sorted(decode_image(canvas), key=lambda r: r.symbol.symbology)
    assert [(r.symbol.symbology, r.product) for r in results] == [
        ("]C1", ProductIdentifier(sscc="106141412345678908")), ("]d2", PRODUCT)]
    dm = results[1].symbol.position
    assert dm[0][0] >= 40 and dm[0][1] >= 40 and dm[2][0] < 290 and dm[2][1] < 290


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepts_bytes_and_paths(fmt, tmp_path):
    image = frame(_module_image(PRODUCT, 4), seed=1)
    buf = io.BytesIO()
    image.save(buf, format=fmt, quality=90)
    assert decode_image(buf.getvalue())[0].product == PRODUCT
    path = tmp_path / f"scan.{fmt.lower()}"
    path.write_bytes(buf.getvalue())
    assert decode_image(path)[0].product == PRODUCT
    assert decode_image(str(path))[0].product == PRODUCT


def test_invalid_content_is_reported_not_raised():
    fake = FakeDecoder([Symbol("]d2", "0100312345678907", "DataMatrix"),
                        Symbol("]Q1", "https://id.gs1.org/01/00312345678906/21/X", "QRCode")])
    results = decode_image(Image.new("L", (8, 8)), fake)
    assert fake.calls == 1
    assert results[0].to_json() == {
        "symbology": "]d2", "raw": "0100312345678907",
        "error": "']d20100312345678907': AI (01) GTIN check digit at position 19: expected 6,"
                 " got 7"}
    assert results[1].to_json()["serial"] == "X"


def test_pyzbar_infers_gs1_128_from_content():
    import zxingcpp

    code = zxingcpp.create_barcode("[10]LOT1[21]S1", zxingcpp.BarcodeFormat.Code128, gs1=True)
    img = code.to_image(scale=3)
    image = Image.frombytes("L", (img.shape[1], img.shape[0]), bytes(memoryview(img)))
    assert [(s.symbology, s.raw) for s in PyzbarDecoder().decode(image)] == [
        ("]C1", "10LOT1\x1d21S1")]
    plain = zxingcpp.create_barcode("HELLO", zxingcpp.BarcodeFormat.Code128).to_image(scale=3)
    image = Image.frombytes("L", (plain.shape[1], plain.shape[0]), bytes(memoryview(plain)))
    assert [(s.symbology, s.raw) for s in PyzbarDecoder().decode(image)] == [("]C0", "HELLO")]


def test_pyzbar_reads_gs1_128_and_qr():
    pyzbar = PyzbarDecoder()
    label = Image.open(io.BytesIO(sscc_label_png("106141412345678908")))
    assert [(r.symbol.symbology, r.product.sscc) for r in decode_image(label, pyzbar)] == [
        ("]C1", "106141412345678908")]
    import zxingcpp

    qr = zxingcpp.create_barcode(PRODUCT.digital_link(), zxingcpp.BarcodeFormat.QRCode)
    qr_img = qr.to_image(scale=6)
    image = Image.frombytes("L", (qr_img.shape[1], qr_img.shape[0]), bytes(memoryview(qr_img)))
    for decoder in (pyzbar, ZXING):
        assert [(r.symbol.symbology, r.product) for r in decode_image(image, decoder)] == [
            ("]Q1", PRODUCT)]


# --- the shared corpus ------------------------------------------------------------------

def _corpus_images() -> list[Path]:
    root = corpus_path("barcodes")
    return sorted(p for p in root.rglob("*.png") if p.with_suffix(".txt").exists())


def test_corpus_has_the_expected_images():
    images = _corpus_images()
    assert len(images) == 117
    # eci-mixed.png is the one image without an expected .txt (nothing to compare it with).
    root = corpus_path("barcodes")
    assert [p.name for p in root.rglob("*.png") if not p.with_suffix(".txt").exists()] == [
        "eci-mixed.png"]


def _expected(png: Path) -> str:
    return png.with_suffix(".txt").read_bytes().decode("utf-8")


def test_every_zxing_cpp_corpus_image_decodes_to_its_expected_text():
    images = [p for p in _corpus_images() if "zxing-cpp" in p.parts]
    assert len(images) == 76
    misses = [p.name for p in images
              if _expected(p) not in [s.raw for s in ZXING.decode(Image.open(p))]]
    assert misses == []


def test_zxing_java_blackbox_decodes_to_the_same_gs1_data():
    """Java zxing writes DataBar expectations as a bare GTIN (rss14) or HRI (expanded)."""
    images = [p for p in _corpus_images() if "blackbox" in p.parts]
    assert len(images) == 41
    invalid = []
    for png in images:
        raw = [s.raw for s in ZXING.decode(Image.open(png))]
        expected = _expected(png)
        if "rss14-1" in png.parts:
            assert raw == ["01" + expected], png
            continue
        assert raw[0].replace("\x1d", "") == re.sub(r"\((\d+)\)", r"\1", expected), png
        try:
            wanted = [(e.ai, e.value) for e in parse_text(expected).elements]
        except GS1Error:  # synthetic data breaking GS1 rules, e.g. (423) with 13 digits
            invalid.append(png.name)
            with pytest.raises(GS1Error):
                parse_text(raw[0])
            continue
        assert [(e.ai, e.value) for e in parse_text(raw[0]).elements] == wanted, png
    assert invalid == ["32.png"]


def test_corpus_gs1_figure_is_a_pharma_identifier_in_datamatrix_and_qr():
    root = corpus_path("barcodes", "zxing-cpp")
    images = sorted(root.glob("*/gs1-figure-4.15.1-2*.png"))
    assert len(images) >= 2
    for png in images:
        (result,) = decode_image(png)
        assert result.symbol.symbology == ("]Q3" if "qrcode-2" in png.parts else "]d2")
        assert (result.product.gtin, result.product.serial, result.product.lot,
                result.product.expiry) == ("09504000059101", "12345678p901", "1234567p",
                                           date(2014, 11, 20))


def test_corpus_databar_and_gs1_128():
    root = corpus_path("barcodes", "zxing-cpp")
    (databar,) = decode_image(root / "rss14-1" / "1.png")
    assert (databar.symbol.symbology, databar.product) == (
        "]e0", ProductIdentifier(gtin="04412345678909"))
    (short,) = decode_image(root / "code128-1" / "1.png")  # GS1-128 with a truncated (16)
    assert (short.symbol.symbology, short.product, short.error) == (
        "]C1", None, "']C1168901': AI (16) value at position 6: expected 6 characters, got 4")
