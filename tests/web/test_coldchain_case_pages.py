"""A named-patient case in a real browser with a temperature excursion cleared by QA.

``custody demo`` (with a vault key file), two fresh vials at the operator and a QA account
(``custody staff add``), then ``custody serve``. The demo pharmacist authorizes the requested
case, packs the vials into an SSCC of a shipment carrying the case's reference and ships it (the
case is linked and shipped); the carrier's logger file, uploaded through the API, shows 60
minutes above 8 °C against a 30-minute budget: the units become suspect and a cold-chain
investigation opens, and the shipment and case pages chart it. QA clears the investigation on
its page; a receiver with no account confirms through the one-off link; the case is delivered
with its follow-up due. Screenshots go to the test's tmp directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from app.demo import LYON, STAFF_USER
from app.shipments.demo import fresh_vials, scan_text
from tests.process import custody, serving
from tests.web.served import demo
from tests.web.test_pages import browser, offline_page  # noqa: F401  (fixture)
from tests.web.test_shipping_page import _scan, _submit

VIALS = fresh_vials(2, "ZC")
QA_USER = "quinn.qa"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[dict[str, str]]:
    """URL, passwords, the requested case's reference and the demo's operator key."""
    made = demo(tmp_path_factory.mktemp("coldweb"), VIALS, vault=True)
    qa = custody("staff", "add", QA_USER, "--name", "Quinn QA", "--role", "qa", "--generate",
                 **made.settings)
    assert qa.returncode == 0, qa.stderr
    with serving(**made.settings) as url:
        yield {"url": url, "password": made.password,
               "qa": re.search(r"password \(shown once\): (\S+)", qa.stdout).group(1),
               "ref": made.printed(r"requested (CASE-[0-9A-Z-]+)"),
               "key": made.printed(r"demo API key \([^)]*\): (\S+)")}


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/signin")
    page.fill("#username", username)
    page.fill("#password", password)
    _submit(page, "button[type=submit]")


def logger_file() -> bytes:
    """The carrier's logger: every 15 minutes, an hour at 12 °C in the middle of 2 hours."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    temperatures = (5.0, 5.2, 12.1, 12.4, 12.0, 11.8, 5.1, 4.9, 5.0)
    return ("time,temperature\n" + "".join(
        f"{(start + timedelta(minutes=15 * i)).isoformat()},{c}\n"
        for i, c in enumerate(temperatures))).encode()


def test_an_excursion_cleared_by_qa_then_delivery_confirmed(served, browser, tmp_path):  # noqa: F811
    url, ref = served["url"], served["ref"]
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, url, STAFF_USER, served["password"])
    page.goto(f"{url}/staff/cases/{ref}")
    today = date.today()
    page.fill("#authorization_ref", "ANSM-AAC-2026-COLD")
    page.fill("#issued", str(today - timedelta(days=1)))
    page.fill("#expires", str(today + timedelta(days=90)))
    _submit(page, "#authorize-form button")
    assert page.locator("#case-status").inner_text() == "authorized"
    assert "No temperature readings for this case" in page.locator("#coldchain").inner_text()

    page.goto(f"{url}/shipping")  # a shipment for the case: shipping it links the vials
    lyon = page.locator("#ship_to option", has_text="Lyon").first.get_attribute("value")
    assert lyon.startswith(LYON.gln)
    page.select_option("#ship_to", lyon)
    page.fill("#case_ref", ref)
    page.fill("#carrier", "Cryoport")
    _submit(page, "#new-shipment button[type=submit]")
    shipment = page.url
    _submit(page, "#new-case")
    sscc = page.locator("#current-case").inner_text()
    for vial in VIALS:
        assert _scan(page, scan_text(vial)) == "packed"
    _submit(page, f"button[aria-label='Close case {sscc}']")
    _submit(page, "#ship")
    assert page.locator("#status").inner_text() == "shipped"
    assert "No temperature readings for this shipment" in page.locator("#coldchain").inner_text()
    assert page.locator("#coldchain svg").count() == 0

    uploaded = httpx.post(f"{url}/coldchain/uploads", params={"epc": sscc},
                          files={"file": ("logger.csv", logger_file(), "text/csv")},
                          headers={"Authorization": f"Bearer {served['key']}"}, timeout=30)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["verdict"] == "excursion" and uploaded.json()["minutes_outside"] == 60
    investigation = uploaded.json()["investigation"]
    assert investigation is not None

    page.goto(shipment)
    panel = page.locator("#coldchain")
    assert panel.locator("p.flags").get_attribute("data-verdict") == "excursion"
    assert "Excursion beyond budget" in panel.inner_text()
    assert "60 min outside 2 to 8 °C of a 30 min budget" in panel.inner_text()
    assert panel.locator("figure.chart svg text", has_text="E1").count() == 1
    assert panel.locator("tr[data-verdict=excursion] [data-status=open]").count() == 2
    page.screenshot(path=tmp_path / "cold-1-shipment-excursion.png", full_page=True)
    page.goto(f"{url}/staff/cases/{ref}")
    assert page.locator("#case-status").inner_text() == "shipped"
    panel = page.locator("#coldchain")
    assert panel.locator("p.flags").get_attribute("data-verdict") == "excursion"
    assert panel.locator("figure.chart svg").count() == 1
    page.screenshot(path=tmp_path / "cold-2-case-excursion.png", full_page=True)
    href = panel.locator("a[href^='/staff/investigations/']").first.get_attribute("href")
    assert href == f"/staff/investigations/{investigation}"

    qa = browser.new_context().new_page()  # QA, in a browser of their own
    qa.set_viewport_size({"width": 1024, "height": 768})
    sign_in(qa, url, QA_USER, served["qa"])
    qa.goto(f"{url}{href}")
    assert qa.locator("span.status").get_attribute("data-status") == "open"
    assert "cold chain" in qa.content()
    qa.fill("#clear-text", "Stability data: 60 min at 12 °C is within the labelled excursion "
                           "allowance; product fit for use")
    _submit(qa, "button:has-text('Clear product')")
    assert qa.locator("span.status").get_attribute("data-status") == "cleared"
    qa.screenshot(path=tmp_path / "cold-3-qa-cleared.png", full_page=True)
    qa.context.close()

    page.goto(f"{url}/staff/cases/{ref}")  # the evidence stays, QA's clearance beside it
    panel = page.locator("#coldchain")
    assert panel.locator("p.flags").get_attribute("data-cleared") == "true"
    assert "cleared by QA" in panel.locator("p.flags").inner_text()
    assert panel.locator("tr[data-verdict=excursion] [data-status=cleared]").count() == 2
    panel.locator("tr[data-verdict=excursion] a[href^='/staff/units']").first.click()
    assert "Excursion beyond budget: cleared by QA" in page.locator("p.flags[data-verdict]").inner_text()
    page.goto(f"{url}/staff/cases/{ref}")
    _submit(page, "#confirmation-link-form button")
    link = page.locator("#confirm-url").inner_text()
    receiver = browser.new_context()  # no account, no cookie
    other = receiver.new_page()
    other.goto(link)
    other.fill("#confirmer_name", "Dr. Cold Receiver")
    other.fill("#confirmer_role", "hospital pharmacist")
    other.fill("#institution", "Pharmacie des Hospices de Lyon")
    _submit(other, "#confirm-form button")
    assert "Thank you" in other.locator("#confirmed").inner_text()
    receiver.close()

    page.goto(f"{url}/staff/cases/{ref}")  # not a reload: that would post the form again
    assert page.locator("p.error").count() == 0
    assert page.locator("#case-status").inner_text() == "delivered"
    assert "Dr. Cold Receiver" in page.locator("p.confirmation").inner_text()
    assert "open" in page.locator("#follow-up").inner_text()
    assert page.locator("#coldchain figure.chart svg").count() == 1  # the evidence stays
    page.screenshot(path=tmp_path / "cold-4-delivered.png", full_page=True)
    assert outside == []
    page.close()
