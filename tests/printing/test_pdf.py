"""Printed PDFs read back: the label's barcodes decode (zxing-cpp on a 300 dpi render by
pdftoppm) to exactly the SSCC and ship-to GLN, and pdftotext finds the human-readable lines."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import zxingcpp
from PIL import Image

from app.printing.pdf import Case, Item, Label, Party, Sheet, labels, packing_list, pick_list

FROM = Party("Custody Wholesale Inc", "0370002000005", ("1 Dock Rd", "Columbus OH 43004"))
TO = Party("Hôpital Saint-Louis, Pharmacie centrale de l'établissement", "3012345000008",
           ("1 avenue Claude Vellefaux", "75010 Paris FR"))
SSCCS = ["003700020000000019", "103700020000000023"]
ITEM = Item("Amoxicillin 500 mg capsules, bottle of 30", "0370-0020-01", "LOT-7",
            date(2027, 1, 31), 3, ("S1", "S2", "S3"), ("Aisle 4, bin 12",))


def pages(pdf: bytes, tmp_path: Path, name: str) -> list[Image.Image]:
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", f"{name}.pdf", name], cwd=tmp_path,
                   check=True)
    return [Image.open(p) for p in sorted(tmp_path.glob(f"{name}-*.png"))]


def text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "t.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", "t.pdf", "-"], cwd=tmp_path, check=True,
                          capture_output=True, text=True).stdout


def test_each_label_reads_back_its_sscc_and_ship_to(tmp_path: Path) -> None:
    pdf = labels([Label(s, 7, FROM, TO, n, 2, 3, "PO-1", "UPS", "1Z999") for n, s in
                  enumerate(SSCCS, 1)])
    images = pages(pdf, tmp_path, "label")
    assert len(images) == 2
    for image, sscc in zip(images, SSCCS, strict=True):
        # 4 x 6 inch at 300 dpi
        assert image.size == (1200, 1800)
        found = {str(r.format): r for r in zxingcpp.read_barcodes(image)}
        linear, matrix = found["Code 128"], found["Data Matrix"]
        assert linear.content_type == zxingcpp.ContentType.GS1
        assert linear.text == f"(00){sscc}"
        assert matrix.content_type == zxingcpp.ContentType.GS1
        assert matrix.text == f"(00){sscc}(410){TO.gln}"
    printed = text(pdf, tmp_path)
    assert "(00) 0 0370002 000000001 9" in printed
    assert "(00) 1 0370002 000000002 3" in printed
    assert "1 of 2" in printed and "2 of 2" in printed and "1Z999" in printed


def test_a_label_without_ship_to_gln_carries_the_sscc_alone(tmp_path: Path) -> None:
    [image] = pages(labels([Label(SSCCS[0], 7, FROM, Party("Walk-in clinic"))]), tmp_path, "l")
    found = {str(r.format): r.text for r in zxingcpp.read_barcodes(image)}
    assert found == {"Code 128": f"(00){SSCCS[0]}", "Data Matrix": f"(00){SSCCS[0]}"}


def test_packing_list_names_every_case_and_serial(tmp_path: Path) -> None:
    sheet = Sheet("S-1", FROM, TO, "shipped", "PO-1", "NP-9", "UPS", "1Z999", date(2026, 12, 6),
                  tuple(Case(s, (ITEM,)) for s in SSCCS))
    printed = text(packing_list(sheet), tmp_path)
    assert "2 case(s), 6 unit(s)" in printed
    for sscc in SSCCS:
        assert f"SSCC {sscc} (closed, 3 unit(s))" in printed
    assert "0370-0020-01" in printed and "LOT-7" in printed and "2027-01-31" in printed
    assert "Serials: S1 S2 S3" in printed
    assert "Case ref: NP-9" in printed


def test_pick_list_shows_where_to_pick(tmp_path: Path) -> None:
    printed = text(pick_list(Sheet("S-1", FROM, TO, "open", to_pick=(ITEM,))), tmp_path)
    assert "Aisle 4, bin 12" in printed and "LOT-7" in printed
    assert "Nothing to pick." in text(pick_list(Sheet("S-2", FROM, TO, "open")), tmp_path)


def test_many_serials_and_cases_flow_onto_more_pages(tmp_path: Path) -> None:
    item = Item("P", "1", "L", None, 400, tuple(f"SER{n:08d}" for n in range(400)))
    sheet = Sheet("S-3", FROM, TO, "packed",
                  cases=tuple(Case(f"00370002{n:09d}0", (item,)) for n in range(3)))
    printed = text(packing_list(sheet), tmp_path)
    assert "SER00000399" in printed and printed.count("\f") >= 2
