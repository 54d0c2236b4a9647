"""The pages a person opens, in a real browser: nothing may come from outside this host.

Debian's Chromium through Playwright (never a downloaded browser); the app runs as
`custody serve` does, on a free local port.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.process import CUSTODY, env, free_port

CHROMIUM = Path("/usr/bin/chromium")
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    """``custody serve`` on a free port; yields the URL it printed."""
    database = tmp_path_factory.mktemp("web") / "custody.db"
    port = free_port()
    process = subprocess.Popen(
        [*CUSTODY, "serve", "--no-worker", "--port", str(port)], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
        env=env(CUSTODY_DATABASE_URL=f"sqlite+aiosqlite:///{database}"))
    try:
        printed = process.stdout.readline()
        url = re.match(r"Custody is running at (http://\S+)", printed).group(1)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "custody serve did not answer within 30 s"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (scripts/system-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
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
