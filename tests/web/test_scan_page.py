"""The scan & verify page in a real browser, as a pharmacist with a wedge scanner uses it.

``custody demo`` sets up the operator, its stock, a staff account and a station; ``custody
serve`` runs on a free port; Debian's Chromium (Playwright) signs in and scans. Screenshots
go to the test's tmp directory.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.demo import STAFF_USER
from tests.process import serving
from tests.web.served import demo
from tests.web.test_pages import browser, offline_page  # noqa: F401  (fixture)

GS = "\x1d"
SCANS = [  # (what the scanner sends, verdict, heading)
    (f"]d20100312345600112{GS}21ZT00003{GS}10ZT2611A{GS}17280531", "verified", "Verified"),
    ("]d20100312345600112" + GS + "21ZT09999", "unknown-identifier", "Unknown identifier"),
    ("]d2hello", "unreadable", "Unreadable"),
    ("(01)00312345600112(21)ZT00006", "not-in-custody", "Not in our custody"),  # Atlas holds it
    (f"]d20100312345600228{GS}21CL00001{GS}10CL2510{GS}17261031", "expired", "Expired"),
    ("(01)00312345600112(21)ZT00004(10)ZT2611B", "lot-mismatch", "Lot mismatch"),
]


@pytest.fixture(scope="module")
def demo_served(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """``custody demo`` then ``custody serve`` on its database; yields (URL, staff password)."""
    made = demo(tmp_path_factory.mktemp("scanweb"))
    with serving(**made.settings) as url:
        yield url, made.password


def test_sign_in_then_scan_each_verdict_with_a_wedge_scanner(demo_served, browser, tmp_path):  # noqa: F811
    url, password = demo_served
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet in landscape
    page.goto(f"{url}/scan")
    assert page.url.endswith("/signin")
    # The username field takes focus itself (autofocus); typing before it has, as a loaded
    # CI machine did, loses the first keys.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(STAFF_USER)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.screenshot(path=tmp_path / "scan-0-after-signin.png", full_page=True)
    assert page.url.endswith("/scan"), page.url
    page.select_option("#station", "Receiving 1")
    page.screenshot(path=tmp_path / "scan-0-signed-in.png", full_page=True)
    for n, (sent, verdict, heading) in enumerate(SCANS, 1):
        page.focus("#scan-text")
        page.keyboard.insert_text(sent)  # a wedge scanner types GS too, which type() cannot
        with page.expect_navigation():
            page.keyboard.press("Enter")
        box = page.locator("section.verdict")
        assert box.get_attribute("data-verdict") == verdict, sent
        assert box.locator("h2").inner_text().lower() == heading.lower()
        assert box.locator("svg.icon").count() == 1  # an icon as well as colour
        assert page.evaluate("document.activeElement.id") == "scan-text"  # ready for the next
        page.screenshot(path=tmp_path / f"scan-{n}-{verdict}.png", full_page=True)
    rows = page.locator("table.scans tbody tr")
    assert rows.count() == len(SCANS)
    assert "Lot mismatch" in rows.nth(0).inner_text() and "Receiving 1" in rows.nth(0).inner_text()
    not_ours = page.content()
    assert "Atlas" not in not_ours and "0360001" not in not_ours
    assert outside == []
    page.close()


def test_the_page_works_without_javascript(demo_served, browser, tmp_path):  # noqa: F811
    url, password = demo_served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{url}/signin")
    page.fill("#username", STAFF_USER)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.fill("#scan-text", "(01)00312345600112(21)ZT00003")
    with page.expect_navigation():
        page.click("#scan-form button[type=submit]")
    assert page.locator("section.verdict").get_attribute("data-verdict") == "verified"
    with page.expect_navigation():
        page.click("text=Sign out")
    assert page.url.endswith("/signin")
    page.screenshot(path=tmp_path / "signed-out.png")
    context.close()


def test_my_api_keys_issue_once_use_and_revoke(demo_served, browser, tmp_path):  # noqa: F811
    """The pharmacist makes a personal key on "My API keys" (keyboard only), scans with it
    from a script, and revokes it; the key is shown once and dies at once."""
    import httpx

    url, password = demo_served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{url}/signin")
    page.fill("#username", STAFF_USER)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    with page.expect_navigation():
        page.click("nav >> text=My API keys")
    page.focus("#key-name")
    page.keyboard.type("returns scanner")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    key = page.input_value("#new-key")
    assert key.startswith("ck_") and "shown only this once" in page.content()
    page.screenshot(path=tmp_path / "keys-1-issued.png", full_page=True)
    bearer = {"Authorization": f"Bearer {key}"}
    scanned = httpx.post(f"{url}/scans/verify", headers=bearer,
                         json={"text": "(01)00312345600112(21)ZT00003"})
    assert scanned.status_code == 200 and scanned.json()["verdict"] == "verified"
    recall = httpx.post(f"{url}/recalls", headers=bearer, json={
        "gtin": "00312345600112", "lots": ["ZT2611A"], "class": "II", "reason": "x"})
    assert recall.status_code == 403 and recall.json()["required"] == ["qa", "admin"]
    page.goto(f"{url}/account/keys")
    assert key not in page.content()
    with page.expect_navigation():
        page.click(f"button[aria-label='Revoke key {key.split('_')[1]}']")
    page.screenshot(path=tmp_path / "keys-2-revoked.png", full_page=True)
    assert "no longer works" in page.content()
    assert httpx.post(f"{url}/scans/verify", headers=bearer,
                      json={"text": "x"}).status_code == 401
    context.close()
