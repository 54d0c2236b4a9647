"""The audit trail over HTTP: every read with parties is in it, only admins and regulators read
it, the database refuses edits, and custody verify catches an edit made behind its back."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.demo import VIALS
from app.dialect import is_postgresql
from app.ledger.verify import verify
from tests.traces.helpers import world  # noqa: F401  (fixture)


async def test_a_chain_read_is_audited_with_who_and_from_where(client, world):  # noqa: F811
    read = await client.get(f"/units/{VIALS[0]}/chain", headers=world.keys["atlas"]
                            | {"X-Request-ID": "req-7"})
    assert read.status_code == 200
    theirs = await client.get(f"/units/{VIALS[0]}/chain", headers=world.keys["outsider"])
    assert theirs.status_code == 404  # nothing read, nothing to audit
    trail = await client.get("/audit", params={"action": "chain.read"},
                             headers=world.keys["admin"])
    [entry] = trail.json()["entries"]
    prefix = world.keys["atlas"]["Authorization"].split("_")[1]
    assert entry | {"id": 0, "at": 0, "leaf_index": 0, "entry_hash": ""} == {
        "id": 0, "at": 0, "actor": f"key:{prefix}", "partner_id": world.ids["atlas"],
        "action": "chain.read", "object": VIALS[0], "client": "127.0.0.1",
        "request_id": "req-7", "entry_hash": "", "leaf_index": 0}
    assert entry["entry_hash"].endswith("?type=audit")
    leaf = await client.get(f"/ledger/leaves/{entry['leaf_index']}", headers=world.keys["atlas"])
    assert leaf.json()["data"] is None  # the leaf is public, what it logs is not


async def test_only_admins_and_regulators_read_the_trail(client, world):  # noqa: F811
    await client.get(f"/units/{VIALS[0]}", headers=world.keys["atlas"])
    assert (await client.get("/audit")).status_code == 401
    for who in ("atlas", "partner-admin", "outsider"):
        refused = await client.get("/audit", headers=world.keys[who])
        assert refused.status_code == 403, who
        assert VIALS[0] not in refused.text
    for who in ("admin", "regulator"):
        listed = (await client.get("/audit", headers=world.keys[who])).json()["entries"]
        assert [e["action"] for e in listed] == ["unit.read", *["api_key.issue"] * 9]  # the world's keys


async def test_filters_and_signed_page_tokens(client, world):  # noqa: F811
    for vial in VIALS[:3]:
        await client.get(f"/units/{vial}/chain", headers=world.keys["regulator"])
    await client.get(f"/units/{VIALS[0]}", headers=world.keys["atlas"])
    admin = world.keys["admin"]
    first = await client.get("/audit", params={"action": "chain.read", "per_page": 2},
                             headers=admin)
    token = first.json()["next_page_token"]
    assert [e["object"] for e in first.json()["entries"]] == [VIALS[2], VIALS[1]]
    assert "page_token=" in first.headers["link"]
    rest = await client.get("/audit", params={"action": "chain.read", "per_page": 2,
                                              "page_token": token}, headers=admin)
    assert [e["object"] for e in rest.json()["entries"]] == [VIALS[0]]
    assert rest.json()["next_page_token"] is None
    for params, headers in (({"action": "unit.read", "page_token": token}, admin),
                            ({"action": "chain.read", "page_token": token}, world.keys["regulator"]),
                            ({"action": "chain.read", "page_token": token[:-2] + "AA"}, admin)):
        refused = await client.get("/audit", params=params, headers=headers)
        assert refused.status_code == 422 and refused.json()["field"] == "page_token"
    mine = await client.get("/audit", params={"object": VIALS[0], "since": "2000-01-01T00:00:00"},
                            headers=admin)
    assert {e["action"] for e in mine.json()["entries"]} == {"chain.read", "unit.read"}
    future = await client.get("/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=admin)
    assert future.json()["entries"] == []


async def test_the_database_refuses_to_edit_or_delete_an_entry(client, world, session):  # noqa: F811
    await client.get(f"/units/{VIALS[0]}/chain", headers=world.keys["atlas"])
    for statement in ("UPDATE audit_trail SET actor = 'someone else'", "DELETE FROM audit_trail"):
        with pytest.raises(DBAPIError, match="table audit_trail is append-only"):
            async with session.begin_nested():
                await session.execute(text(statement))


async def test_verify_catches_an_entry_edited_behind_the_triggers(client, world, session):  # noqa: F811
    await client.get(f"/units/{VIALS[0]}/chain", headers=world.keys["atlas"])
    await client.get(f"/units/{VIALS[1]}/chain", headers=world.keys["atlas"])
    report = await verify(session, world.verifier)
    assert report.ok and report.counts["audit_trail"] == 2 + 9  # the reads, the world's keys
    if is_postgresql(session):
        await session.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only"))
    else:
        await session.execute(text("DROP TRIGGER audit_trail_no_update"))
    await session.execute(text("UPDATE audit_trail SET object = 'urn:epc:id:sgtin:0312345.060011.X'"
                               " WHERE object = :vial"), {"vial": VIALS[1]})
    found = (await verify(session, world.verifier)).mismatch
    assert found is not None and found.table == "audit_trail"
    assert found.message == "stored audit entry does not hash to its entry_hash"
    assert "chain.read urn:epc:id:sgtin:0312345.060011.X" in found.row
