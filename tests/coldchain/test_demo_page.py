"""The demo's logger upload, on the staff unit page and the API."""

from __future__ import annotations

import pytest

from app.demo import STAFF_USER
from tests.staff.helpers import demo, sign_in  # noqa: F401  (fixture)
from tests.staff.helpers import settings as demo_settings  # noqa: F401  (fixture)


@pytest.fixture
def settings(demo_settings, tmp_path):  # noqa: F811
    return demo_settings.model_copy(update={"key_dir": tmp_path / "keys"})


async def test_the_demo_logger_shows_on_the_unit_page_of_the_shipped_sscc(
        client, demo):  # noqa: F811
    line = demo["coldchain"]
    assert "excursion-within-budget, 15 min outside" in line, line
    target = line.split("a logger on ")[1].split(": excursion")[0]
    assert target.startswith("urn:epc:id:sscc:"), line
    assert (await sign_in(client, STAFF_USER, demo["password"])).status_code == 303
    page = await client.get("/staff/units", params={"id": target})
    assert page.status_code == 200 and "Cold chain" in page.text
    assert 'data-verdict="excursion-within-budget"' in page.text and "<svg" in page.text
    assert "<script" not in page.text.split("Cold chain")[1].split("</section>")[0]
    quiet = await client.get("/staff/units", params={"id": "urn:epc:id:sscc:0000000.0000000000"})
    assert "Cold chain" not in quiet.text
