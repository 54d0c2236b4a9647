"""The unit, investigation and recall pages in a real browser, as the demo's pharmacist uses
them with a keyboard and a wedge scanner on a tablet: the quarantined vial's chain and proofs,
its investigation walked to illegitimate with the Form FDA 3911 draft, and a recall filed
(without JavaScript) that the next scan answers. Screenshots go to each test's tmp directory.

Harbor (the operator) is made Northwind's agent here, as ``custody partners add --agent-for``
would: only a brand owner or its agent may recall.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from app.demo import NORTHWIND, OPERATOR, STAFF_USER, TORN_SEAL, ZENTERVA
from tests.process import serving
from tests.web.served import demo
from tests.web.test_pages import browser  # noqa: F401  (fixture)

GS = "\x1d"
TABLET = {"width": 1024, "height": 768}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """``custody demo`` (Harbor as Northwind's agent) then ``custody serve``; (URL, password)."""
    where = tmp_path_factory.mktemp("staffweb")
    made = demo(where)
    assert "/staff/investigations" in made.printout and "/staff/units" in made.printout
    with sqlite3.connect(where / "custody.db") as db:
        db.execute("INSERT INTO partner_agents (agent_id, principal_id) SELECT a.partner_id, "
                   "p.partner_id FROM partner_glns a, partner_glns p WHERE a.gln = ? AND p.gln = ?",
                   (OPERATOR.gln, NORTHWIND.gln))
        db.execute("UPDATE staff_users SET roles = ? WHERE username = ?",  # recalls need qa
                   ('["pharmacist", "receiver", "qa"]', STAFF_USER))
    with serving(**made.settings) as url:
        yield url, made.password


def signed_in(browser, url: str, password: str, **options):  # noqa: F811
    context = browser.new_context(viewport=TABLET, **options)
    context.set_default_timeout(90_000)  # 2 cores shared with other suites: a recall may take a while
    page = context.new_page()
    page.goto(f"{url}/signin")
    page.fill("#username", STAFF_USER)
    page.fill("#password", password)
    with page.expect_navigation():
        page.press("#password", "Enter")
    assert page.url.endswith("/scan"), page.url
    return context, page


def wedge(page, text: str) -> None:
    page.focus("#scan-text")
    page.keyboard.insert_text(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_quarantined_vial_shows_its_chain_and_proofs(served, browser, tmp_path):  # noqa: F811
    url, password = served
    context, page = signed_in(browser, url, password)
    outside: list[str] = []
    page.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
               else (outside.append(route.request.url), route.abort()))
    assert not page.is_checked("#sound-on")  # sound is off until asked for, then remembered
    page.check("#sound-on")
    wedge(page, f"]d201{ZENTERVA.gtin}21ZT00007{GS}10ZT2611A{GS}17280531")
    assert page.locator("section.verdict").get_attribute("data-verdict") == "quarantined"
    assert page.is_checked("#sound-on") and page.evaluate("document.body.dataset.beeped") == "stop"
    page.screenshot(path=tmp_path / "unit-0-scan.png", full_page=True)
    page.focus("a.unit-link")  # by keyboard: the link, then Enter
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/staff/units" in page.url
    assert page.locator("h2#state-heading").inner_text() == TORN_SEAL
    flags = page.locator("p.flags").inner_text()
    assert "Status: quarantined" in flags and "Under investigation" in flags
    assert page.locator("table.chain tbody tr").count() >= 5
    proof = page.locator("p.proof").inner_text()
    assert re.search(r"Verified .*verified against checkpoint size \d+ signed at .* UTC, "
                     r"signature checked", proof), proof
    assert "Failed" not in page.locator("table.chain").inner_text()
    page.screenshot(path=tmp_path / "unit-1-chain.png", full_page=True)
    # The search box takes scanner text too.
    page.fill("#unit-id", f"(01){ZENTERVA.gtin}(21)ZT00003")
    with page.expect_navigation():
        page.press("#unit-id", "Enter")
    assert ZENTERVA.sgtin("ZT00003") in page.locator("h2#state-heading").inner_text()
    assert outside == []
    context.close()


def test_an_investigation_from_suspect_to_illegitimate_with_its_3911(served, browser, tmp_path):  # noqa: F811
    url, password = served
    context, page = signed_in(browser, url, password)
    page.click("nav >> text=Investigations")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1 and "Open" in rows.first.inner_text()
    page.screenshot(path=tmp_path / "investigation-0-queue.png", full_page=True)
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert page.locator("[data-status]").get_attribute("data-status") == "open"
    page.fill("#note-text", "Seal torn, carton re-taped; photographed at receiving 1")
    with page.expect_navigation():
        page.click("text=Add note")
    assert "photographed at receiving 1" in page.locator("ol.history").inner_text()
    page.select_option("#classification", "counterfeit")
    page.fill("#illegitimate-text", "Hologram missing; Northwind confirms the serial was not packed")
    page.fill("#contact-phone", "+1 617 555 0100")
    with page.expect_navigation():
        page.click("button:has-text('Determine illegitimate')")
    assert page.locator("[data-status]").get_attribute("data-status") == "illegitimate"
    assert "Due" in page.locator("dd.clock").inner_text()
    draft = page.locator("section.form3911")
    assert draft.locator("[data-field=classification]").inner_text() == "counterfeit"
    assert draft.locator("[data-field=name_of_product]").inner_text() == "Zenterva"
    assert "ZT00007" in draft.locator("[data-field=serial_numbers]").inner_text()
    assert "Atlas Specialty Distribution" in page.locator("ul.partners").inner_text()
    page.screenshot(path=tmp_path / "investigation-1-illegitimate.png", full_page=True)
    pdf = page.request.get(url + draft.locator("a", has_text="PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    context.close()


def test_a_recall_filed_without_javascript_makes_the_next_scan_answer_recalled(
        served, browser, tmp_path):  # noqa: F811
    url, password = served
    context, page = signed_in(browser, url, password, java_script_enabled=False)
    page.goto(f"{url}/staff/recalls")
    page.fill("#gtin", ZENTERVA.gtin)
    page.fill("#lots", "ZT2611A")
    page.select_option("#recall-class", "I")
    page.fill("#recall-reason", "mislabelled strength on the carton")
    with page.expect_navigation():
        page.click("text=File recall")
    done = page.locator("section.done")
    assert "Recall filed" in done.inner_text()
    listed = page.locator("table.recalls").inner_text()
    assert "ZT2611A" in listed and "Harbor Specialty Pharmacy" in listed
    page.screenshot(path=tmp_path / "recall-0-filed.png", full_page=True)
    page.goto(f"{url}/scan")
    page.fill("#scan-text", f"]d201{ZENTERVA.gtin}21ZT00004{GS}10ZT2611A{GS}17280531")
    with page.expect_navigation():
        page.press("#scan-text", "Enter")
    assert page.locator("section.verdict").get_attribute("data-verdict") == "recalled"
    page.screenshot(path=tmp_path / "recall-1-scan.png", full_page=True)
    context.close()
