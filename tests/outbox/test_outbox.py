"""The outbox pushes to a second, real Custody (its own database and server) as the receiver:
delivered once, retried with backoff, failures visible and retryable, capture URLs checked."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.outbox import service
from app.outbox.worker import Policy, run_once
from tests.outbox.helpers import commissioning, jobs, receiver
from tests.partners.helpers import make_key, make_partner
from tests.process import free_port

JSONLD = "application/ld+json"
POLICY = Policy(timeout=5, max_attempts=3, backoff=timedelta(seconds=30),
                allow_http_loopback=True)


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    with receiver(tmp_path_factory.mktemp("receiver")) as made:
        yield made


@pytest.fixture
def settings(database_url):
    from app.config import Settings

    return Settings(database_url=database_url, log_json=True, outbox_allow_http_loopback=True)


@pytest.fixture
async def admin(session):
    headers = await make_key(session, None, "admin")
    await session.commit()
    return headers


async def _partner(session, client, admin, url: str, token: str | None) -> int:
    partner = await make_partner(session, "Receiving Pharmacy", "0614141000005")
    await session.commit()
    body: dict = {"capture_url": url}
    if token:
        body["capture_token"] = token
    answer = await client.patch(f"/partners/{partner.id}", json=body, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["capture_url"] == url and answer.json()["has_capture_token"] == bool(token)
    assert token is None or token not in answer.text
    return partner.id


async def _due_now(session, message_id: int) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(next_attempt_at=utcnow()))
    await session.commit()


async def test_delivered_once_to_a_second_custody(session, sessions, client, admin, remote):
    capture_url, key, remote_admin = remote
    partner_id = await _partner(session, client, admin, capture_url, key)
    body = commissioning(f"ONCE{uuid.uuid4().hex[:8]}")  # the receiver outlives this test
    message = await service.enqueue(session, partner_id, "test:once1", body, JSONLD, "test 1")
    again = await service.enqueue(session, partner_id, "test:once1", body, JSONLD, "test 1")
    assert again.id == message.id  # the same document enqueued twice is one message
    await session.commit()
    before = len(jobs(capture_url, remote_admin))
    async with httpx.AsyncClient() as http:
        assert await run_once(sessions, POLICY, http)
        assert not await run_once(sessions, POLICY, http)  # nothing else due
    await session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 1)
    assert message.receipt and message.receipt.startswith("/capture/")
    listed = jobs(capture_url, remote_admin)
    assert len(listed) == before + 1
    assert message.receipt == f"/capture/{listed[0]['captureID']}"
    # Sent again (say, by staff), the receiver keeps one document: the same capture job.
    answer = await client.post(f"/outbox/{message.id}/retry", headers=admin)
    assert answer.status_code == 409 and "delivered" in answer.json()["detail"]
    resend = httpx.post(capture_url, content=body, headers={
        "Authorization": f"Bearer {key}", "Content-Type": JSONLD})
    assert resend.headers["location"] == message.receipt
    assert len(jobs(capture_url, remote_admin)) == before + 1


async def test_unreachable_backs_off_then_fails_visibly_and_is_retryable(
        session, sessions, client, admin, remote):
    capture_url, key, remote_admin = remote
    dead = f"http://127.0.0.1:{free_port()}/capture"
    partner_id = await _partner(session, client, admin, dead, key)
    message = await service.enqueue(session, partner_id, "test:dead1", commissioning("DEAD1"),
                                    JSONLD, "test 2")
    await session.commit()
    async with httpx.AsyncClient() as http:
        started = utcnow()
        assert await run_once(sessions, POLICY, http)
        await session.refresh(message)
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
        assert "ConnectError" in message.last_error
        wait = message.next_attempt_at - started
        assert timedelta(seconds=29) < wait < timedelta(seconds=32)
        assert not await run_once(sessions, POLICY, http)  # not due yet
        await _due_now(session, message.id)
        assert await run_once(sessions, POLICY, http)
        await session.refresh(message)
        assert message.next_attempt_at - utcnow() > timedelta(seconds=55)  # doubled
        await _due_now(session, message.id)
        assert await run_once(sessions, POLICY, http)
    await session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 3)
    listed = (await client.get("/outbox?status=failed", headers=admin)).json()
    assert [m["id"] for m in listed] == [message.id]
    assert listed[0]["partner"] == "Receiving Pharmacy" and "ConnectError" in listed[0]["last_error"]
    assert "body" not in listed[0]
    # Staff fix the URL and retry: delivered.
    answer = await client.patch(f"/partners/{partner_id}", json={"capture_url": capture_url},
                                headers=admin)
    assert answer.status_code == 200
    answer = await client.post(f"/outbox/{message.id}/retry", headers=admin)
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    async with httpx.AsyncClient() as http:
        assert await run_once(sessions, POLICY, http)
    await session.refresh(message)
    assert message.status == OutboxStatus.DELIVERED


async def test_a_refusal_fails_at_once(session, sessions, client, admin, remote):
    capture_url, _, _ = remote
    partner_id = await _partner(session, client, admin, capture_url, "ck_nobody_wrong")
    message = await service.enqueue(session, partner_id, "test:refused", commissioning("R1"),
                                     JSONLD, "test 3")
    await session.commit()
    async with httpx.AsyncClient() as http:
        assert await run_once(sessions, POLICY, http)
    await session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1)
    assert message.last_error.startswith("HTTP 401")


async def test_other_content_under_the_same_key_is_refused(session):
    partner = await make_partner(session, "P", "0614141000005")
    await service.enqueue(session, partner.id, "k", b"{}", JSONLD, "r")
    with pytest.raises(Exception, match="queued already with other content"):
        await service.enqueue(session, partner.id, "k", b"{ }", JSONLD, "r")


@pytest.mark.parametrize("url", [
    "http://partner.example/capture", "ftp://127.0.0.1/x", "https://user:pw@partner.example/c",
    "https://partner.example/c#frag", "https:///nohost", "https://partner.example/ c",
    "https://partner.example:99999/c", "javascript:alert(1)", "x" * 600,
])
async def test_hostile_capture_urls_are_422s_naming_the_field(session, client, admin, url):
    partner = await make_partner(session, "P", "0614141000005")
    await session.commit()
    answer = await client.patch(f"/partners/{partner.id}", json={"capture_url": url},
                                headers=admin)
    assert answer.status_code == 422, answer.text
    assert "capture_url" in answer.text
    shown = (await client.get(f"/partners/{partner.id}", headers=admin)).json()
    assert shown["capture_url"] is None


async def test_http_to_loopback_only_in_development(session, client, admin, database_url):
    from app.config import Settings
    from app.main import create_app

    partner = await make_partner(session, "P", "0614141000005")
    await session.commit()
    app = create_app(Settings(database_url=database_url, log_json=True))
    app.state.sessions = client._transport.app.state.sessions  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as prod:
        answer = await prod.patch(f"/partners/{partner.id}",
                                  json={"capture_url": "http://127.0.0.1:9/capture"},
                                  headers=admin)
        assert answer.status_code == 422 and "https" in answer.json()["detail"]
        answer = await prod.patch(f"/partners/{partner.id}",
                                  json={"capture_url": "https://partner.example/capture"},
                                  headers=admin)
        assert answer.status_code == 200
    await app.state.engine.dispose()


async def test_the_token_is_audited_without_its_value(session, client, admin):
    partner = await make_partner(session, "P", "0614141000005")
    await session.commit()
    await client.patch(f"/partners/{partner.id}", json={"capture_token": "ck_secret_value"},
                       headers=admin)
    audit = (await client.get(f"/partners/{partner.id}/audit", headers=admin)).text
    assert "capture_token" in audit and "ck_secret_value" not in audit


async def test_outbox_is_for_admins_only(session, client):
    partner = await make_partner(session, "P", "0614141000005")
    headers = await make_key(session, partner.id, "capture", "query")
    await session.commit()
    assert (await client.get("/outbox", headers=headers)).status_code == 403
    assert (await client.post("/outbox/1/retry", headers=headers)).status_code == 403
    assert (await client.get("/outbox")).status_code == 401


async def test_a_leased_message_is_not_claimed_twice_and_a_stale_outcome_is_ignored(session):
    partner = await make_partner(session, "P", "0614141000005")
    message = await service.enqueue(session, partner.id, "lease", b"{}", JSONLD, "r")
    first = await service.claim(session, timedelta(seconds=60))
    assert first is not None and first.id == message.id and first.attempt == 1
    assert await service.claim(session, timedelta(seconds=60)) is None  # leased
    # The lease passes: another worker takes the message over (attempt 2) ...
    message.leased_until = utcnow() - timedelta(seconds=1)
    await session.flush()
    second = await service.claim(session, timedelta(seconds=60))
    assert second is not None and second.attempt == 2
    # ... and the first worker's late answer changes nothing.
    assert not await service.record(session, first, receipt="/capture/late")
    assert await service.record(session, second, receipt="/capture/x")
    await session.refresh(message)
    assert (message.status, message.receipt, message.attempts) == (
        OutboxStatus.DELIVERED, "/capture/x", 2)
    with pytest.raises(Exception, match="is delivered; expected failed or pending"):
        await service.retry(session, message.id)
