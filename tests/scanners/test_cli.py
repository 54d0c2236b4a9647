"""`custody scan` and `custody label` through Typer's runner on the sub-apps."""

import json

import pytest
from typer.testing import CliRunner

from app.commands import label, scan

RUNNER = CliRunner()


def _run(app, *args):
    return RUNNER.invoke(app, list(map(str, args)))


@pytest.fixture
def labels(tmp_path):
    dm, sscc = tmp_path / "unit.png", tmp_path / "pallet.svg"
    out = _run(label.app, "datamatrix", "--gtin", "00312345678906", "--serial", "SN-42/7",
               "--lot", "LOT5", "--expiry", "270200", "-o", dm)
    assert (out.exit_code, out.output) == (
        0, f"wrote {dm}: GS1 DataMatrix (01)00312345678906(17)270228(10)LOT5(21)SN-42/7\n")
    out = _run(label.app, "sscc", "--sscc", "106141412345678908", "-o", tmp_path / "pallet.png")
    assert out.exit_code == 0
    out = _run(label.app, "sscc", "--sscc", "106141412345678908", "-o", sscc)
    assert out.exit_code == 0 and sscc.read_text().startswith("<?xml")
    return dm, tmp_path / "pallet.png"


def test_decode_json(labels):
    out = _run(scan.app, "decode", *labels, "--json")
    assert out.exit_code == 0
    assert json.loads(out.output) == [
        {"image": str(labels[0]), "symbology": "]d2",
         "raw": "01003123456789061727022810LOT5\x1d21SN-42/7", "gtin": "00312345678906",
         "serial": "SN-42/7", "lot": "LOT5", "expiry": "2027-02-28", "ndc": "1234567890",
         "sscc": None},
        {"image": str(labels[1]), "symbology": "]C1", "raw": "00106141412345678908",
         "gtin": None, "serial": None, "lot": None, "expiry": None, "ndc": None,
         "sscc": "106141412345678908"},
    ]


def test_decode_text_for_staff(labels):
    out = _run(scan.app, "decode", labels[0])
    assert (out.exit_code, out.output) == (0, "\n".join([
        f"{labels[0]}: 1 code(s)",
        "  GS1 DataMatrix (]d2)",
        "  GTIN     00312345678906   (NDC 1234567890)",
        "  Serial   SN-42/7",
        "  Lot      LOT5",
        "  Expiry   2027-02-28",
        ""]))


def test_decode_image_without_code_exits_1(tmp_path):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    out = _run(scan.app, "decode", blank, "--json")
    assert (out.exit_code, json.loads(out.output)) == (1, [])
    assert _run(scan.app, "decode", blank).output == f"{blank}: no code found\n"


def test_decode_bad_file_exits_2_with_one_line(tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    out = _run(scan.app, "decode", junk)
    assert out.exit_code == 2
    assert out.output == (f"error: {junk}: cannot read image (UnidentifiedImageError: cannot"
                          f" identify image file '{junk}')\n")


def test_decode_with_pyzbar(labels):
    out = _run(scan.app, "decode", labels[1], "--json", "--backend", "pyzbar")
    assert out.exit_code == 0 and json.loads(out.output)[0]["sscc"] == "106141412345678908"


def test_parse_json_and_separators():
    out = _run(scan.app, "parse", "]d2010031234567890621SN1|10LOT5|17270200", "--json",
               "--separator", "|")
    assert out.exit_code == 0
    assert json.loads(out.output) == {
        "symbology": "]d2", "raw": "]d2010031234567890621SN1|10LOT5|17270200",
        "gtin": "00312345678906", "serial": "SN1", "lot": "LOT5", "expiry": "2027-02-28",
        "ndc": "1234567890", "sscc": None}
    out = _run(scan.app, "parse", "010031234567890621SN1<GS>10LOT5", "--json")
    assert json.loads(out.output)["lot"] == "LOT5"


def test_parse_text_mentions_missing_dscsa_elements():
    out = _run(scan.app, "parse", "(01)00312345678906(21)SN1")
    assert (out.exit_code, out.output) == (0, "\n".join([
        "Valid GS1 identifier",
        "  typed or scanned text",
        "  GTIN     00312345678906   (NDC 1234567890)",
        "  Serial   SN1",
        "  Note     not a full DSCSA identifier: no lot, expiry",
        ""]))


def test_parse_flags_expired_product():
    out = _run(scan.app, "parse", "(01)09504000059101(17)141120(10)1234567p(21)12345678p901")
    assert (out.exit_code, out.output.splitlines()[-1]) == (0, "  Expiry   2014-11-20   EXPIRED")


def test_parse_bad_input_exits_2_with_one_line():
    out = _run(scan.app, "parse", "(01)00312345678907(21)SN1")
    assert (out.exit_code, out.output) == (
        2, "error: '(01)00312345678907(21)SN1': AI (01) GTIN check digit at position 18:"
           " expected 6, got 7\n")
    out = _run(scan.app, "parse", "(01)00312345678907", "--json")
    assert out.exit_code == 2 and "check digit" in json.loads(out.output)["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["datamatrix", "--gtin", "0031234567890", "-o", "x.png"],
         "error: GTIN '0031234567890': expected check digit 2 at position 13, got 0\n"),
        (["datamatrix", "--gtin", "00312345678906", "--expiry", "27-02-28", "-o", "x.png"],
         "error: expiry '27-02-28': expected YYYY-MM-DD or YYMMDD (day 00 = last day of the"
         " month)\n"),
        (["datamatrix", "--gtin", "00312345678906", "--serial", "a b", "-o", "x.png"],
         "error: serial 'a b': character ' ' at position 2 is not in GS1 character set 82\n"),
        (["sscc", "--sscc", "12", "-o", "x.png"], "error: SSCC '12': expected 18 digits, got 2\n"),
        (["sscc", "--sscc", "106141412345678908", "-o", "x.pdf"],
         "error: x.pdf: expected a .png or .svg file name, got '.pdf'\n"),
    ],
)
def test_label_bad_input_exits_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _run(label.app, *args)
    assert (out.exit_code, out.output) == (2, message)
    assert not (tmp_path / "x.png").exists()


def test_pyzbar_on_a_datamatrix_says_zbar_cannot_read_it(labels):
    datamatrix = labels[0]  # a real GS1 DataMatrix (zxing-cpp reads it: test_decode_json)
    out = _run(scan.app, "decode", datamatrix, "--backend", "pyzbar")
    assert (out.exit_code, out.output) == (1, (
        f"{datamatrix}: no code found; ZBar cannot read DataMatrix (the GS1 DataMatrix on DSCSA "
        "packages): use --backend zxing\n"))
