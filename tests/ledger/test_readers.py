"""`verify` recomputes who may read each event: a reader an insider adds is named."""

from sqlalchemy import select, text

from app.ingest.service import prepare
from app.ledger.verify import verify
from app.models import EpcisEvent, EventParty
from tests.ingest.chain import (
    MFG,
    PHARMACY,
    WHOLESALER,
    commission,
    document,
    observe,
    receive,
    sgtin,
    ship,
)
from tests.ingest.test_rules import capture
from tests.partners.helpers import MFG_GLN, PHARMACY_GLN, WHOLESALER_GLN, chain_partners


async def _chain(client, session, sessions):
    """Manufacturer -> wholesaler -> pharmacy; returns the partners and the events by bizStep."""
    p = await chain_partners(session)
    for who, body in (("mfg", document(commission([sgtin(1)]), ship([sgtin(1)], MFG, WHOLESALER))),
                      ("wholesaler", document(receive([sgtin(1)], WHOLESALER),
                                              ship([sgtin(1)], WHOLESALER, PHARMACY, minutes=4))),
                      ("pharmacy", document(receive([sgtin(1)], PHARMACY, minutes=5)))):
        job = await capture(client, sessions, p[who][1], body)
        assert job["status"] == "succeeded", job["errors"]
    rows = (await session.execute(select(EpcisEvent.id, EpcisEvent.event_hash, EpcisEvent.partner_id)
                                  .order_by(EpcisEvent.id))).all()
    return p, rows


async def test_readers_are_what_the_log_proves(client, session, sessions):
    p, rows = await _chain(client, session, sessions)
    mfg, wh, ph = (p[x][0] for x in ("mfg", "wholesaler", "pharmacy"))
    stored = {}
    for event_id, partner_id in await session.execute(select(EventParty.event_id, EventParty.partner_id)):
        stored.setdefault(event_id, set()).add(partner_id)
    # commission; ship to the wholesaler; its receipt (from the manufacturer); ship on; receipt.
    assert [stored[i] for i, *_ in rows] == [{mfg}, {mfg, wh}, {wh, mfg}, {wh, ph}, {ph, wh}]
    report = await verify(session, None)
    assert report.ok, report.mismatch
    assert report.counts["event_parties"] == 9


async def test_a_reader_an_insider_adds_or_removes_is_named(client, session, sessions):
    p, rows = await _chain(client, session, sessions)
    commissioning, shipment = rows[0][:2], rows[1][:2]
    for sql, (event_id, event_hash), expected, found in (
        # The pharmacy may now read the manufacturer's commissioning (GET /events shows it).
        ("INSERT INTO event_parties (event_id, partner_id) VALUES (:e, :p)", commissioning,
         MFG_GLN, f"{MFG_GLN}, {PHARMACY_GLN}"),
        # The wholesaler no longer sees the shipment addressed to it.
        ("DELETE FROM event_parties WHERE event_id = :e AND partner_id = :w", shipment,
         f"{MFG_GLN}, {WHOLESALER_GLN}", MFG_GLN),
    ):
        async with session.begin_nested() as edit:
            await session.execute(text(sql), {"e": event_id, "p": p["pharmacy"][0],
                                              "w": p["wholesaler"][0]})
            report = await verify(session, None)
            await edit.rollback()
        m = report.mismatch
        assert m is not None, sql
        assert (m.table, m.row, m.expected, m.found, m.message) == (
            "event_parties", f"{event_id} ({event_hash})", expected, found,
            "stored readers differ from what the log proves")
    assert (await verify(session, None)).ok


async def test_an_event_no_leaf_records_is_named(client, session, sessions):
    """An insider inserts a well-formed event (its hash is right) for a partner to read."""
    p, rows = await _chain(client, session, sessions)
    forged = prepare(document(observe([sgtin(1)], "inspecting")))
    document_id = await session.scalar(select(EpcisEvent.document_id).where(EpcisEvent.id == rows[0][0]))
    async with session.begin_nested() as edit:
        await session.execute(text(
            "INSERT INTO epcis_events (event_hash, event_type, event_time, event_time_zone_offset, "
            "record_time, document_id, document_index, partner_id, body) VALUES "
            "(:h, 'ObjectEvent', :t, '+00:00', :t, :d, 99, :p, :b)"),
            {"h": forged.hashes[0], "t": forged.events[0].event_time, "d": document_id,
             "p": p["pharmacy"][0], "b": forged.bodies[0]})
        forged_id = await session.scalar(select(EpcisEvent.id).where(EpcisEvent.event_hash == forged.hashes[0]))
        await session.execute(text("INSERT INTO event_parties (event_id, partner_id) VALUES (:e, :p)"),
                              {"e": forged_id, "p": p["pharmacy"][0]})
        report = await verify(session, None)
        await edit.rollback()
    m = report.mismatch
    assert (m.table, m.row, m.expected, m.found, m.message) == (
        "epcis_events", f"{forged_id} ({forged.hashes[0]})", "a leaf recording the event", "none",
        "event is not in the log")
