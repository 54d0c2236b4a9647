"""Pick & pack in a real browser: a new shipment to Lyon, two cases packed with a wedge
scanner (a duplicate refused on screen), closed, shipped; printables and EPCIS from links."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from app.demo import LYON, STAFF_USER
from app.shipments.demo import fresh_vials, scan_text
from tests.process import serving
from tests.web.served import demo
from tests.web.test_pages import browser, offline_page  # noqa: F401  (fixture)

VIALS = fresh_vials(4, "ZW")


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """``custody demo`` plus four fresh vials at the operator, then ``custody serve``."""
    made = demo(tmp_path_factory.mktemp("shipweb"), VIALS)
    with serving(**made.settings) as url:
        yield url, made.password


def _scan(page, text: str) -> str:
    page.focus("#scan-text")
    page.keyboard.insert_text(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "scan-text"  # ready for the next
    return page.locator("section.verdict").get_attribute("data-verdict")


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_pick_and_pack_two_cases_then_ship(shop, browser, tmp_path):  # noqa: F811
    url, password = shop
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet in landscape
    page.goto(f"{url}/shipping")
    assert page.url.endswith("/signin")
    page.fill("#username", STAFF_USER)
    page.fill("#password", password)
    _submit(page, "button[type=submit]")
    page.goto(f"{url}/shipping")
    lyon = page.locator("#ship_to option", has_text="Lyon").first.get_attribute("value")
    assert lyon.startswith(LYON.gln)
    page.select_option("#ship_to", lyon)
    page.fill("#order_number", "NPP-WEB-1")
    page.fill("#carrier", "Cryoport")
    page.fill("#tracking", "CRY-WEB-1")
    page.screenshot(path=tmp_path / "ship-0-new.png", full_page=True)
    _submit(page, "#new-shipment button[type=submit]")
    assert re.search(r"/shipping/\d+$", page.url), page.url
    sid = page.url.rsplit("/", 1)[1]
    sscc = []
    for n, pair in enumerate((VIALS[:2], VIALS[2:]), 1):
        _submit(page, "#new-case")
        sscc.append(page.locator("#current-case").inner_text())
        for count, vial in enumerate(pair, 1):
            assert _scan(page, scan_text(vial)) == "packed"
            assert page.locator("#current-count").inner_text() == str(count)
            assert page.locator("section.verdict h2").inner_text().lower() == "packed"
        if n == 1:  # the same vial again: refused, said in words and an icon, count unchanged
            assert _scan(page, scan_text(pair[0])) == "duplicate"
            assert page.locator("section.verdict h2").inner_text().lower() == "already packed"
            assert page.locator("section.verdict svg.icon").count() == 1
            assert page.locator("#current-count").inner_text() == "2"
        page.screenshot(path=tmp_path / f"ship-{n}-case.png", full_page=True)
        _submit(page, f"button[aria-label='Close case {sscc[-1]}']")
    assert page.locator("#status").inner_text() == "packed"
    counts = page.locator("table.cases td.count").all_inner_texts()
    assert counts == ["2", "2"]
    page.screenshot(path=tmp_path / "ship-3-packed.png", full_page=True)
    _submit(page, "#ship")
    assert page.locator("#status").inner_text() == "shipped"
    page.screenshot(path=tmp_path / "ship-4-shipped.png", full_page=True)
    for link in ("#labels", "#packing-list", "#pick-list"):
        href = page.locator(link).get_attribute("href")
        got = page.request.get(f"{url}{href}")  # the page's own cookie
        assert got.status == 200 and got.headers["content-type"] == "application/pdf", link
        assert got.body()[:5] == b"%PDF-"
    labels = page.request.get(f"{url}/shipments/{sid}/labels.pdf").body()
    (tmp_path / "labels.pdf").write_bytes(labels)
    xml = page.request.get(f"{url}{page.locator('#epcis-xml').get_attribute('href')}")
    assert xml.status == 200 and xml.text().count("urn:epc:id:sscc:") >= 2
    assert outside == []
    page.close()


def test_pick_and_pack_refuses_a_forged_form(shop, browser):  # noqa: F811
    url, password = shop
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{url}/signin")
    page.fill("#username", STAFF_USER)
    page.fill("#password", password)
    _submit(page, "button[type=submit]")
    got = page.request.post(f"{url}/shipping", form={"ship_to": f"{LYON.gln} x",
                                                     "csrf_token": "forged"})
    assert got.status == 403 and "expired" in got.text()
    page.goto(f"{url}/shipping")  # works without JavaScript: plain forms
    assert page.locator("#new-shipment").count() == 1
    context.close()
