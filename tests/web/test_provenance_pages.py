"""The trace-request and audit pages in a real browser, as the operator's admin uses them.

``custody demo`` files an answered fire drill and an open request and prints its admin's
password; ``custody serve`` runs on a free port; Debian's Chromium signs in, answers the open
request, and finds the answer in the audit trail. Screenshots go to the test's tmp directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from app.demo import ADMIN_USER as ADMIN
from app.demo import STAFF_USER
from tests.process import serving
from tests.web.served import demo
from tests.web.test_pages import browser, offline_page  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def demo_served(tmp_path_factory) -> Iterator[tuple[str, str, str]]:
    """Demo data, a server; yields (URL, admin password, pharmacist password): both accounts
    are the demo's, their passwords read from its printout."""
    made = demo(tmp_path_factory.mktemp("provenanceweb"))
    with serving(**made.settings) as url:
        yield url, made.printed(rf"{ADMIN} \(admin[^)]*\), password \(shown once\): (\S+)"), \
            made.password


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/signin")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_an_admin_answers_the_open_request_and_finds_it_in_the_audit_trail(
    demo_served, browser, tmp_path  # noqa: F811
):
    url, password, _ = demo_served
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, url, ADMIN, password)
    page.click("text=Trace requests")
    assert page.url.endswith("/staff/trace-requests")
    rows = page.locator("table.traces tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-status") == "open"  # open before answered
    assert "fire drill" in rows.nth(1).inner_text() and "found (1 unit)" in rows.nth(1).inner_text()
    page.screenshot(path=tmp_path / "traces-0-open.png", full_page=True)
    open_id = rows.nth(0).get_attribute("id").removeprefix("request-")
    page.focus(f"#request-{open_id} button")  # the keyboard alone answers
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.screenshot(path=tmp_path / "traces-1-after-answer.png", full_page=True)
    answered = page.locator(f"#request-{open_id}")
    assert answered.get_attribute("data-status") == "answered"
    assert re.search(r"found \(\d+ units\)", answered.inner_text())
    page.screenshot(path=tmp_path / "traces-1-answered.png", full_page=True)

    page.click("text=Audit")
    assert page.url.endswith("/staff/audit")
    page.select_option("#action", "trace.answer")
    with page.expect_navigation():
        page.click("button:has-text('Filter')")
    entries = page.locator("table.audit tbody tr")
    assert entries.count() == 2  # the demo's answer, and ours
    assert f"staff:{ADMIN}" in entries.nth(0).inner_text()
    assert f"trace-request:{open_id}" in entries.nth(0).inner_text()
    page.screenshot(path=tmp_path / "audit-0-filtered.png", full_page=True)
    assert outside == []
    page.close()


def test_the_audit_page_is_for_admins_only(demo_served, browser, tmp_path):  # noqa: F811
    url, _, pharmacist = demo_served
    page = offline_page(browser, [])
    sign_in(page, url, STAFF_USER, pharmacist)
    assert page.locator("nav >> text=Audit").count() == 0
    response = page.goto(f"{url}/staff/audit")
    assert response.status == 403
    assert "that needs one of: admin" in page.locator("[role=alert]").inner_text()
    page.screenshot(path=tmp_path / "audit-denied.png", full_page=True)
    page.goto(f"{url}/staff/trace-requests")  # pharmacists see trace requests
    assert page.locator("table.traces tbody tr").count() == 2
    page.close()
