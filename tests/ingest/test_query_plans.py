"""PostgreSQL plans for the event query: the epc index answers MATCH_* patterns
(``LIKE 'prefix%'``), the references and record-time indexes the EQ_ filters and orders."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.events.query import EventFilter
from app.events.repository import matching, names
from app.models import EpcisEvent, EpcRole

PRODUCTS, UNITS = 1000, 20  # a pattern naming one product matches 0.1% of the rows


async def explain(session, query) -> str:
    """PostgreSQL's plan for ``query``, sent with bound parameters as the application sends it."""
    compiled = query.compile(dialect=session.bind.dialect,
                             compile_kwargs={"render_postcompile": True})
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


async def bulk_events(session, count: int) -> int:
    """``count`` events, an hour apart in record time, each with a purchase order of its own."""
    document = await session.scalar(text(
        "INSERT INTO raw_documents (content_hash, media_type, size, body, received_at) "
        "VALUES ('bulk', 'application/ld+json', 0, '', now()) RETURNING id"))
    await session.execute(text(
        "INSERT INTO epcis_events (event_hash, event_type, event_time, event_time_zone_offset, "
        "record_time, document_id, document_index, body) SELECT 'ni:' || n, 'ObjectEvent', "
        "now() - n * interval '1 hour', '+00:00', now() - n * interval '1 hour', :document, n, "
        "'{}' FROM generate_series(1, :count) AS n"), {"document": document, "count": count})
    await session.execute(text(
        "INSERT INTO event_references (event_id, field, type, value) SELECT id, 'bizTransaction', "
        "'urn:epcglobal:cbv:btt:po', 'urn:epcglobal:cbv:bt:0360001000003:PO-' || id "
        "FROM epcis_events WHERE document_id = :document"), {"document": document})
    await session.execute(text("ANALYZE epcis_events"))
    await session.execute(text("ANALYZE event_references"))
    return document


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_new_filters_and_orders_are_index_scans(session):
    await bulk_events(session, PRODUCTS * UNITS)
    one_order = EventFilter(references=(("bizTransaction", "urn:epcglobal:cbv:btt:po",
                                         ("urn:epcglobal:cbv:bt:0360001000003:PO-42",)),))
    plan = await explain(session, select(EpcisEvent).where(*matching(one_order))
                         .order_by(EpcisEvent.id).limit(31))
    assert "ix_event_references_value" in plan, plan
    last_hour = EventFilter(ge_record_time=datetime.now(UTC) - timedelta(minutes=90))
    plan = await explain(session, select(EpcisEvent).where(*matching(last_hour))
                         .order_by(EpcisEvent.id).limit(31))
    assert "ix_epcis_events_record_time" in plan, plan
    for key, index in ((EpcisEvent.event_time, "ix_epcis_events_event_time"),
                       (EpcisEvent.record_time, "ix_epcis_events_record_time")):
        plan = await explain(session, select(EpcisEvent).order_by(key.desc(), EpcisEvent.id.desc())
                             .limit(31))
        assert f"Index Scan Backward using {index}" in plan, plan
