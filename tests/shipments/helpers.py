"""A demo world for shipping: Harbor (the operator) with fresh stock, an operator admin key."""

from __future__ import annotations

import pytest

from app.demo import HARBOR, ingest
from app.shipments.demo import fresh_vials, scan_text, stock_documents
from tests.partners.helpers import make_key

__all__ = ["HARBOR", "fresh_vials", "scan_text"]


@pytest.fixture
async def stocked(demo, sessions, session) -> dict:
    """The demo plus 12 fresh vials at Harbor; ``headers`` of an operator admin key."""
    vials = fresh_vials(12, "ZQ")
    await ingest(sessions, stock_documents(vials, hours=300))
    headers = await make_key(session, None, "admin")
    await session.commit()
    return {"vials": vials, "headers": headers}


async def new_shipment(client, headers, **fields) -> dict:
    body = {"ship_to_gln": "3760003000007", "order_number": "NPP-1", **fields}
    made = await client.post("/shipments", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


async def packed_case(client, headers, shipment_id: int, vials) -> dict:
    case = (await client.post(f"/shipments/{shipment_id}/cases", headers=headers)).json()
    for vial in vials:
        done = await client.post(f"/shipments/{shipment_id}/cases/{case['id']}/scans",
                                 json={"text": scan_text(vial)}, headers=headers)
        assert done.status_code == 201, done.text
    return case
