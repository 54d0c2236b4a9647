"""A named-patient case in a real browser, from authorization to delivery confirmation.

``custody demo`` (with a vault key file) then ``custody serve``; the demo pharmacist authorizes
the requested case, links the two vials in transit to Lyon, issues a confirmation link; a
receiver with no account opens it in a fresh browser and confirms; the case is delivered, its
follow-up due in 48 hours is taken and done. Screenshots go to the test's tmp directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from app.demo import STAFF_USER, ZENTERVA
from tests.process import serving
from tests.web.served import demo
from tests.web.test_pages import browser, offline_page  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str, str]]:
    """(URL, staff password, requested case's reference)."""
    made = demo(tmp_path_factory.mktemp("caseweb"), vault=True)
    with serving(**made.settings) as url:
        yield url, made.password, made.printed(r"requested (CASE-[0-9A-Z-]+)")


def test_a_case_from_authorization_to_delivery_confirmation(served, browser, tmp_path):  # noqa: F811
    url, password, ref = served
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{url}/signin")
    page.fill("#username", STAFF_USER)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{url}/staff/cases")
    assert page.locator("table.cases tbody tr").count() == 6
    page.screenshot(path=tmp_path / "case-0-list.png", full_page=True)
    page.click(f"text={ref}")
    assert page.locator("#case-status").inner_text() == "requested"
    today = date.today()
    page.fill("#authorization_ref", "ANSM-AAC-2026-WEB")
    page.fill("#issued", str(today - timedelta(days=1)))
    page.fill("#expires", str(today + timedelta(days=90)))
    with page.expect_navigation():
        page.click("#authorize-form button")
    assert page.locator("#case-status").inner_text() == "authorized"
    page.screenshot(path=tmp_path / "case-1-authorized.png", full_page=True)
    page.fill("#identifiers", "\n".join(ZENTERVA.sgtin(f"ZT{n:05d}") for n in (13, 14, 3)))
    with page.expect_navigation():
        page.click("#link-form button")  # three vials: one more than authorized
    assert "expected at most 2 more unit(s)" in page.locator("p.error").inner_text()
    page.fill("#identifiers", "\n".join(ZENTERVA.sgtin(f"ZT{n:05d}") for n in (13, 14)))
    with page.expect_navigation():
        page.click("#link-form button")
    assert page.locator("#case-status").inner_text() == "shipped"
    with page.expect_navigation():
        page.click("#confirmation-link-form button")
    link = page.locator("#confirm-url").inner_text()
    page.screenshot(path=tmp_path / "case-2-link-issued.png", full_page=True)

    receiver = browser.new_context()  # no account, no cookie
    other = receiver.new_page()
    other.goto(link)
    assert ref in other.content()
    other.fill("#confirmer_name", "Dr. Web Receiver")
    other.fill("#confirmer_role", "hospital pharmacist")
    other.fill("#institution", "Pharmacie des Hospices de Lyon")
    other.screenshot(path=tmp_path / "case-3-confirm-form.png", full_page=True)
    with other.expect_navigation():
        other.click("#confirm-form button")
    assert "Thank you" in other.locator("#confirmed").inner_text()
    other.screenshot(path=tmp_path / "case-4-confirmed.png", full_page=True)
    other.goto(link)
    assert "already used" in other.locator("#unusable").inner_text()
    receiver.close()

    page.reload()
    assert page.locator("#case-status").inner_text() == "delivered"
    assert "Dr. Web Receiver" in page.locator("p.confirmation").inner_text()
    assert "open" in page.locator("#follow-up").inner_text()
    page.click("#show-patient")
    assert "(fictional)" in page.locator("#patient").inner_text()
    page.screenshot(path=tmp_path / "case-5-delivered.png", full_page=True)
    page.goto(f"{url}/follow-ups")
    row = page.locator(f"tr[data-case='{ref}']")
    with page.expect_navigation():
        row.locator("button[value=take]").click()
    row = page.locator(f"tr[data-case='{ref}']")
    assert f"staff:{STAFF_USER}" in row.inner_text()
    row.locator("input[name=outcome]").fill("stored 2-8 C; first dose given")
    with page.expect_navigation():
        row.locator("button[value=done]").click()
    assert "first dose given" in page.locator(f"tr[data-case='{ref}']").inner_text()
    page.screenshot(path=tmp_path / "case-6-follow-up-done.png", full_page=True)
    assert outside == []
    page.close()
