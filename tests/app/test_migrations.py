"""Migrations upgrade, downgrade and upgrade again on every backend, with no drift."""

import asyncio
import json

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app.db import create_engine
from app.migrate import alembic_config, downgrade, upgrade
from app.models import Base
from tests.conftest import BACKENDS


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


@pytest.mark.parametrize("backend", BACKENDS)
def test_up_down_up_without_drift(backend, empty_database):
    url = empty_database(backend)
    upgrade(url)
    assert set(Base.metadata.tables) <= asyncio.run(table_names(url))
    command.check(alembic_config(url))  # raises when models and migrations disagree
    downgrade(url, "base")
    assert asyncio.run(table_names(url)) == {"alembic_version"}
    upgrade(url)
    assert set(Base.metadata.tables) <= asyncio.run(table_names(url))


EVENTS = {  # event body -> identifiers ingest indexed for it
    1: ({"type": "AggregationEvent", "parentID": "https://id.gs1.org/00/103123452345678907",
         "childEPCs": ["urn:epc:id:sgtin:0312345.060011.1"]},
        ["https://id.gs1.org/00/103123452345678907", "urn:epc:id:sscc:0312345.1234567890",
         "urn:epc:id:sgtin:0312345.060011.1"]),
    2: ({"type": "TransformationEvent", "inputEPCList": ["urn:epc:id:sgtin:0312345.060011.a",
                                                        "urn:epc:id:sgtin:0312345.060011.b"],
         "outputEPCList": ["urn:epc:id:sgtin:0312345.060011.a", "urn:epc:id:sgtin:0312345.060011.c"]},
        ["urn:epc:id:sgtin:0312345.060011.a", "urn:epc:id:sgtin:0312345.060011.b",
         "urn:epc:id:sgtin:0312345.060011.c"]),
    3: ({"type": "ObjectEvent", "epcList": ["urn:epc:id:sgtin:0312345.060011.x"]},
        ["urn:epc:id:sgtin:0312345.060011.x"]),
    4: ({"type": "TransactionEvent", "parentID": "urn:epc:id:sscc:0312345.0000000001",
         "epcList": ["https://id.gs1.org/01/00312345600112/21/7", "urn:epc:id:sgtin:0312345.060011.7"]},
        ["urn:epc:id:sscc:0312345.0000000001", "https://id.gs1.org/01/00312345600112/21/7",
         "urn:epc:id:sgtin:0312345.060011.7"]),
}


async def _sql(url: str, *statements: tuple[str, dict | list]) -> list:
    engine = create_engine(url)
    async with engine.begin() as conn:
        rows = [list(await conn.execute(text(sql), params)) if sql.startswith("SELECT")
                else await conn.execute(text(sql), params) for sql, params in statements]
    await engine.dispose()
    return rows[-1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_0005_backfills_roles_from_event_bodies(backend, empty_database):
    url = empty_database(backend)
    upgrade(url, "0004")
    when = "2026-11-02 08:00:00+00:00"
    asyncio.run(_sql(url, (
        "INSERT INTO raw_documents (id, content_hash, media_type, size, body, received_at) "
        "VALUES (1, 'h', 'application/ld+json', 1, :body, :when)", {"body": b"{}", "when": when}), (
        "INSERT INTO epcis_events (id, event_hash, event_type, event_time, event_time_zone_offset, "
        "record_time, document_id, document_index, body) VALUES "
        "(:id, :hash, :type, :when, '+00:00', :when, 1, :id, :body)",
        [{"id": i, "hash": f"ni:{i}", "type": event["type"], "when": when,
          "body": json.dumps({"epcisBody": {"eventList": [event]}})}
         for i, (event, _) in EVENTS.items()]), (
        "INSERT INTO event_epcs (event_id, epc) VALUES (:id, :epc)",
        [{"id": i, "epc": epc} for i, (_, epcs) in EVENTS.items() for epc in epcs])))
    upgrade(url)
    rows = "SELECT event_id, epc, role FROM event_epcs ORDER BY event_id, epc, role"
    assert asyncio.run(_sql(url, (rows, {}))) == [
        (1, "https://id.gs1.org/00/103123452345678907", "parent"),
        (1, "urn:epc:id:sgtin:0312345.060011.1", "epc"),
        (1, "urn:epc:id:sscc:0312345.1234567890", "parent"),
        (2, "urn:epc:id:sgtin:0312345.060011.a", "input"),
        (2, "urn:epc:id:sgtin:0312345.060011.a", "output"),
        (2, "urn:epc:id:sgtin:0312345.060011.b", "input"),
        (2, "urn:epc:id:sgtin:0312345.060011.c", "output"),
        (3, "urn:epc:id:sgtin:0312345.060011.x", "epc"),
        (4, "https://id.gs1.org/01/00312345600112/21/7", "epc"),
        (4, "urn:epc:id:sgtin:0312345.060011.7", "epc"),
        (4, "urn:epc:id:sscc:0312345.0000000001", "parent"),
    ]
    downgrade(url, "0004")
    pairs = "SELECT event_id, epc FROM event_epcs ORDER BY event_id, epc"
    assert asyncio.run(_sql(url, (pairs, {}))) == sorted(
        (i, epc) for i, (_, epcs) in EVENTS.items() for epc in epcs)


EPC_INDEXES = ("SELECT indexname, indexdef FROM pg_indexes "
               "WHERE tablename = 'event_epcs' AND indexname LIKE 'ix_event_epcs_epc%'")


def test_0006_builds_beside_the_old_index_and_recovers_an_interrupted_build(empty_database):
    """PostgreSQL only (0006 changes nothing on SQLite); built CONCURRENTLY, swapped by name."""
    url = empty_database("postgresql")
    upgrade(url, "0005")
    # What a build interrupted after CREATE INDEX CONCURRENTLY started leaves behind.
    asyncio.run(_sql(url, ("CREATE INDEX ix_event_epcs_epc_new ON event_epcs (role)", {})))
    upgrade(url, "0006")
    [(name, definition)] = asyncio.run(_sql(url, (EPC_INDEXES, {})))
    assert name == "ix_event_epcs_epc"
    assert definition.endswith("USING btree (epc varchar_pattern_ops)"), definition
    downgrade(url, "0005")
    [(name, definition)] = asyncio.run(_sql(url, (EPC_INDEXES, {})))
    assert (name, definition.endswith("USING btree (epc)")) == ("ix_event_epcs_epc", True)
