"""The pick & pack forms through HTTP: refusals are shown with their reason and change
nothing; a forged form is refused; signed-out visitors go to sign-in."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo import STAFF_USER
from app.models.shipments import Shipment
from app.shipments.demo import scan_text
from tests.shipments.helpers import new_shipment
from tests.staff.helpers import csrf_of, sign_in

LYON = "3760003000007"


async def _signed_in(client, demo) -> str:
    done = await sign_in(client, STAFF_USER, demo["password"])
    assert done.status_code == 303
    page = await client.get("/shipping")
    assert page.status_code == 200 and "New shipment" in page.text
    return csrf_of(page.text)


async def test_signed_out_visitors_go_to_sign_in(client):
    for path in ("/shipping", "/shipping/1"):
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    answer = await client.post("/shipping/1/ship", data={"csrf_token": "x"})
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"


async def test_refusals_show_their_reason_and_change_nothing(client, stocked, demo, session):
    csrf = await _signed_in(client, demo)
    count = await session.scalar(select(func.count()).select_from(Shipment))
    bad = await client.post("/shipping", data={"ship_to": "0000000000000 x", "csrf_token": csrf})
    assert 400 <= bad.status_code < 500 and 'role="alert"' in bad.text
    assert await session.scalar(select(func.count()).select_from(Shipment)) == count
    forged = await client.post("/shipping", data={"ship_to": f"{LYON} x", "csrf_token": "no"})
    assert forged.status_code == 403 and "expired" in forged.text
    sid = (await new_shipment(client, stocked["headers"]))["id"]
    early = await client.post(f"/shipping/{sid}/ship", data={"csrf_token": csrf})
    assert early.status_code == 409 and 'role="alert"' in early.text and "open" in early.text
    made = await client.post(f"/shipping/{sid}/cases", data={"csrf_token": csrf})
    assert made.status_code == 303
    page = await client.get(made.headers["location"])
    case_id = page.text.split('name="case_id" value="')[1].split('"')[0]
    unknown = await client.post(f"/shipping/{sid}/scan", data={
        "text": "(01)00312345600112(21)NOPE1", "case_id": case_id, "csrf_token": csrf})
    assert unknown.status_code == 409
    assert 'data-verdict="unknown-identifier"' in unknown.text and "Unknown identifier" in unknown.text
    packed = await client.post(f"/shipping/{sid}/scan", data={
        "text": scan_text(stocked["vials"][0]), "case_id": case_id, "csrf_token": csrf})
    assert packed.status_code == 200 and 'data-verdict="packed"' in packed.text
    assert '<strong id="current-count">1</strong>' in packed.text
    other = await client.post(f"/shipping/{sid}/cases/999999/close", data={"csrf_token": csrf})
    assert other.status_code == 404 and 'role="alert"' in other.text
    assert (await client.post(f"/shipping/{sid}/cases/{case_id}/explode",
                              data={"csrf_token": csrf})).status_code == 404
    labels = await client.get(f"/shipments/{sid}/labels.pdf")  # the session cookie suffices
    assert labels.status_code == 200 and labels.content[:5] == b"%PDF-"


async def test_the_outbox_shows_on_the_page_and_retries(client, stocked, demo, session):
    from app.models import OutboxMessage, OutboxStatus, PartnerGln
    from app.outbox import service as outbox

    csrf = await _signed_in(client, demo)
    lyon = (await session.get(PartnerGln, LYON)).partner_id
    message = await outbox.enqueue(session, lyon, "page:1", b"<x/>", "application/xml",
                                   "shipment 77")
    message.status, message.attempts, message.last_error = OutboxStatus.FAILED, 8, "HTTP 503: busy"
    await session.commit()
    page = await client.get("/shipping")
    row = page.text.split('id="outbox"')[1]
    assert "shipment 77" in row and "failed" in row and "HTTP 503: busy" in row
    retried = await client.post(f"/shipping/outbox/{message.id}/retry", data={"csrf_token": csrf})
    assert retried.status_code == 303
    await session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    forged = await client.post(f"/shipping/outbox/{message.id}/retry", data={"csrf_token": "x"})
    assert forged.status_code == 403
    assert await session.get(OutboxMessage, message.id) is not None
