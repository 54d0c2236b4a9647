"""0010: event references backfilled from stored bodies; documents unique per partner."""

import asyncio
import json

import pytest
from sqlalchemy.exc import DBAPIError

from app.errors import DatabaseUnavailableError
from app.migrate import downgrade, upgrade
from tests.app.test_migrations import _sql
from tests.conftest import BACKENDS

WHEN = "2026-11-02 08:00:00+00:00"
SHIP = {"type": "ObjectEvent", "readPoint": {"id": "urn:epc:id:sgln:0312345.00000.0"},
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0360001000003:PO-1"},
                               {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0360001000003:PO-1"},
                               {"bizTransaction": "urn:example:untyped"}],
        "sourceList": [{"type": "owning_party", "source": "urn:epc:id:sgln:0312345.00000.0"}],
        "destinationList": [{"type": "urn:example:sdt:dock", "destination": "urn:example:dock:1"}]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_0010_backfills_references_and_keys_documents_by_partner(backend, empty_database):
    url = empty_database(backend)
    upgrade(url, "0006")
    asyncio.run(_sql(url, (
        "INSERT INTO trading_partners (id, legal_name, kind, authorized, country, created_at) "
        "VALUES (1, 'a', 'manufacturer', true, 'US', :when), "
        "(2, 'b', 'wholesaler', true, 'US', :when)", {"when": WHEN}), (
        "INSERT INTO raw_documents (id, content_hash, media_type, size, body, partner_id, "
        "received_at) VALUES (1, 'h', 'application/ld+json', 1, :body, 1, :when)",
        {"body": b"{}", "when": WHEN}), (
        "INSERT INTO epcis_events (id, event_hash, event_type, event_time, event_time_zone_offset, "
        "record_time, document_id, document_index, body) VALUES "
        "(:id, :hash, 'ObjectEvent', :when, '+00:00', :when, 1, :id, :body)",
        [{"id": 1, "hash": "ni:1", "when": WHEN,
          "body": json.dumps({"epcisBody": {"eventList": [SHIP]}})},
         {"id": 2, "hash": "ni:2", "when": WHEN,
          "body": json.dumps({"epcisBody": {"eventList": [{"type": "ObjectEvent"}]}})}])))
    upgrade(url)
    rows = "SELECT event_id, field, type, value FROM event_references ORDER BY field, type, value"
    assert asyncio.run(_sql(url, (rows, {}))) == [
        (1, "bizTransaction", "", "urn:example:untyped"),
        (1, "bizTransaction", "urn:epcglobal:cbv:btt:po", "urn:epcglobal:cbv:bt:0360001000003:PO-1"),
        (1, "destination", "urn:example:sdt:dock", "urn:example:dock:1"),
        (1, "readPoint", "", "urn:epc:id:sgln:0312345.00000.0"),
        (1, "source", "urn:epcglobal:cbv:sdt:owning_party", "urn:epc:id:sgln:0312345.00000.0"),
    ]
    same_bytes = ("INSERT INTO raw_documents (id, content_hash, media_type, size, body, partner_id, "
                  "received_at) VALUES (:id, 'h', 'application/ld+json', 1, :body, :partner, :when)")
    asyncio.run(_sql(url, (same_bytes, {"id": 2, "body": b"{}", "partner": 2, "when": WHEN})))
    with pytest.raises(DBAPIError):  # one partner's same bytes stay one document
        asyncio.run(_sql(url, (same_bytes, {"id": 3, "body": b"{}", "partner": 2, "when": WHEN})))
    with pytest.raises(DBAPIError, match="append-only"):  # SQLite rebuilt it: triggers are back
        asyncio.run(_sql(url, ("UPDATE raw_documents SET size = 2", {})))
    # Two partners hold these bytes: not one document per hash again. (app.migrate words
    # every database error as "cannot connect"; the cause follows it.)
    with pytest.raises(DatabaseUnavailableError, match="content_hash"):
        downgrade(url, "0006")
