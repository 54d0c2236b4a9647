"""Personal API keys from the "My API keys" page: shown once, acting as their holder (recorded
on the scan), revoked by their holder only; roles hold for session requests too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import ApiKey, Scan
from app.staff import service
from tests.staff.helpers import PASSWORD, csrf_of, demo, settings, sign_in  # noqa: F401  (fixtures)


async def add(session, username: str, *roles: str) -> None:
    await service.add_staff(session, username, username.title(), roles, PASSWORD, "test")
    await session.commit()


async def issue(client, name: str = "returns scanner") -> tuple[str, str]:
    page = await client.get("/account/keys")
    made = await client.post("/account/keys", data={"name": name, "csrf_token": csrf_of(page.text)})
    assert made.status_code == 201, made.text
    plaintext = re.search(r'id="new-key" readonly value="(ck_[^"]+)"', made.text).group(1)
    return plaintext, plaintext.split("_")[1]


@pytest.mark.usefixtures("demo")
async def test_a_key_from_the_page_is_shown_once_and_acts_as_its_holder(client, session):
    await add(session, "alice", "picker")
    await sign_in(client, "alice", PASSWORD)
    plaintext, prefix = await issue(client)
    listed = await client.get("/account/keys")
    assert plaintext not in listed.text and f"ck_{prefix}_" in listed.text
    assert "returns scanner" in listed.text
    stored = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    assert plaintext not in stored.key_hash and stored.scopes == []
    client.cookies.clear()  # the key alone, no session
    scanned = await client.post("/scans/verify", json={"text": "garbage"},
                                headers={"Authorization": f"Bearer {plaintext}"})
    assert scanned.status_code == 200, scanned.text
    scan = await session.scalar(select(Scan).order_by(Scan.id.desc()).limit(1))
    assert (scan.operator, scan.staff_id) == ("staff:alice", stored.staff_id)


@pytest.mark.usefixtures("demo")
async def test_nobody_revokes_anothers_key_and_the_holder_revokes_theirs(client, session):
    await add(session, "alice", "picker")
    await add(session, "bob", "picker")
    await sign_in(client, "alice", PASSWORD)
    plaintext, prefix = await issue(client)
    bearer = {"Authorization": f"Bearer {plaintext}"}
    client.cookies.clear()
    await sign_in(client, "bob", PASSWORD)
    token = csrf_of((await client.get("/account/keys")).text)
    for target in (prefix, "zz", "00000000"):
        refused = await client.post(f"/account/keys/{target}/revoke", data={"csrf_token": token})
        assert refused.status_code == 404
        assert f"you hold no API key with prefix {target!r}" in refused.text.replace("&#39;", "'")
    assert f"ck_{prefix}_" not in (await client.get("/account/keys")).text
    assert (await client.post("/scans/verify", json={"text": "x"}, headers=bearer)).status_code == 200
    client.cookies.clear()
    await sign_in(client, "alice", PASSWORD)
    page = await client.get("/account/keys")
    forged = await client.post(f"/account/keys/{prefix}/revoke", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    done = await client.post(f"/account/keys/{prefix}/revoke",
                             data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and f"Key {prefix} revoked" in done.text
    client.cookies.clear()
    revoked = await client.post("/scans/verify", json={"text": "x"}, headers=bearer)
    assert revoked.status_code == 401


async def test_a_forged_form_issues_no_key_and_signed_out_visitors_go_to_sign_in(client, session):
    await add(session, "alice", "picker")
    assert (await client.get("/account/keys")).headers["location"] == "/signin"
    await sign_in(client, "alice", PASSWORD)
    forged = await client.post("/account/keys", data={"name": "x", "csrf_token": "forged"})
    assert forged.status_code == 403 and "ck_" not in forged.text.replace("ck_…", "")
    assert await session.scalar(select(ApiKey.id)) is None


async def test_a_signed_in_picker_is_refused_by_role_not_just_by_key(client, session):
    await add(session, "alice", "picker")
    await sign_in(client, "alice", PASSWORD)
    token = csrf_of((await client.get("/scan")).text)
    refused = await client.post("/recalls", headers={"X-CSRF-Token": token}, json={
        "gtin": "00312345600112", "lots": ["L1"], "class": "II", "reason": "x"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("staff:alice (picker) may not record or read recalls: "
                                        "that needs the role qa or admin")
