"""The VRS responder answers from ledger state with the R1.3 codes and keeps evidence."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.ingest.worker import run_once
from app.ledger import core
from app.ledger import service as ledger
from app.ledger.verify import verify as verify_ledger
from app.models import LedgerLeaf, TradingPartner, Unit, VrsEvidence
from app.vrs.service import evidence_hash
from tests.ingest.chain import commission, document, sgtin
from tests.partners.helpers import PHARMACY_GLN, chain_partners, make_key
from tests.vrs.helpers import (
    EXPIRY,
    FOREIGN_GTIN,
    GTIN,
    MFG_GLN,
    UUID,
    WHOLESALER_GLN,
    params,
    path,
    responder_world,
)
from tests.vrs.helpers import sgtin as package


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_json=True, operator_gln=MFG_GLN)


@pytest.fixture
async def keys(session):
    return await responder_world(session)


async def ask(client, keys, who="wholesaler", url=None, **changes):
    changes.setdefault("corrUUID", str(uuid.uuid4()))
    return await client.get(url or path(), params=params(**changes), headers=keys[who])


async def data(client, keys, **kwargs) -> dict:
    url = path(**{k: kwargs.pop(k) for k in ("gtin", "lot", "serial") if k in kwargs})
    response = await ask(client, keys, url=url, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_a_matching_package_is_verified_with_the_r13_answer(client, keys):
    response = await ask(client, keys, corrUUID=UUID, headers=None)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["gs1us-version"] == "1.3.0"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["verificationTimestamp", "responderGLN", "corrUUID", "data"]
    assert body["responderGLN"] == MFG_GLN and body["corrUUID"] == UUID
    assert body["data"] == {"verified": True}
    assert body["verificationTimestamp"].endswith("Z") and len(body["verificationTimestamp"]) == 24


@pytest.mark.parametrize(("change", "reason"), [
    ({"serial": "NOPE"}, "No_match_GTIN_Serial"),
    ({"lot": "L2"}, "No_match_GTIN_Serial_Lot"),
    ({"exp": "280330"}, "No_match_GTIN_Serial_Expiry"),
    ({"lot": "L2", "exp": "290331"}, "No_match_GTIN_Serial_Lot_Expiry"),
    ({"serial": "DS1"}, "Not_for_re-distribution"),
    ({"serial": "DC1"}, "Not_for_re-distribution"),
])
async def test_each_failure_reason(client, keys, change, reason):
    assert await data(client, keys, **change) == {
        "verified": False, "verificationFailureReason": reason}


@pytest.mark.parametrize(("serial", "exp", "info"), [
    ("RC1", "280331", "Recalled"), ("QU1", "280331", "Suspect"), ("OLD1", "200131", "Expired"),
])
async def test_state_flags_come_as_additional_info(client, keys, serial, exp, info):
    assert await data(client, keys, serial=serial, exp=exp) == {
        "verified": True, "additionalInfo": info}


async def test_a_mismatch_does_not_reveal_the_state_of_the_package(client, keys):
    assert await data(client, keys, serial="RC1", lot="L9") == {
        "verified": False, "verificationFailureReason": "No_match_GTIN_Serial_Lot"}


async def test_day_00_is_the_last_day_of_the_month(client, keys):
    assert await data(client, keys, exp="280300") == {"verified": True}


async def test_the_digital_link_form_gets_the_same_answer(client, keys):
    p = params(corrUUID=str(uuid.uuid4()))
    p["17"] = p.pop("exp")
    response = await client.get(f"/vrs/01/{GTIN}/10/L1/21/RC1", params=p,
                                headers=keys["wholesaler"])
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"verified": True, "additionalInfo": "Recalled"}


async def test_no_key_or_an_unknown_key_is_401(client, keys):
    assert (await client.get(path(), params=params())).status_code == 401
    bad = {"Authorization": "Bearer ck_00000000_" + "x" * 43}
    assert (await client.get(path(), params=params(), headers=bad)).status_code == 401


async def test_a_key_without_verify_scope_is_403(client, keys):
    response = await ask(client, keys, who="query_only")
    assert response.status_code == 403
    assert "lacks scope 'verify'" in response.json()["detail"]


async def test_a_partners_key_cannot_ask_as_another_gln(client, keys):
    response = await ask(client, keys, who="pharmacy")  # reqGLN is the wholesaler's
    assert response.status_code == 403
    assert response.json()["detail"].startswith(f"reqGLN {WHOLESALER_GLN} is not a GLN of the "
                                                "partner holding API key ck_")


async def test_an_unauthorized_partner_is_403(client, keys, session):
    pharmacy = await session.scalar(select(TradingPartner).where(
        TradingPartner.legal_name == "pharmacy"))
    pharmacy.authorized = False
    await session.commit()
    response = await ask(client, keys, who="pharmacy", reqGLN=PHARMACY_GLN)
    assert response.status_code == 403
    assert response.json()["detail"] == (f"requester {PHARMACY_GLN} is not an authorized trading "
                                         "partner: authorization withdrawn by the operator")


async def test_a_gtin_of_another_brand_owner_reveals_nothing(client, keys):
    """Atlas's GTIN: 404 whether or not a unit of it is stored here, the same words."""
    stored = await ask(client, keys, url=path(gtin=FOREIGN_GTIN, serial="OK1"))
    absent = await ask(client, keys, url=path(gtin=FOREIGN_GTIN, serial="NONE"))
    assert stored.status_code == absent.status_code == 404
    assert stored.json()["detail"] == absent.json()["detail"] == (
        f"gtin {FOREIGN_GTIN}: this responder does not answer for it (not a GTIN of the brand "
        "owners it serves)")


async def test_an_agent_answers_for_its_principal(client, keys, session, settings):
    """Atlas as operator answers for Northwind's GTINs only once it is Northwind's agent."""
    settings.operator_gln = WHOLESALER_GLN
    asked = {"reqGLN": PHARMACY_GLN}
    assert (await ask(client, keys, who="pharmacy", **asked)).status_code == 404
    from app.models import PartnerAgent
    ids = dict((await session.execute(select(TradingPartner.legal_name, TradingPartner.id))).all())
    session.add(PartnerAgent(agent_id=ids["wholesaler"], principal_id=ids["mfg"]))
    await session.commit()
    response = await ask(client, keys, who="pharmacy", **asked)
    assert response.status_code == 200, response.text
    assert response.json()["responderGLN"] == WHOLESALER_GLN


@pytest.mark.parametrize(("url", "change", "field", "detail"), [
    (path(gtin="00312345600113"), {}, "gtin",
     "gtin: GTIN '00312345600113': expected check digit 2 at position 14, got 3"),
    (path(gtin="312345600112"), {}, "gtin", "gtin: expected 14 digits (GTIN-14), got '312345600112'"),
    (path(lot="L" * 21), {}, "lot", f"lot: lot '{'L' * 21}': expected 1 to 20 characters, got 21"),
    (path(serial="A B"), {}, "serial",
     "serial: serial 'A B': character ' ' at position 2 is not in GS1 character set 82"),
    (path(), {"exp": "281301"}, "exp",
     "exp: '281301': AI (17) month at position 3: expected 01 to 12, got 13"),
    (path(), {"exp": "280230"}, "exp",
     "exp: '280230': AI (17) day at position 5: expected 00 to 29 for 2028-02, got 30"),
    (path(), {"exp": "2803"}, "exp",
     "exp: expected YYMMDD (6 digits, day 00 for the month's end), got '2803'"),
    (path(), {"reqGLN": "0360001000009"}, "reqGLN",
     "reqGLN: GLN '0360001000009': expected check digit 4 at position 13, got 9"),
    (path(), {"corrUUID": "not-a-uuid"}, "corrUUID",
     "corrUUID: expected a UUID (8-4-4-4-12 hex digits), got 'not-a-uuid'"),
    (path(), {"linkType": "pip"}, "linkType",
     "linkType: expected 'verificationService', got 'pip'"),
])
async def test_malformed_requests_are_400_naming_the_field(client, keys, url, change, field,
                                                           detail):
    response = await ask(client, keys, url=url, **change)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert response.json()["detail"] == detail


async def test_a_missing_field_is_400(client, keys):
    query = params()
    del query["context"]
    response = await client.get(path(), params=query, headers=keys["wholesaler"])
    assert response.status_code == 400
    assert response.json()["detail"] == "context: required, got nothing"


async def test_gs1us_version_is_honoured(client, keys):
    headers = {**keys["wholesaler"], "GS1US-Version": "1.2.0"}
    ok = await client.get(path(), params=params(corrUUID=str(uuid.uuid4())), headers=headers)
    assert ok.status_code == 200 and ok.headers["gs1us-version"] == "1.3.0"
    headers["GS1US-Version"] = "2.0"
    refused = await client.get(path(), params=params(), headers=headers)
    assert refused.status_code == 400 and refused.json()["field"] == "GS1US-Version"


async def test_a_replayed_corr_uuid_gets_the_first_answer_and_no_second_leaf(client, keys,
                                                                           session):
    first = await ask(client, keys, corrUUID=UUID)
    size = await ledger.current_size(session)
    again = await ask(client, keys, corrUUID=UUID)
    assert again.content == first.content
    assert await ledger.current_size(session) == size
    other = await ask(client, keys, corrUUID=UUID, url=path(serial="RC1"))
    assert other.status_code == 400
    assert other.json()["detail"] == (f"corrUUID {UUID}: already used by this requester for "
                                      "another request; expected a new UUID for each request")
    assert await session.scalar(select(func.count()).select_from(VrsEvidence)) == 1


async def test_another_requester_may_use_the_same_corr_uuid(client, keys):
    await ask(client, keys, corrUUID=UUID)
    response = await ask(client, keys, who="pharmacy", reqGLN=PHARMACY_GLN, corrUUID=UUID)
    assert response.status_code == 200, response.text


async def test_each_answer_is_evidence_in_the_log(client, session, sessions, settings):
    """Units commissioned through capture, so `custody verify` checks the whole ledger."""
    partners = await chain_partners(session)
    key = await make_key(session, partners["wholesaler"][0], "verify")
    await session.commit()
    posted = await client.post("/capture", content=document(commission([sgtin(1)])),
                               headers=partners["mfg"][1])
    assert posted.status_code == 202, posted.text
    assert (await run_once(sessions)).status == "succeeded"
    response = await client.get(path(serial="1"), params=params(), headers=key)
    assert response.json()["data"] == {"verified": True}
    evidence = await session.scalar(select(VrsEvidence))
    assert evidence.response == response.content
    assert json.loads(evidence.request)["serial"] == "1"
    leaf = await session.get(LedgerLeaf, evidence.leaf_index)
    assert leaf.event_hash == evidence.evidence_hash == evidence_hash(evidence.request,
                                                                      evidence.response)
    assert json.loads(leaf.data)["partner"] == WHOLESALER_GLN
    assert leaf.leaf_hash == core.leaf_hash(leaf.data)
    report = await verify_ledger(session, None)
    assert report.ok, report.mismatch
    assert report.counts["ledger_leaves"] == 6  # 4 keys issued, the commissioning, the answer


async def test_check_connectivity(client, keys):
    q = {"reqGLN": WHOLESALER_GLN, "gtin": GTIN}
    response = await client.get("/vrs/checkConnectivity", params=q, headers=keys["wholesaler"])
    assert response.status_code == 200
    assert response.json() == {"responderGLN": MFG_GLN}
    assert response.headers["cache-control"] == "private, no-cache"
    assert (await client.get("/vrs/checkConnectivity", params=q)).status_code == 401
    q["gtin"] = FOREIGN_GTIN
    other = await client.get("/vrs/checkConnectivity", params=q, headers=keys["wholesaler"])
    assert other.status_code == 404


async def test_without_an_operator_gln_the_responder_is_503(client, keys, settings):
    settings.operator_gln = None
    response = await ask(client, keys)
    assert response.status_code == 503
    assert response.json()["field"] == "CUSTODY_OPERATOR_GLN"


async def test_a_lot_and_serial_holding_a_slash_are_read_whole(client, keys, session):
    session.add(Unit(identifier=package(GTIN, "S%2F9"), kind="sgtin", gtin=GTIN, serial="S/9",
                     lot="L/1", expiry=EXPIRY, status="received"))
    await session.commit()
    assert await data(client, keys, lot="L%2F1", serial="S%2F9") == {"verified": True}


@pytest.mark.parametrize("group", [False, True], ids=["one-tx", "group-commit"])
async def test_answers_land_with_their_leaf_either_way(session, sessions, keys, group):
    """Both ways (CUSTODY_VRS_GROUP_COMMIT): every answer is stored and in the log when it
    returns (batches of concurrent callers: tests/ledger/test_batch.py; here the requests
    share the test's one connection, so they run one after another)."""
    from datetime import UTC, datetime

    from app.auth.service import authenticate
    from app.ledger.batch import GroupAppender
    from app.vrs.service import respond

    caller = await authenticate(session, keys["wholesaler"]["Authorization"])
    appender = GroupAppender(sessions) if group else None
    before = await ledger.current_size(session)  # the keys' audit entries

    async def one(n: int) -> bytes:
        async with sessions() as own, own.begin():
            return await respond(own, caller, MFG_GLN, {
                **params(corrUUID=str(uuid.UUID(int=n))), "gtin": GTIN, "lot": "L1",
                "serial": "OK1"}, None, datetime.now(UTC), appender)

    answers = [await one(n) for n in range(3)]
    assert appender is None or appender.batches == 3
    stored = (await session.execute(select(VrsEvidence.response, LedgerLeaf.event_hash)
                                    .join(LedgerLeaf, LedgerLeaf.leaf_index ==
                                          VrsEvidence.leaf_index)
                                    .order_by(LedgerLeaf.leaf_index))).all()
    assert sorted(r for r, _ in stored) == sorted(answers)
    assert all(json.loads(a)["data"] == {"verified": True} for a in answers)
    assert all(evidence_hash_ == h for (_, h), evidence_hash_ in zip(stored, (
        await session.scalars(select(VrsEvidence.evidence_hash)
                              .order_by(VrsEvidence.leaf_index))), strict=True))
    assert await ledger.current_size(session) == before + len(answers)
