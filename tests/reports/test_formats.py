"""The same report as HTML, CSV and PDF (its text read back with pdftotext, its first page a PNG)."""

from __future__ import annotations

import csv
import io
import subprocess

from app.demo import ATLAS, HARBOR, LYON, NORTHWIND, VIALS

VIAL = VIALS[0]


async def fetch(client, world, fmt):
    answer = await client.get(f"/reports/units/{VIAL}", params={"format": fmt},
                              headers=world.keys["regulator"])
    assert answer.status_code == 200, answer.text
    return answer


async def test_html_names_what_it_covers_and_shows_every_hop(client, world):
    answer = await fetch(client, world, "html")
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert f"<h1 id=\"report-title\">Provenance of {VIAL}</h1>" in page
    for label in ("Covers", "Made", "For", "Checkpoint"):
        assert f"<dt>{label}</dt>" in page
    assert f"tree size {world.size}" in page
    for party in (NORTHWIND, ATLAS, HARBOR, LYON):
        assert party.legal_name.replace("'", "&#39;") in page
    assert page.count("<tr>") >= 11 + 4  # hops and parties
    assert "Recall" in page and "mislabelled strength" in page
    assert "TI PO-ATL-7731" in page and "TS affirmed" in page


async def test_csv_one_line_per_hop(client, world):
    text = (await fetch(client, world, "csv")).text
    lines = text.splitlines()
    assert lines[0] == f"# Covers: unit {VIAL}"
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[4:]))))
    assert [r["kind"] for r in rows][-2:] == ["dispense", "return"]
    assert rows[2]["from_name"] == NORTHWIND.legal_name and rows[2]["to_licensed"] == "yes"
    assert rows[2]["transaction"].startswith("TI PO-ATL-7731: Zenterva x6 lots ZT2611A")


async def test_pdf_text_and_first_page(client, world, tmp_path):
    answer = await fetch(client, world, "pdf")
    assert answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Provenance report: {VIAL}" in text
    assert f"Checkpoint: custody.example/log tree size {world.size}" in text
    assert "Who held it when" in text and "in transit" in text
    for party in (NORTHWIND, ATLAS, HARBOR, LYON):
        assert party.legal_name in text
    assert "Now: returned, custodian " + LYON.gln in text
    assert "TI PO-ATL-7731: Zenterva x6 lots ZT2611A; TS affirmed" in text
    assert "Recall" in text and "mislabelled strength" in text
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "unit-report")], check=True)  # the test's output, to look at
    first = next(tmp_path.glob("unit-report*.png"))
    assert first.stat().st_size > 10_000
