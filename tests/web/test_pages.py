"""The pages a person opens, in a real browser: nothing may come from outside this host.

Debian's Chromium through Playwright (never a downloaded browser); the app runs as
`custody serve` does, on a free local port.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.process import serving

CHROMIUM = Path("/usr/bin/chromium")
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    """``custody serve`` on a free port; yields the URL it printed."""
    database = tmp_path_factory.mktemp("web") / "custody.db"
    with serving(CUSTODY_DATABASE_URL=f"sqlite+aiosqlite:///{database}") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (scripts/system-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it (make test runs system-deps): never skipped there
        pytest.skip(message)  # a developer machine without Debian's chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def offline_page(browser, outside: list[str]):
    """A page whose requests to any other host are recorded in ``outside`` and refused."""
    page = browser.new_page()

    def route(route):
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return page


def test_docs_render_every_operation_from_this_host_alone(served, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{served}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    operations = httpx.get(f"{served}/openapi.json").json()["paths"]
    expected = sum(len(methods) for methods in operations.values())
    assert page.locator(".opblock").count() == expected
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/ledger/checkpoint" in [p.replace("\u200b", "") for p in paths]
    assert page.locator("button.authorize").count() == 1
    assert outside == []
    page.close()


def test_the_printed_url_opens_a_landing_page_that_links_what_an_operator_needs(served, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    response = page.goto(served)
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Custody"
    links = {a.get_attribute("href") for a in page.locator("main a").all()}
    assert {"/docs", "/ledger/checkpoint", "/healthz", "/readyz"} <= links
    assert "sqlite" in page.locator("dl").inner_text()
    page.click("text=API documentation")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert outside == []
    page.close()


def test_redoc_is_not_served_from_a_cdn(served):
    assert httpx.get(f"{served}/redoc").status_code == 404
    docs = httpx.get(f"{served}/docs").text
    assert "cdn." not in docs and "https://" not in docs
