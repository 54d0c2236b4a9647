"""Staff sign-in as an attacker tries it: wrong passwords and lockout, forged or missing CSRF
tokens, disabled accounts, changed passwords, sign-out; every attempt audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import AuditEntry, StaffUser
from app.models.base import utcnow
from app.staff import service
from tests.staff.helpers import PASSWORD, csrf_of, sign_in


async def alice(session) -> StaffUser:
    user = await service.add_staff(session, "Alice", "Alice Kim", ["picker", "qa"], PASSWORD, "test")
    await session.commit()
    return user


async def actions(session, username="alice") -> list[tuple[str, str | None]]:
    """The sign-in attempts ``audit_log`` holds for ``username`` (account changes are in the
    audit trail: tests/staff/test_account_audit.py)."""
    rows = await session.scalars(select(AuditEntry).where(AuditEntry.subject == username)
                                 .order_by(AuditEntry.id))
    return [(r.action, r.detail.get("reason")) for r in rows]


async def test_sign_in_sets_a_hardened_cookie_and_opens_the_scan_page(client, session):
    await alice(session)
    response = await sign_in(client, "alice", PASSWORD)
    assert (response.status_code, response.headers["location"]) == (303, "/scan")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "custody_session=" in cookie
    page = await client.get("/scan")
    assert page.status_code == 200 and "Alice Kim" in page.text
    assert await actions(session) == [("staff.sign_in", None)]
    stored = await session.scalar(select(StaffUser.password_hash).where(StaffUser.username == "alice"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_forged_or_missing_csrf_tokens_are_refused(client, session):
    await alice(session)
    await client.get("/signin")
    for token in ("forged", ""):
        response = await client.post("/signin", data={"username": "alice", "password": PASSWORD,
                                                      "csrf_token": token})
        assert response.status_code == 403 and "did not come from this site" in response.text
    assert await actions(session) == []  # not even attempted
    await sign_in(client, "alice", PASSWORD)
    scan = {"text": "(01)00312345600112(21)X", "csrf_token": "forged"}
    assert (await client.post("/scan", data=scan)).status_code == 403
    assert (await client.post("/signout", data={"csrf_token": "forged"})).status_code == 403
    assert (await client.get("/scan")).status_code == 200  # still signed in


async def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(client, session):
    await alice(session)
    for _ in range(5):
        wrong = await sign_in(client, "alice", "not the password")
        assert wrong.status_code == 401 and "wrong username or password" in wrong.text
    locked = await sign_in(client, "alice", PASSWORD)  # the right one, too late
    assert locked.status_code == 401 and "account locked after 5 failed sign-ins" in locked.text
    assert (await client.get("/scan")).status_code == 303
    assert await actions(session) == [
        *[("staff.sign_in_failed", "wrong password")] * 4,
        ("staff.lockout", None), ("staff.sign_in_failed", "wrong password"),
        ("staff.sign_in_failed", "locked")]
    later = utcnow() + timedelta(minutes=16)
    assert (await service.sign_in(session, "alice", PASSWORD, now=later)).user is not None


async def test_unknown_usernames_get_the_same_answer_and_are_audited(client, session):
    await alice(session)
    unknown = await sign_in(client, "mallory", PASSWORD)
    wrong = await sign_in(client, "alice", "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert "Sign-in failed: wrong username or password." in unknown.text
    assert "Sign-in failed: wrong username or password." in wrong.text
    assert await actions(session, "mallory") == [("staff.sign_in_failed", "unknown username")]


async def test_a_disabled_account_cannot_sign_in_and_its_session_ends(client, session):
    await alice(session)
    await sign_in(client, "alice", PASSWORD)
    await service.disable_staff(session, "alice", "test")
    await session.commit()
    assert (await client.get("/scan")).headers["location"] == "/signin"
    again = await sign_in(client, "alice", PASSWORD)
    assert again.status_code == 401 and "this account is disabled" in again.text


async def test_a_password_change_ends_sessions_and_sign_out_ends_this_one(client, session):
    await alice(session)
    await sign_in(client, "alice", PASSWORD)
    await service.set_password(session, "alice", "a brand new passphrase", "test")
    await session.commit()
    assert (await client.get("/scan")).status_code == 303
    await sign_in(client, "alice", "a brand new passphrase")
    token = csrf_of((await client.get("/scan")).text)
    out = await client.post("/signout", data={"csrf_token": token})
    assert (out.status_code, out.headers["location"]) == (303, "/signin")
    assert (await client.get("/scan")).headers["location"] == "/signin"


async def test_a_forged_cookie_is_no_session(client, session):
    await alice(session)
    client.cookies.set("custody_session", "eyJzdGFmZiI6IDF9.forged.sig")
    assert (await client.get("/scan")).headers["location"] == "/signin"


async def test_account_rules(session):
    await alice(session)
    for call, detail in (
        (service.add_staff(session, "alice", "Again", ["qa"], PASSWORD, "t"), "username 'alice' is taken"),
        (service.add_staff(session, "bob", "Bob", ["janitor"], PASSWORD, "t"),
         "roles: expected some of picker, receiver, pharmacist, qa, admin, got 'janitor'"),
        (service.add_staff(session, "bob", "Bob", ["qa"], "short", "t"),
         "password: expected 12 to 256 characters, got 5"),
    ):
        try:
            await call
            raise AssertionError("accepted")
        except Exception as exc:  # noqa: BLE001  (the CustodyError's text is the point)
            assert exc.detail == detail
