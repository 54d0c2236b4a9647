"""Staff roles on the operator's endpoints, by personal key and by session: each role does what
``app.staff.roles`` grants and gets a 403 naming the role needed otherwise; revoked keys,
disabled accounts' keys and partner keys get nothing; who acted is recorded."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.service import revoke
from app.models import InvestigationEntry, Recall, StaffUser
from app.staff import service as staff
from app.staff.keys import issue_staff_key
from tests.ingest.chain import sgtin
from tests.investigations.stock import stock
from tests.staff.helpers import PASSWORD

RECALL = {"gtin": "00312345600112", "lots": ["L1"], "class": "II", "reason": "particulate"}


async def key_of(session, username: str, *roles: str, limit: tuple[str, ...] = ()) -> dict:
    if await session.scalar(select(func.count()).select_from(StaffUser).where(
            StaffUser.username == username)) == 0:
        await staff.add_staff(session, username, username.title(), roles, PASSWORD, "test")
    _, plaintext = await issue_staff_key(session, username, limit, "test", "test")
    await session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


async def open_one(client, headers) -> dict:
    opened = await client.post("/investigations", headers=headers,
                               json={"identifiers": [sgtin(3)], "reason": "torn seal"})
    assert opened.status_code == 201, opened.text
    return opened.json()


async def test_a_pickers_key_scans_but_cannot_determine_or_recall(client, session, sessions):
    s = await stock(client, session, sessions)
    picker = await key_of(session, "pat", "picker")
    investigation = await open_one(client, s.staff)
    determine = await client.post(f"/investigations/{investigation['id']}/determine",
                                  headers=picker, json={"classification": "diverted",
                                                        "description": "foreign label"})
    assert determine.status_code == 403
    assert determine.headers["content-type"] == "application/problem+json"
    assert determine.json()["detail"] == ("staff:pat (picker) may not work on investigations: that "
                                          "needs the role pharmacist or qa or admin")
    assert determine.json()["required"] == ["pharmacist", "qa", "admin"]
    assert determine.json()["permission"] == "investigate"
    recall = await client.post("/recalls", headers=picker, json=RECALL)
    assert recall.status_code == 403
    assert recall.json()["detail"] == ("staff:pat (picker) may not record or read recalls: that "
                                       "needs the role qa or admin")
    for url in ("/investigations", f"/investigations/{investigation['id']}", "/recalls"):
        assert (await client.get(url, headers=picker)).status_code == 403, url
    assert (await client.post("/quarantine", headers=picker,
                              json={"identifiers": [sgtin(4)]})).status_code == 403
    assert await session.scalar(select(Recall.id)) is None
    assert await session.scalar(select(func.count()).select_from(InvestigationEntry).where(
        InvestigationEntry.kind == "illegitimate")) == 0
    scanned = await client.post("/scans/verify", headers=picker, json={"text": "garbage"})
    assert scanned.status_code == 200 and scanned.json()["verdict"] == "unreadable"


async def test_each_role_does_what_the_table_grants(client, session, sessions):
    await stock(client, session, sessions)
    pharmacist = await key_of(session, "phil", "pharmacist")
    qa = await key_of(session, "quinn", "qa")
    receiver = await key_of(session, "rae", "receiver")
    # A pharmacist quarantines and works investigations, but does not release or recall.
    held = await client.post("/quarantine", headers=pharmacist, json={"identifiers": [sgtin(3)]})
    assert held.status_code == 200, held.text
    release = await client.post("/quarantine/release", headers=pharmacist,
                                json={"identifiers": [sgtin(3)]})
    assert release.status_code == 403 and release.json()["required"] == ["qa", "admin"]
    assert (await client.post("/recalls", headers=pharmacist, json=RECALL)).status_code == 403
    investigation = await open_one(client, pharmacist)
    assert investigation["opened_by"] == "staff:phil"
    # QA releases and records recalls (this recall is refused on its merits, not the role).
    assert (await client.post("/quarantine/release", headers=qa,
                              json={"identifiers": [sgtin(3)]})).status_code == 200
    recalled = await client.post("/recalls", headers=qa, json=RECALL)
    assert recalled.status_code == 403 and "neither the brand owner" in recalled.json()["detail"]
    determined = await client.post(f"/investigations/{investigation['id']}/determine", headers=qa,
                                   json={"classification": "diverted", "description": "label"})
    assert determined.status_code == 200, determined.text
    assert determined.json()["opened_by"] == "staff:phil"
    assert await session.scalar(select(InvestigationEntry.actor).where(
        InvestigationEntry.kind == "illegitimate")) == "staff:quinn"
    # A receiver scans and nothing more here.
    assert (await client.get("/investigations", headers=receiver)).status_code == 403
    assert (await client.post("/scans/verify", headers=receiver,
                              json={"text": "x"})).status_code == 200


async def test_a_key_limited_to_scan_cannot_do_what_its_holder_may(client, session, sessions):
    s = await stock(client, session, sessions)
    scan_only = await key_of(session, "ada", "admin", limit=("scan",))
    refused = await client.post("/investigations", headers=scan_only,
                                json={"identifiers": [sgtin(3)], "reason": "x"})
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("staff:ada (admin) may not work on investigations")
    assert (await client.get("/investigations", headers=s.staff)).status_code == 200


async def test_revoked_and_disabled_accounts_keys_get_401_at_once(client, session, sessions):
    await stock(client, session, sessions)
    headers = await key_of(session, "phil", "pharmacist")
    spare = await key_of(session, "phil", "pharmacist")
    assert (await client.get("/investigations", headers=headers)).status_code == 200
    prefix = headers["Authorization"].split("_")[1]
    await revoke(session, prefix, "test")
    await session.commit()
    revoked = await client.get("/investigations", headers=headers)
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == f"API key ck_{prefix}_... was revoked"
    await staff.disable_staff(session, "phil", "test")
    await session.commit()
    disabled = await client.post("/scans/verify", headers=spare, json={"text": "x"})
    assert disabled.status_code == 401
    assert disabled.json()["detail"].endswith("belongs to a disabled staff account")


async def test_partner_keys_and_staff_keys_do_not_cross(client, session, sessions):
    s = await stock(client, session, sessions)
    admin_staff = await key_of(session, "ada", "admin")
    partner = s.partners["pharmacy"][1]  # the operator's own partner key: still not staff
    for url in ("/investigations", "/recalls"):
        refused = await client.get(url, headers=partner)
        assert refused.status_code == 403
        assert "belongs to a trading partner" in refused.json()["detail"]
    # An admin's personal key acts for the operator, not as an operator key with scope admin.
    assert (await client.get("/investigations", headers=admin_staff)).status_code == 200
    partners = await client.get("/partners", headers=admin_staff)
    assert partners.status_code == 403 and "lacks scope 'admin'" in partners.json()["detail"]
