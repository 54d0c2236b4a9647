"""Bad input to the cases API: a clear 4xx naming the field, never a 500, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Case
from tests.cases.test_delivery import admin_headers


@pytest.mark.parametrize("body, status, field", [
    ({}, 422, "body.country"),
    ({"country": "FR", "prescriber_name": "x", "prescriber_licence": "y",
      "prescriber_country": "FR", "drug": "12345-6001-1", "quantity": 2,
      "receiver_gln": "0370002000002x"}, 422, "body.receiver_gln"),
    ({"country": "FR", "prescriber_name": "x", "prescriber_licence": "y",
      "prescriber_country": "FR", "drug": "12345-6001-1", "quantity": 2,
      "receiver_gln": "3760003000009"}, 422, "receiver_gln"),
    ({"country": "FR", "prescriber_name": "x\x00", "prescriber_licence": "y",
      "prescriber_country": "FR", "drug": "12345-6001-1", "quantity": 2,
      "receiver_address": "a"}, 422, "body.prescriber_name"),
    ({"country": "FR", "prescriber_name": "x", "prescriber_licence": "L" * 101,  # its column
      "prescriber_country": "FR", "drug": "12345-6001-1", "quantity": 2,  # holds 100: never a
      "receiver_address": "a"}, 422, "body.prescriber_licence"),  # 500 from PostgreSQL
])
async def test_bad_cases_are_refused_naming_the_field(client, session, partners, body, status,
                                                       field):
    headers = await admin_headers(session)
    answer = await client.post("/cases", headers=headers, json=body)
    assert answer.status_code == status, answer.text
    problem = answer.json()
    named = problem.get("field") or problem["errors"][0]["field"]
    assert named == field, problem
    assert await session.scalar(select(func.count()).select_from(Case)) == 0


async def test_unknown_cases_and_links_answer_404_or_410(client, session, partners):
    headers = await admin_headers(session)
    missing = await client.get("/cases/CASE-0000-0000-0000", headers=headers)
    assert missing.status_code == 404 and missing.json()["field"] == "case_ref"
    assert (await client.get("/cases/bad%20ref", headers=headers)).status_code == 422
    assert (await client.post("/confirm/not-a-token-at-all", json={})).status_code == 422
    gone = await client.get("/confirm/eyJsIjoxLCJzIjoieCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert gone.status_code == 410 and "not valid" in gone.text
    assert (await client.get("/cases")).status_code == 401  # no key, no session
