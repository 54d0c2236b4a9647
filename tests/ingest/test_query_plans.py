"""PostgreSQL plans for MATCH_* patterns: the epc index answers ``LIKE 'prefix%'``."""

import pytest
from sqlalchemy import select, text

from app.events.repository import names
from app.models import EpcisEvent, EpcRole

PRODUCTS, UNITS = 1000, 20  # a pattern naming one product matches 0.1% of the rows


async def explain(session, query) -> str:
    """PostgreSQL's plan for ``query``, sent with bound parameters as the application sends it."""
    compiled = query.compile(dialect=session.bind.dialect)
    connection = await session.connection()
    rows = await connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
    return "\n".join(line for (line,) in rows)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: see 0006
async def test_a_match_epc_pattern_is_an_index_range_on_event_epcs(session):
    document = await session.scalar(text(
        "INSERT INTO raw_documents (content_hash, media_type, size, body, received_at) "
        "VALUES ('bulk', 'application/ld+json', 0, '', now()) RETURNING id"))
    await session.execute(text(
        "INSERT INTO epcis_events (event_hash, event_type, event_time, event_time_zone_offset, "
        "record_time, document_id, document_index, body) SELECT 'ni:' || n, 'ObjectEvent', "
        "now(), '+00:00', now(), :document, n, '{}' FROM generate_series(1, :count) AS n"),
        {"document": document, "count": PRODUCTS * UNITS})
    await session.execute(text(
        "INSERT INTO event_epcs (event_id, epc, role) SELECT id, format("
        "'urn:epc:id:sgtin:0312345.%s.%s', lpad((id % :products)::text, 6, '0'), id), 'epc' "
        "FROM epcis_events WHERE document_id = :document"),
        {"document": document, "products": PRODUCTS})
    await session.execute(text("ANALYZE event_epcs"))  # sees this transaction's rows

    pattern = "urn:epc:idpat:sgtin:0312345.000042.*"  # GET /events?MATCH_epc=...
    query = (select(EpcisEvent).where(EpcisEvent.id > 0, names((pattern,), EpcRole.EPC))
             .order_by(EpcisEvent.id).limit(100))
    plan = await explain(session, query)
    assert "Scan using ix_event_epcs_epc on event_epcs" in plan, plan
    assert "(epc)::text ~>=~ 'urn:epc:id:sgtin:0312345.000042.'" in plan, plan
