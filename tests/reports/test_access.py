"""Who may read reports: report, regulator and admin keys; a partner only the units it handled,
and a unit it did not handle answers exactly as one that does not exist."""

from __future__ import annotations

from app.demo import COR_VIALS, VIALS, ZENTERVA
from tests.reports.conftest import ZT_LOT

NOWHERE = "urn:epc:id:sgtin:0312345.060011.NOPE1"


async def get(client, path, headers=None, **params):
    return await client.get(path, headers=headers or {}, params=params)


async def test_scopes(client, world):
    unit = f"/reports/units/{VIALS[0]}"
    assert (await get(client, unit)).status_code == 401
    refused = await get(client, unit, world.keys["lyon-query"])
    assert refused.status_code == 403
    assert "lacks scope 'report' or 'regulator' or 'admin'" in refused.json()["detail"]
    for key in ("regulator", "admin", "lyon", "northwind", "atlas", "harbor"):
        assert (await get(client, unit, world.keys[key])).status_code == 200, key
    lot = f"/reports/lots/{ZENTERVA.gtin}/{ZT_LOT}"
    assert (await get(client, lot)).status_code == 401
    assert (await get(client, lot, world.keys["lyon-query"])).status_code == 403


async def test_not_yours_is_not_there(client, world):
    # Lyon never handled VIALS[3]; the stranger handled nothing; nobody made NOWHERE.
    cases = [("lyon", VIALS[3]), ("stranger", VIALS[0]), ("harbor", COR_VIALS[0].replace("CL", "CX")),
             ("atlas", COR_VIALS[0])]
    missing = await get(client, f"/reports/units/{NOWHERE}", world.keys["lyon"])
    assert missing.status_code == 404
    for key, unit in cases:
        answer = await get(client, f"/reports/units/{unit}", world.keys[key])
        assert answer.status_code == 404, (key, unit)
        body = answer.json()
        assert body["detail"] == f"no unit {unit} visible to this key"
        assert {k: v for k, v in body.items() if k not in ("detail", "instance")} == {
            k: v for k, v in missing.json().items() if k not in ("detail", "instance")}
        for fmt in ("pdf", "html", "csv"):
            assert (await get(client, f"/reports/units/{unit}", world.keys[key], format=fmt)
                    ).status_code == 404
    # The regulator sees them all.
    assert (await get(client, f"/reports/units/{VIALS[3]}", world.keys["regulator"])).status_code == 200


async def test_a_partner_sees_only_its_units_of_a_lot(client, world):
    path = f"/reports/lots/{ZENTERVA.gtin}/{ZT_LOT}"
    everything = (await get(client, path, world.keys["regulator"])).json()
    assert everything["count"] == 16  # the demo chain's 7 and the named-patient cases' 9
    lyon = (await get(client, path, world.keys["lyon"])).json()
    mine = [u["identifier"] for u in lyon["units"]]
    assert mine[:2] == list(VIALS[:2]) and not set(mine) & set(VIALS[2:])
    assert lyon["count"] == len(mine) < everything["count"]
    stranger = (await get(client, path, world.keys["stranger"])).json()
    assert stranger["units"] == [] and stranger["count"] == 0


async def test_bad_input_is_a_clear_4xx(client, world):
    key = world.keys["regulator"]
    cases = [
        (f"/reports/lots/123/{ZT_LOT}", {}, 422, "gtin"),
        (f"/reports/lots/{ZENTERVA.gtin}/{'L' * 21}", {}, 422, None),
        (f"/reports/units/{VIALS[0]}", {"format": "docx"}, 422, None),
        (f"/reports/units/{VIALS[0]}", {"since_size": -1}, 422, None),
        ("/reports/units/%00", {}, 422, None),
        ("/reports/units/(01)123", {}, 404, "identifier"),
    ]
    for path, params, status, field in cases:
        answer = await get(client, path, key, **params)
        assert answer.status_code == status, (path, params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        if field:
            assert answer.json()["field"] == field
