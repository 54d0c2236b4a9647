"""GET /units/{identifier} names a unit by EPC URN or by GS1 Digital Link, alike for every caller."""

from urllib.parse import quote

from tests.ingest.chain import sgtin, sscc
from tests.ingest.test_query import seed

UNIT_LINK = "https://id.gs1.org/01/00312345600112/21/1"  # sgtin(1)
CASE_LINK = "https://id.gs1.org/00/003123450000000011"  # sscc(1)


async def test_a_digital_link_names_the_same_unit_as_its_urn(client, session, sessions):
    p = await seed(client, session, sessions)
    wholesaler, pharmacy = p["wholesaler"][1], p["pharmacy"][1]
    for urn, link in ((sgtin(1), UNIT_LINK), (sscc(1), CASE_LINK)):
        by_urn = await client.get(f"/units/{urn}", headers=wholesaler)
        assert by_urn.status_code == 200, by_urn.text
        for spelled in (link, link.replace("https://id.gs1.org", "https://example.com/dl")):
            by_link = await client.get(f"/units/{quote(spelled, safe='')}", headers=wholesaler)
            assert (by_link.status_code, by_link.json()) == (200, by_urn.json()), spelled
            assert by_link.json()["identifier"] == urn
        # A link changes nothing about who may see the unit: the same 404 as its URN gives.
        hidden = await client.get(f"/units/{quote(link, safe='')}", headers=pharmacy)
        assert (hidden.status_code, hidden.json()["detail"]) == (
            404, f"no unit {link} visible to this key")
    for nothing in ("https://id.gs1.org/01/00312345600112/21/999", "https://id.gs1.org/01/x",
                    "https://example.com/"):
        missing = await client.get(f"/units/{quote(nothing, safe='')}", headers=wholesaler)
        assert (missing.status_code, missing.json()["detail"]) == (
            404, f"no unit {nothing} visible to this key")
