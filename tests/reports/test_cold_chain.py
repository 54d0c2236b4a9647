"""The cold chain in the provenance reports: a unit's chart and its words (JSON, HTML, PDF), and
a line per measured unit in the lot report (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import subprocess

from app.demo import VIALS, ZENTERVA
from tests.reports.conftest import ZT_LOT

LOGGED = ZENTERVA.sgtin("ZT00011")  # the demo's shipped case: a logger on its two vials
QUIET = VIALS[0]
WORDS = "15 min outside 2 to 8 °C of a 30 min budget"


async def unit(client, world, identifier: str, fmt: str = "json"):
    got = await client.get(f"/reports/units/{identifier}", params={"format": fmt},
                           headers=world.keys["regulator"])
    assert got.status_code == 200, got.text
    return got


async def test_the_unit_report_carries_its_chart_and_says_it(client, world, tmp_path):
    cold = (await unit(client, world, LOGGED)).json()["context"]["cold_chain"]
    assert cold["verdict"] == "excursion-within-budget" and WORDS in cold["summary"]
    assert cold["chart_svg"].startswith("<svg") and "<script" not in cold["chart_svg"]
    assert (await unit(client, world, QUIET)).json()["context"]["cold_chain"] is None
    page = (await unit(client, world, LOGGED, "html")).text.split("<h2>Cold chain</h2>")[1]
    assert 'data-verdict="excursion-within-budget"' in page and WORDS in page
    assert page.index("<svg") < page.index("<h2>Parties</h2>")
    quiet = (await unit(client, world, QUIET, "html")).text.split("<h2>Cold chain</h2>")[1]
    assert "No temperature readings" in quiet.split("<h2>")[0] and "<figure" not in quiet.split("<h2>")[0]
    pdf = tmp_path / "logged.pdf"
    pdf.write_bytes((await unit(client, world, LOGGED, "pdf")).content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Cold chain" in text and "15 min outside 2 to 8" in " ".join(text.split())
    assert "E1" in text  # the excursion's label, drawn


async def test_the_lot_report_has_a_line_per_measured_unit(client, world):
    url = f"/reports/lots/{ZENTERVA.gtin}/{ZT_LOT}"
    units = {u["identifier"]: u for u in
             (await client.get(url, headers=world.keys["regulator"])).json()["units"]}
    lines = {k: u["cold_chain"] for k, u in units.items() if u["cold_chain"]}
    assert sorted(lines) == [LOGGED, ZENTERVA.sgtin("ZT00012")], lines
    assert WORDS in lines[LOGGED] and units[QUIET]["cold_chain"] is None
    text = (await client.get(url, params={"format": "csv"}, headers=world.keys["regulator"])).text
    rows = {r["identifier"]: r for r in csv.DictReader(io.StringIO("\n".join(text.splitlines()[4:])))}
    assert WORDS in rows[LOGGED]["cold_chain"] and rows[QUIET]["cold_chain"] == ""
