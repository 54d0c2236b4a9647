"""A shipment packed and shipped through HTTP prints labels, packing and pick lists that read
back, and ships into the outbox when the partner has a capture URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import zxingcpp

from app.models import OutboxMessage, PartnerGln
from tests.printing.test_pdf import pages
from tests.shipments.helpers import new_shipment, packed_case

LYON = "3760003000007"


def text(pdf: bytes, tmp_path: Path, name: str) -> str:
    (tmp_path / name).write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", name, "-"], cwd=tmp_path, check=True,
                          capture_output=True, text=True).stdout


async def _ship(client, h, vials) -> tuple[int, list[dict]]:
    sid = (await new_shipment(client, h, carrier="DHL", tracking="JD0001"))["id"]
    cases = [await packed_case(client, h, sid, part) for part in (vials[:2], vials[2:3])]
    for case in cases:
        closed = await client.post(f"/shipments/{sid}/cases/{case['id']}/close", headers=h)
        assert closed.status_code == 200, closed.text
    return sid, cases


async def test_printables_of_a_packed_shipment(client, stocked, tmp_path):
    h, vials = stocked["headers"], stocked["vials"]
    sid, cases = await _ship(client, h, vials)
    got = await client.get(f"/shipments/{sid}/labels.pdf", headers=h)
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("inline")
    images = pages(got.content, tmp_path, "labels")
    assert len(images) == 2
    for image, case in zip(images, cases, strict=True):
        found = {str(r.format): r.text for r in zxingcpp.read_barcodes(image)}
        assert found["Code 128"] == f"(00){case['sscc']}"
        assert found["Data Matrix"] == f"(00){case['sscc']}(410){LYON}"
    printed = text(got.content, tmp_path, "l.pdf")
    assert "1 of 2" in printed and "JD0001" in printed and "NPP-1" in printed
    packing = text((await client.get(f"/shipments/{sid}/packing-list.pdf", headers=h)).content,
                   tmp_path, "p.pdf")
    assert "2 case(s), 3 unit(s)" in packing
    for case in cases:
        assert case["sscc"] in packing
    for vial in vials[:3]:
        assert vial.rsplit(".", 1)[1] in packing  # each serial
    pick = text((await client.get(f"/shipments/{sid}/pick-list.pdf", headers=h)).content,
                tmp_path, "k.pdf")
    assert "Pick list - shipment" in pick and "Location" in pick
    assert "9" in pick  # the 9 vials not packed are on hand


async def test_printables_need_the_operator(client, stocked):
    assert (await client.get("/shipments/1/labels.pdf")).status_code == 401
    assert (await client.get("/shipments/999999/labels.pdf",
                             headers=stocked["headers"])).status_code == 404


async def test_shipping_to_a_partner_with_a_capture_url_queues_the_document(
        client, stocked, session):
    h, vials = stocked["headers"], stocked["vials"]
    lyon = (await session.get(PartnerGln, LYON)).partner_id
    patched = await client.patch(f"/partners/{lyon}", headers=h, json={
        "capture_url": "https://lyon.example/epcis/capture", "capture_token": "ck_lyon_secret"})
    assert patched.status_code == 200, patched.text
    sid, _ = await _ship(client, h, vials)
    shipped = await client.post(f"/shipments/{sid}/ship", headers=h)
    assert shipped.status_code == 200, shipped.text
    outbox = (await client.get("/outbox", headers=h)).json()
    assert [(m["reference"], m["status"], m["partner_id"]) for m in outbox] == [
        (f"shipment {sid}", "pending", lyon)]
    message = await session.get(OutboxMessage, outbox[0]["id"])
    epcis = await client.get(f"/shipments/{sid}/epcis", params={"format": "1.2-xml"}, headers=h)
    assert message.body == epcis.content  # the exact document a download gives


async def test_shipping_without_a_capture_url_queues_nothing(client, stocked):
    h, vials = stocked["headers"], stocked["vials"]
    sid, _ = await _ship(client, h, vials)
    assert (await client.post(f"/shipments/{sid}/ship", headers=h)).status_code == 200
    assert (await client.get("/outbox", headers=h)).json() == []
