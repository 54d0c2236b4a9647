"""API keys over HTTP: exact 401/403 problems, scopes, revocation, audit trail."""

from sqlalchemy import select

from app.auth import service
from app.models import ApiKey, AuditEntry, AuditRecord
from tests.partners.helpers import MFG_GLN, make_key, make_partner

PROBLEM = "application/problem+json"


async def test_missing_malformed_unknown_and_revoked_keys_are_401(client, session):
    missing = await client.get("/partners")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json() == {
        "type": "https://custody.dev/problems/unauthorized",
        "title": "Authentication required",
        "status": 401,
        "detail": "no API key; expected header Authorization: Bearer ck_<prefix>_<secret>",
        "instance": "/partners",
    }
    bad = await client.get("/partners", headers={"Authorization": "Basic abc"})
    assert bad.json()["detail"] == (
        "malformed API key; expected header Authorization: Bearer ck_<prefix>_<secret>"
    )
    forged = "ck_0badc0de_" + "x" * 43
    unknown = await client.get("/partners", headers={"Authorization": f"Bearer {forged}"})
    assert (unknown.status_code, unknown.json()["detail"]) == (401, "unknown API key ck_0badc0de_...")

    headers = await make_key(session, None, "admin")
    await session.commit()
    assert (await client.get("/partners", headers=headers)).status_code == 200
    prefix = headers["Authorization"].split("_")[1]
    await service.revoke(session, prefix, "test")
    await session.commit()
    revoked = await client.get("/partners", headers=headers)
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == f"API key ck_{prefix}_... was revoked"


async def test_right_prefix_wrong_secret_is_401(client, session):
    headers = await make_key(session, None, "admin")
    await session.commit()
    prefix = headers["Authorization"].split("_")[1]
    wrong = {"Authorization": f"Bearer ck_{prefix}_" + "y" * 43}
    response = await client.get("/partners", headers=wrong)
    assert (response.status_code, response.json()["detail"]) == (
        401,
        f"unknown API key ck_{prefix}_...",
    )


async def test_missing_scope_is_403(client, session):
    partner = await make_partner(session, "Atlas", MFG_GLN)
    headers = await make_key(session, partner.id, "query", "capture")
    await session.commit()
    prefix = headers["Authorization"].split("_")[1]
    response = await client.post("/partners", headers=headers, json={})
    assert response.status_code == 403
    assert response.json() == {
        "type": "https://custody.dev/problems/forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": f"API key ck_{prefix}_... lacks scope 'admin'; it has capture, query",
        "instance": "/partners",
        "required": "admin",
    }


async def test_keys_are_stored_hashed_and_audited(session):
    partner = await make_partner(session, "Atlas", MFG_GLN)
    key, plaintext = await service.issue(session, partner.id, ["capture", "capture"], "edi", "ops")
    assert key.scopes == ["capture"]
    row = await session.scalar(select(ApiKey).where(ApiKey.prefix == key.prefix))
    assert plaintext not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
    await service.revoke(session, key.prefix, "ops")
    await service.revoke(session, key.prefix, "ops")  # idempotent, audited once
    trail = (await session.scalars(select(AuditRecord).order_by(AuditRecord.id))).all()
    assert [(a.actor, a.action, a.object) for a in trail] == [
        ("ops", "api_key.issue", f"key:{key.prefix}"),
        ("ops", "api_key.revoke", f"key:{key.prefix}"),
    ]
    history = (await session.scalars(select(AuditEntry))).all()  # the partner's record history
    assert [(a.action, a.subject) for a in history] == [("partner.create", f"partner:{partner.id}")]


async def test_unknown_scope_is_refused(session):
    import pytest

    from app.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        await service.issue(session, None, ["capture", "root"], "x", "ops")
    assert err.value.detail == (
        "unknown scope 'root'; expected one of capture, query, verify, report, admin, regulator"
    )
