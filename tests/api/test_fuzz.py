"""Schemathesis against Custody's own OpenAPI schema: no request makes the server fail (5xx),
and every response has a documented status, content type and body shape (errors are
RFC 9457 problem+json).

Runs on PostgreSQL (production) with the demo chain ingested, so lookups find real partners,
events, units and ledger leaves, and with an admin + regulator key so every operation is
reachable. Generated requests include malformed paths, queries, headers and bodies.
"""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.db import create_engine, session_factory
from app.demo import OPERATOR, ingest_chain, issue_demo_key, seed
from app.main import create_app
from app.migrate import upgrade

OPERATIONS = [
    (path, method)
    for path, methods in create_app(Settings(log_level="WARNING")).openapi()["paths"].items()
    for method in methods
]


async def _seed(url: str) -> str:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await seed(session)
    await ingest_chain(sessions)
    async with sessions() as session, session.begin():
        key = await issue_demo_key(session)
    await engine.dispose()
    return key


@pytest.fixture(scope="module")
def demo_api(empty_database):
    """The app on a migrated PostgreSQL database holding the demo chain, and a key."""
    url = empty_database("postgresql")
    upgrade(url)
    key = asyncio.run(_seed(url))
    # An operator GLN, as a deployment has: without one, verification answers 503 by design.
    app = create_app(Settings(database_url=url, log_json=True, log_level="WARNING",
                              operator_gln=OPERATOR.gln))
    return schemathesis.openapi.from_asgi("/openapi.json", app), key


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_every_response_is_documented_and_none_is_5xx(demo_api, path, method):
    schema, key = demo_api
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {key}"},
            checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                    response_schema_conformance],
        )

    call()
