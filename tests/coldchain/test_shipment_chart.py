"""A shipment's (and a case's) temperature chart over HTTP, on the demo: the staff shipment and
case pages, ``GET /shipments/{id}/coldchain``, and who may not read them."""

from __future__ import annotations

import re

import pytest

from app.auth import service as auth
from app.demo import LYON, OPERATOR, STAFF_USER
from app.models import PartnerGln
from app.operator.service import operator
from app.shipments import service as shipments
from app.staff import service as staff
from app.staff.roles import Permission, roles_with
from tests.staff.helpers import PASSWORD, demo, sign_in  # noqa: F401  (fixture)
from tests.staff.helpers import settings as demo_settings  # noqa: F401  (fixture)


@pytest.fixture
def settings(demo_settings, tmp_path):  # noqa: F811
    return demo_settings.model_copy(update={"key_dir": tmp_path / "keys"})


def section(html: str) -> str:
    """The cold-chain panel of a page."""
    return html.split('id="coldchain"')[1].split("</section>")[0]


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_demo_shipment_page_draws_its_chart_and_says_it_in_words(client, demo):  # noqa: F811
    assert f"/shipping/{demo['shipment']}" in demo["coldchain"], demo["coldchain"]
    assert (await sign_in(client, STAFF_USER, demo["password"])).status_code == 303
    page = await client.get(f"/shipping/{demo['shipment']}")
    assert page.status_code == 200, page.text
    panel = section(page.text)
    assert 'data-verdict="excursion-within-budget"' in panel and "<svg" in panel
    assert "<script" not in panel
    said = words(panel)
    assert "15 min outside 2 to 8 °C of a 30 min budget" in said, said
    assert "Excursion 1: 2026-11-30 09:45 to 10:00 UTC, 9.2 to 9.2 °C" in said, said
    assert said.count("Within budget") == 3, said  # the three vials in the logged SSCC
    assert panel.count('data-verdict="no-data"') == 3  # the other case's vials: nothing measured


async def test_the_api_gives_the_same_to_staff_and_operator_keys(client, demo):  # noqa: F811
    sid = demo["shipment"]
    key = {"Authorization": f"Bearer {demo['key']}"}
    got = await client.get(f"/shipments/{sid}/coldchain", headers=key)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["verdict"] == "excursion-within-budget" and body["minutes_outside"] == 15
    assert body["budget_minutes"] == 30 and len(body["excursions"]) == 1 and body["readings"] == 10
    assert body["chart"] == f"/shipments/{sid}/coldchain?format=svg" and len(body["units"]) == 6
    assert "15 min outside" in body["summary"]
    drawn = await client.get(body["chart"], headers=key)
    assert drawn.headers["content-type"] == "image/svg+xml" and "E1" in drawn.text
    assert (await client.get(f"/shipments/{sid + 999}/coldchain", headers=key)).status_code == 404


async def test_a_partner_key_may_not_read_a_shipment_chart(client, session, demo):  # noqa: F811
    lyon = await session.get(PartnerGln, LYON.gln)  # the shipment's own ship-to, even
    _, plaintext = await auth.issue(session, lyon.partner_id, ["query", "regulator"], "lyon",
                                    actor="test")
    await session.commit()
    for fmt in ("json", "svg"):
        got = await client.get(f"/shipments/{demo['shipment']}/coldchain",
                               params={"format": fmt},
                               headers={"Authorization": f"Bearer {plaintext}"})
        assert got.status_code == 403, got.text
        assert got.headers["content-type"] == "application/problem+json"
        assert "belongs to a trading partner" in got.json()["detail"]
    assert (await client.get(f"/shipments/{demo['shipment']}/coldchain")).status_code == 401


async def test_a_shipment_without_readings_says_so_and_draws_nothing(client, session, demo):  # noqa: F811
    op = await operator(session, OPERATOR.gln)
    view = await shipments.create_shipment(session, op, shipments.ShipmentSpec(LYON.gln),
                                           "test")
    await session.commit()
    sid = view.shipment.id
    await sign_in(client, STAFF_USER, demo["password"])
    panel = section((await client.get(f"/shipping/{sid}")).text)
    assert "No temperature readings for this shipment" in panel and "<svg" not in panel
    key = {"Authorization": f"Bearer {demo['key']}"}
    body = (await client.get(f"/shipments/{sid}/coldchain", headers=key)).json()
    assert body["verdict"] == "no-data" and body["chart"] is None and body["readings"] == 0
    assert body["summary"] == "No temperature readings."
    drawn = await client.get(f"/shipments/{sid}/coldchain?format=svg", headers=key)
    assert drawn.status_code == 404 and "no temperature readings to draw" in drawn.json()["detail"]


async def test_the_shipped_case_page_charts_its_vials(client, demo):  # noqa: F811
    ref = re.search(r"shipped (CASE-[0-9A-Z-]+)", demo["cases"]).group(1)
    assert f"/staff/cases/{ref}" in demo["coldchain"]
    await sign_in(client, STAFF_USER, demo["password"])
    panel = section((await client.get(f"/staff/cases/{ref}")).text)
    assert "<svg" in panel and 'data-verdict="excursion-within-budget"' in panel
    assert panel.count("<tr data-unit=") == 2
    requested = re.search(r"requested (CASE-[0-9A-Z-]+)", demo["cases"]).group(1)
    quiet = section((await client.get(f"/staff/cases/{requested}")).text)
    assert "No temperature readings for this case" in quiet and "<svg" not in quiet


async def test_a_receiver_gets_the_refusal_page_and_a_403_for_the_chart(client, session, demo):  # noqa: F811
    await staff.add_staff(session, "rae.receiver", "Rae Receiver", ["receiver"], PASSWORD, "test")
    await session.commit()
    assert (await sign_in(client, "rae.receiver", PASSWORD)).status_code == 303
    ref = re.search(r"shipped (CASE-[0-9A-Z-]+)", demo["cases"]).group(1)
    for path, permission in ((f"/shipping/{demo['shipment']}", Permission.SHIP),
                             (f"/staff/cases/{ref}", Permission.CASES)):
        got = await client.get(path)
        assert got.status_code == 403, path
        assert "Not allowed" in got.text and "Cold chain" not in got.text
        assert ", ".join(roles_with(permission)) in got.text, path
    api = await client.get(f"/shipments/{demo['shipment']}/coldchain")  # the same session
    assert api.status_code == 403 and api.json()["required"] == list(roles_with(Permission.SHIP))
