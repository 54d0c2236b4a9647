"""`custody demo`, then the report as a person meets it: the staff page in a real browser, the
API's printable page, and the bundle fetched over HTTP and verified offline by the CLI."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.demo import LYON, NORTHWIND, OPERATOR, STAFF_USER, VIALS
from tests.process import custody, serving
from tests.web.test_pages import browser, offline_page  # noqa: F401  (fixture)

VIAL = VIALS[0]


@pytest.fixture(scope="module")
def demo_served(tmp_path_factory) -> Iterator[dict]:
    """``custody demo --no-serve`` then ``custody serve`` on its database."""
    database = tmp_path_factory.mktemp("reportweb") / "custody.db"
    settings = {"CUSTODY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
                "CUSTODY_OPERATOR_GLN": OPERATOR.gln}
    made = custody("demo", "--no-serve", **settings)
    assert made.returncode == 0, made.stderr
    password = re.search(rf"{STAFF_USER}, password \(shown once\): (\S+)", made.stdout).group(1)
    key = re.search(r"demo API key \(admin, regulator; shown once\): (\S+)", made.stdout).group(1)
    with serving(**settings) as url:
        yield {"url": url, "password": password, "key": key, "stdout": made.stdout,
               "settings": settings}


def test_demo_says_where_the_report_is_and_how_to_verify_it(demo_served):
    out = demo_served["stdout"]
    assert f"provenance report of {VIAL}" in out
    assert f"/reports/units/{VIAL}?format=html" in out
    assert "custody report verify bundle.json --key " in out


def test_bundle_over_http_verified_offline_by_the_cli(demo_served, tmp_path):
    url, key = demo_served["url"], demo_served["key"]
    answer = httpx.get(f"{url}/reports/units/{VIAL}", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    path = tmp_path / "bundle.json"
    path.write_bytes(answer.content)
    pub = Path(os.environ["CUSTODY_KEY_DIR"]) / "checkpoint.pub"
    checked = custody("report", "verify", str(path), "--key", str(pub))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"bundle verified: {VIAL}: 13 hops")
    # The CLI writes the same report from the database, as the operator.
    out = tmp_path / "cli.json"
    made = custody("report", "unit", VIAL, "-o", str(out), **demo_settings(demo_served))
    assert made.returncode == 0, made.stderr
    cli = json.loads(out.read_text())
    assert cli["chains"] == answer.json()["chains"]
    assert cli["report"]["made_for"]["reader"].startswith("cli:")
    lot = custody("report", "lot", "00312345600112", "ZT2611A", **demo_settings(demo_served))
    assert lot.returncode == 0, lot.stderr
    assert lot.stdout.splitlines()[0] == "# Covers: lot ZT2611A of GTIN 00312345600112"
    assert sum(1 for line in lot.stdout.splitlines() if line.startswith("urn:")) == 16


def demo_settings(served: dict) -> dict[str, str]:
    return served["settings"]


def test_staff_report_page_in_a_browser(demo_served, browser, tmp_path):  # noqa: F811
    url, password = demo_served["url"], demo_served["password"]
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{url}/staff/reports")
    assert page.url.endswith("/signin")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(STAFF_USER)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{url}/staff/reports")
    page.fill("#unit", "(01)00312345600112(21)ZT00001")
    with page.expect_navigation():
        page.click("button[type=submit] >> text=Show provenance")
    page.screenshot(path=tmp_path / "staff-report.png", full_page=True)
    assert page.locator("h1#report-title").inner_text() == f"Provenance of {VIAL}"
    rows = page.locator("table.hops tbody tr")
    assert rows.count() == 10
    assert NORTHWIND.legal_name in rows.nth(0).inner_text()
    assert "dispense" in rows.nth(9).inner_text() and LYON.legal_name in rows.nth(9).inner_text()
    assert page.locator("pre.note").inner_text().startswith("custody.example/log\n")
    pdf = page.locator("a", has_text="PDF").get_attribute("href")
    assert page.request.get(f"{url}{pdf}").headers["content-type"] == "application/pdf"
    # Printable: the staff bar and the form are not printed.
    page.emulate_media(media="print")
    assert not page.locator("form.card").is_visible()
    page.screenshot(path=tmp_path / "staff-report-print.png", full_page=True)
    missing = page.goto(f"{url}/staff/reports?unit=urn:epc:id:sgtin:0312345.060011.NOPE")
    assert missing.status == 404
    assert "no unit urn:epc:id:sgtin:0312345.060011.NOPE" in page.locator("p.error").inner_text()
    assert outside == []
    page.close()
