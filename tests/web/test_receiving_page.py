"""The receiving pages in a real browser: the demo's case from Atlas arrives one vial short and
with a vial that was not shipped; a receiver with a wedge scanner and the keyboard alone
reconciles and closes it. Screenshots go to the test's tmp directory."""

from __future__ import annotations

from app.receiving.demo import INBOUND_CASE, INBOUND_VIALS
from scanners import ProductIdentifier
from tests.web.test_pages import browser, offline_page  # noqa: F401  (fixture)
from tests.web.test_scan_page import demo_served  # noqa: F401  (fixture)

GS = "\x1d"


def datamatrix(identifier: str, lot: str = "ZT2611A") -> str:
    p = ProductIdentifier.from_epc_uri(identifier)
    return f"]d201{p.gtin}21{p.serial}{GS}10{lot}{GS}17280531"


def sign_in(page, url: str, password: str) -> None:
    page.goto(f"{url}/receiving")
    assert page.url.endswith("/signin")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type("demo.pharmacist")
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def scan(page, text: str) -> str:
    assert page.evaluate("document.activeElement.id") == "scan-text"  # kept for the scanner
    page.keyboard.insert_text(text)  # a wedge scanner types GS too, which type() cannot
    with page.expect_navigation():
        page.keyboard.press("Enter")
    box = page.locator("section.verdict")
    assert box.locator("svg.icon").count() == 1  # an icon and a word, not colour alone
    return box.get_attribute("data-outcome")


def test_a_receiving_with_one_missing_and_one_extra_unit(demo_served, browser, tmp_path):  # noqa: F811
    url, password = demo_served
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet in landscape
    sign_in(page, url, password)
    page.goto(f"{url}/receiving")
    page.screenshot(path=tmp_path / "receiving-0-expected.png", full_page=True)
    row = page.locator("tr", has_text=INBOUND_CASE)
    assert "Atlas Specialty Distribution LLC" in row.inner_text()
    row.locator("button", has_text="Start receiving").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/receiving/" in page.url
    page.wait_for_function("document.activeElement && document.activeElement.id === 'scan-text'")

    outcomes = [scan(page, datamatrix(v)) for v in INBOUND_VIALS[:2]]
    page.screenshot(path=tmp_path / "receiving-1-two-scanned.png", full_page=True)
    outcomes.append(scan(page, datamatrix(INBOUND_VIALS[0].rsplit(".", 1)[0] + ".ZT00099")))
    assert outcomes == ["received", "received", "extra"]
    assert page.locator("section.verdict h2").inner_text().lower() == "extra: not in this shipment"
    page.screenshot(path=tmp_path / "receiving-2-extra.png", full_page=True)
    counts = {r.get_attribute("data-outcome"): r.locator("td").nth(1).inner_text()
              for r in page.locator("table.board tbody tr").all()}
    assert (counts["matched"], counts["missing"], counts["extra"]) == ("2", "1", "1")
    assert INBOUND_VIALS[2] in page.locator("#units-missing").inner_text()
    assert "(21)ZT00099" in page.locator("#units-extra").inner_text()
    assert f"{INBOUND_CASE}: 1 of 3 units missing" in page.locator("#shortages").inner_text()

    page.locator("button", has_text="Close receiving").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.screenshot(path=tmp_path / "receiving-3-closed.png", full_page=True)
    table = page.locator("#exceptions").inner_text()
    assert "missing" in table and "extra" in table and "shortage" in table
    assert page.locator("#scan-text").count() == 0  # closed: nothing more to scan
    assert outside == []
    page.close()
