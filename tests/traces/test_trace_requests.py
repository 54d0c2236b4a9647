"""Trace requests over HTTP: filed by regulators and partners, answered from the ledger as the
requester may see it, deadlines in business days, and nothing of another partner's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.demo import ATLAS, HARBOR, LYON, NORTHWIND, VIALS, ZENTERVA
from app.models import AuditRecord
from app.reports.offline import verify_bundle
from app.traces import calendar
from tests.traces.helpers import world  # noqa: F401  (fixture)

SERIAL = VIALS[0].rsplit(".", 1)[1]  # ZT00001: Northwind -> Atlas -> Harbor -> Lyon, dispensed


def request(**changes) -> dict:
    body = {"requester": "FDA ORA, Division of Drug Investigations", "contact": "ora@fda.test",
            "reason": "suspect-product", "incident_number": "3911-2026-0042",
            "gtin": ZENTERVA.gtin, "serial": SERIAL, "response": "transaction-information"}
    return {**body, **changes}


async def file_and_answer(client, world, who: str, **changes) -> dict:  # noqa: F811
    filed = await client.post("/trace-requests", json=request(**changes), headers=world.keys[who])
    assert filed.status_code == 201, filed.text
    assert filed.headers["location"] == f"/trace-requests/{filed.json()['id']}"
    answered = await client.post(f"/trace-requests/{filed.json()['id']}/answer",
                                 headers=world.keys["admin"])
    assert answered.status_code == 200, answered.text
    return answered.json()


async def test_a_regulator_files_and_gets_the_whole_chain_with_proofs(client, world):  # noqa: F811
    filed = await client.post("/trace-requests", json=request(fire_drill=True),
                              headers=world.keys["regulator"])
    body = filed.json()
    assert body["status"] == "open" and body["overdue"] is False and body["fire_drill"] is True
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["due_at"]) == calendar.due(received)
    answer = (await client.post(f"/trace-requests/{body['id']}/answer",
                                headers=world.keys["admin"])).json()
    assert answer["status"] == "answered"
    got = answer["answer"]
    assert got["result"] == "found" and got["checkpoint"].startswith(ORIGIN_LINE)
    [unit] = got["units"]
    assert unit["identifier"] == VIALS[0]
    assert [o["gln"] for o in unit["owners"]] == [NORTHWIND.gln, ATLAS.gln, HARBOR.gln, LYON.gln]
    assert unit["owners"][1]["name"] == ATLAS.legal_name
    bundle = unit["bundle"]
    assert bundle["report"]["subject"] == VIALS[0]
    assert bundle["report"]["made_for"]["reader"] == f"trace-request:{body['id']}"
    assert bundle["checkpoint"]["note"] == got["checkpoint"]
    [chain] = [c for c in bundle["chains"] if c["role"] == "subject"]
    assert [h["kind"] for h in chain["hops"]][::len(chain["hops"]) - 1] == ["commission", "dispense"]
    assert verify_bundle(bundle, world.verifier).subject == VIALS[0]  # checked offline
    again = await client.post(f"/trace-requests/{body['id']}/answer", headers=world.keys["admin"])
    assert again.status_code == 409 and again.json()["field"] == "id"
    read = await client.get(f"/trace-requests/{body['id']}", headers=world.keys["regulator"])
    assert read.json()["answer"] == got


ORIGIN_LINE = "custody.test/log\n"


async def test_owners_and_last_owner_by_lot_or_ndc(client, world):  # noqa: F811
    owners = await file_and_answer(client, world, "regulator", response="all-known-owners",
                                   serial=None, lot="ZT2611A", gtin=None, ndc=ZENTERVA.ndc)
    units = owners["answer"]["units"]
    assert len(units) == 6 and all("bundle" not in u for u in units)
    last = await file_and_answer(client, world, "regulator", response="last-known-owner")
    assert last["answer"]["units"] == [
        {"identifier": VIALS[0], "last_known_owner": {"gln": LYON.gln, "name": LYON.legal_name}}]


async def test_a_partner_that_never_handled_the_unit_gets_no_record_like_an_unknown_one(
    client, world  # noqa: F811
):
    theirs = await file_and_answer(client, world, "outsider")
    unknown = await file_and_answer(client, world, "outsider", serial="ZT99999")
    atlas = await file_and_answer(client, world, "atlas")
    assert atlas["answer"]["result"] == "found"
    for answer in (theirs, unknown):
        assert answer["answer"]["result"] == "no record" and answer["answer"]["units"] == []
    text = theirs["answer"] | {"product": None, "trace_request": None, "made_at": None}
    assert text == unknown["answer"] | {"product": None, "trace_request": None, "made_at": None}
    for leak in (ATLAS.gln, LYON.gln, "dispense", ATLAS.legal_name):
        assert leak not in str(theirs)


async def test_requesters_read_and_list_only_their_own(client, world):  # noqa: F811
    mine = await file_and_answer(client, world, "atlas")
    other = await client.get(f"/trace-requests/{mine['id']}", headers=world.keys["outsider"])
    none = await client.get("/trace-requests/999999", headers=world.keys["outsider"])
    assert other.status_code == none.status_code == 404
    assert other.json()["detail"].replace(str(mine["id"]), "N") == none.json()["detail"].replace(
        "999999", "N")
    assert (await client.get("/trace-requests", headers=world.keys["outsider"])).json() == []
    listed = (await client.get("/trace-requests", headers=world.keys["atlas"])).json()
    assert [r["id"] for r in listed] == [mine["id"]] and listed[0]["answer"] is None
    everyone = (await client.get("/trace-requests", headers=world.keys["regulator"])).json()
    assert mine["id"] in [r["id"] for r in everyone]


async def test_who_may_file_and_answer(client, world):  # noqa: F811
    assert (await client.post("/trace-requests", json=request())).status_code == 401
    refused = await client.post("/trace-requests", json=request(), headers=world.keys["capture-only"])
    assert refused.status_code == 403 and "'report' or 'regulator'" in refused.json()["detail"]
    filed = (await client.post("/trace-requests", json=request(), headers=world.keys["atlas"])).json()
    for who in ("atlas", "regulator", "partner-admin"):
        answer = await client.post(f"/trace-requests/{filed['id']}/answer", headers=world.keys[who])
        assert answer.status_code == 403, who
    assert (await client.get(f"/trace-requests/{filed['id']}", headers=world.keys["atlas"])
            ).json()["status"] == "open"


async def test_bad_requests_name_the_field_and_store_nothing(client, world, session):  # noqa: F811
    cases = {
        "gtin": request(gtin="00312345600113"),
        "reason": request(reason="curiosity"),
        "serial": request(serial=None),
        "requester": request(requester=""),
        "incident_number": request(incident_number="x" * 41),
        "ndc": request(gtin=None, ndc="123"),
    }
    for field, body in cases.items():
        response = await client.post("/trace-requests", json=body, headers=world.keys["atlas"])
        assert response.status_code == 422, (field, response.text)
        assert field in response.text, (field, response.text)
    assert (await client.get("/trace-requests", headers=world.keys["regulator"])).json() == []
    assert (await client.get("/trace-requests/0", headers=world.keys["regulator"])).status_code == 422


async def test_overdue_requests_come_first(client, world, session):  # noqa: F811
    from app.audit.service import Origin
    from app.auth.service import Caller
    from app.models import TraceReason, TraceResponse
    from app.traces import service
    from app.traces.service import TraceSpec

    spec = TraceSpec("State board", "board@state.test", TraceReason.COMPLIANCE_AUDIT,
                     TraceResponse.LAST_KNOWN_OWNER, gtin=ZENTERVA.gtin, lot="ZT2611A")
    regulator = Caller(None, frozenset({"regulator"}), "test")
    fresh = await service.file(session, regulator, spec, Origin())
    old = await service.file(session, regulator, spec, Origin(),
                             now=datetime.now(UTC) - timedelta(days=10))
    await session.commit()
    listed = (await client.get("/trace-requests", headers=world.keys["regulator"])).json()
    assert [(r["id"], r["overdue"]) for r in listed] == [(old.id, True), (fresh.id, False)]
    actions = (await session.scalars(select(AuditRecord.action))).all()
    assert actions.count("trace.file") == 2
