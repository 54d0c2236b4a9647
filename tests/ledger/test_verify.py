"""`verify` recomputes everything; tampering with any ledger row is reported at that row."""

import pytest
from sqlalchemy import select, text

from app.dialect import backend, is_postgresql
from app.ledger import core, service
from app.ledger import repository as repo
from app.ledger.core import HopSpec
from app.ledger.verify import verify
from app.models import CustodyHop, LedgerLeaf
from tests.ledger.helpers import MFG, T0, WHOLESALER, commission, entry, sgtin, ship

ORIGIN = "custody.test/log"


@pytest.fixture
async def ledger(session):
    """Nine leaves with hop chains and two checkpoints; returns the verifier key."""
    signer, verifier = core.generate_signer(ORIGIN)
    await service.append(session, [commission(i, sgtin(i)) for i in range(5)])
    await service.sign_checkpoint(session, signer, ORIGIN)
    await service.append(session, [ship(5 + i, sgtin(i), MFG, WHOLESALER) for i in range(4)])
    await service.sign_checkpoint(session, signer, ORIGIN)
    await session.flush()
    return verifier


async def test_clean_ledger_verifies(session, ledger):
    report = await verify(session, ledger)
    assert report.ok, report.mismatch
    assert report.counts == {
        "epcis_events": 0,
        "custody_hops": 9,
        "ledger_leaves": 9,
        "ledger_nodes": 7,
        "ledger_checkpoints": 2,
        "units": 0,
        "event_parties": 0,
        "audit_trail": 0,
    }
    assert report.tree_size == 9
    assert report.root_hash == (await service.root_at(session, 9)).hex()


async def test_wrong_key_is_reported(session, ledger):
    _, other = core.generate_signer(ORIGIN)
    report = await verify(session, other)
    first = await session.scalar(text("SELECT min(id) FROM ledger_checkpoints"))
    assert (report.mismatch.table, report.mismatch.row) == ("ledger_checkpoints", str(first))
    assert report.mismatch.message == "signature does not verify"


async def unlock(connection, dialect: str, table: str) -> None:
    """Disable the append-only triggers of ``table`` as the database owner (rolled back later)."""
    if dialect == "postgresql":
        await connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    else:
        await connection.execute(text(f"DROP TRIGGER {table}_no_update"))
        await connection.execute(text(f"DROP TRIGGER {table}_no_delete"))


FLIP_ONE_BYTE = {
    "postgresql": "set_byte({col}, 5, get_byte({col}, 5) # 1)",
    "sqlite": "CAST(substr({col}, 1, 5) || (CASE WHEN substr({col}, 6, 1) = X'00' THEN X'01' ELSE X'00' END) || substr({col}, 7) AS BLOB)",
}


@pytest.mark.parametrize(
    ("table", "column", "where", "row", "message"),
    [
        ("ledger_leaves", "data", "leaf_index = 3", "3", "leaf_hash does not match the leaf data"),
        (
            "ledger_leaves",
            "leaf_hash",
            "leaf_index = 6",
            "6",
            "leaf_hash does not match the leaf data",
        ),
        (
            "ledger_nodes",
            "hash",
            "level = 2 AND idx = 1",
            "(2, 1)",
            "subtree hash does not match the leaves below it",
        ),
        (
            "custody_hops",
            "hop_hash",
            "unit = 'urn:epc:id:sgtin:0312345.060011.2' AND seq = 0",
            "{id} (unit urn:epc:id:sgtin:0312345.060011.2, seq 0)",
            "hop_hash does not match the hop",
        ),
        (
            "custody_hops",
            "prev_hop_hash",
            "unit = 'urn:epc:id:sgtin:0312345.060011.1' AND seq = 1",
            "{id} (unit urn:epc:id:sgtin:0312345.060011.1, seq 1)",
            "prev_hop_hash does not link to the previous hop",
        ),
        (
            "ledger_checkpoints",
            "root_hash",
            "tree_size = 9",
            "{id}",
            "columns differ from the signed note",
        ),
    ],
)
async def test_tampered_byte_is_named(
    session, connection, ledger, table, column, where, row, message
):
    dialect = backend(connection)
    await unlock(connection, dialect, table)
    flip = FLIP_ONE_BYTE[dialect].format(col=column)
    changed = await connection.execute(text(f"UPDATE {table} SET {column} = {flip} WHERE {where}"))
    assert changed.rowcount == 1
    if "{id}" in row:
        row = row.format(id=await session.scalar(text(f"SELECT id FROM {table} WHERE {where}")))
    report = await verify(session, ledger)
    assert report.mismatch is not None
    assert (report.mismatch.table, report.mismatch.row, report.mismatch.message) == (
        table,
        row,
        message,
    )
    assert report.mismatch.expected != report.mismatch.found


@pytest.mark.parametrize(
    ("table", "change", "found", "row", "message"),
    [
        (
            "ledger_nodes",
            "DELETE FROM ledger_nodes WHERE level = 3",
            "ledger_nodes",
            "(3, 0)",
            "a complete subtree has no stored hash",
        ),
        (
            "ledger_nodes",
            "DELETE FROM ledger_nodes WHERE level = 1 AND idx = 3",
            "ledger_nodes",
            "(2, 0)",
            "stored nodes do not match the tree's complete subtrees",
        ),
        (
            "ledger_nodes",
            "UPDATE ledger_nodes SET idx = 7 WHERE level = 1 AND idx = 3",
            "ledger_nodes",
            "(1, 7)",
            "stored nodes do not match the tree's complete subtrees",
        ),
        (
            "ledger_leaves",
            "DELETE FROM ledger_leaves WHERE leaf_index = 4",
            "ledger_leaves",
            "5",
            "gap in the log",
        ),
        (
            "custody_hops",
            "UPDATE custody_hops SET leaf_index = 7 WHERE leaf_index = 2",
            "ledger_leaves",
            "2",
            "leaf data lists other hops than the hops recorded with it",
        ),
        (
            "custody_hops",
            "DELETE FROM custody_hops WHERE unit = 'urn:epc:id:sgtin:0312345.060011.1' AND seq = 0",
            "custody_hops",
            "{id} (unit urn:epc:id:sgtin:0312345.060011.1, seq 1)",
            "gap in the chain",
        ),
    ],
)
async def test_missing_or_moved_row_is_named(
    session, connection, ledger, table, change, found, row, message
):
    await unlock(connection, backend(connection), table)
    await connection.execute(text(change))
    if "{id}" in row:
        hop = "unit = 'urn:epc:id:sgtin:0312345.060011.1' AND seq = 1"
        row = row.format(id=await session.scalar(text(f"SELECT id FROM custody_hops WHERE {hop}")))
    report = await verify(session, ledger)
    assert (report.mismatch.table, report.mismatch.row, report.mismatch.message) == (
        found,
        row,
        message,
    )


async def test_hop_of_a_leaf_that_does_not_exist_is_named(session, ledger):
    unit = "urn:epc:id:sgtin:0312345.060011.99"
    hop = core.Hop(
        unit, 0, "ni:///sha-256;99?ver=CBV2.0", "commission", None, MFG, None, T0, core.GENESIS
    )
    fields = {name: getattr(hop, name) for name in ("unit", "seq", "event_hash", "kind", "time")}
    session.add(
        CustodyHop(
            **fields,
            from_party=None,
            to_party=MFG,
            location=None,
            prev_hop_hash=core.GENESIS,
            hop_hash=core.hop_hash(hop),
            leaf_index=99,
        )
    )
    await session.flush()
    report = await verify(session, ledger)
    assert (report.mismatch.table, report.mismatch.row, report.mismatch.message) == (
        "custody_hops",
        "leaf_index 99",
        "hops point at a leaf that does not exist",
    )


async def test_leaf_with_several_hops_verifies(session, ledger):
    hops = [HopSpec(sgtin(20 + i), "commission", None, MFG, None, T0) for i in range(3)]
    await service.append(session, [entry(20, hops)])
    report = await verify(session, ledger)
    assert report.ok, report.mismatch
    assert (report.counts["custody_hops"], report.counts["ledger_leaves"]) == (12, 10)


async def test_postgresql_hands_over_the_stored_levels_whole(session, ledger):
    """The fast node check: one row per level, hashes in idx order, equal to the leaves' tree."""
    if not is_postgresql(session):
        assert await repo.node_levels(session) is None
        return
    await service.append(session, [commission(30 + i, sgtin(30 + i)) for i in range(40)])
    leaves = await session.scalars(select(LedgerLeaf.leaf_hash).order_by(LedgerLeaf.leaf_index))
    levels = core.subtree_levels(b"".join(leaves))
    assert await repo.node_levels(session) == [
        (level, len(hashes) // 32, 0, len(hashes) // 32 - 1, hashes)
        for level, hashes in enumerate(levels[1:], start=1)
    ]


async def test_tampered_hop_text_is_named(session, connection, ledger):
    await unlock(connection, backend(connection), "custody_hops")
    await connection.execute(
        text(
            "UPDATE custody_hops SET to_party = 'urn:epc:id:pgln:0999999.00000' "
            "WHERE unit = 'urn:epc:id:sgtin:0312345.060011.0' AND seq = 1"
        )
    )
    report = await verify(session, ledger)
    assert (report.mismatch.table, report.mismatch.message) == (
        "custody_hops",
        "hop_hash does not match the hop",
    )
    hop_id = await session.scalar(
        text(
            "SELECT id FROM custody_hops WHERE unit = 'urn:epc:id:sgtin:0312345.060011.0' AND seq = 1"
        )
    )
    assert report.mismatch.row == f"{hop_id} (unit urn:epc:id:sgtin:0312345.060011.0, seq 1)"


async def test_rewritten_checkpoint_note_is_named(session, connection, ledger):
    await unlock(connection, backend(connection), "ledger_checkpoints")
    await connection.execute(
        text(
            "UPDATE ledger_checkpoints SET note = replace(note, '/log\n9\n', '/log\n8\n') WHERE tree_size = 9"
        )
    )
    report = await verify(session, ledger)
    second = await session.scalar(text("SELECT max(id) FROM ledger_checkpoints"))
    assert (report.mismatch.table, report.mismatch.row, report.mismatch.message) == (
        "ledger_checkpoints",
        str(second),
        "signature does not verify",
    )


async def test_tree_state_is_checked(session, connection, ledger):
    await connection.execute(text("UPDATE ledger_state SET size = 8"))
    report = await verify(session, ledger)
    assert (report.mismatch.table, report.mismatch.expected, report.mismatch.found) == (
        "ledger_state",
        "size 9",
        "size 8",
    )


async def add_event(session) -> str:
    """Store one EPCIS event the way capture does: its own 2.0 JSON-LD document, logged,
    readable by its submitter."""
    from datetime import UTC, datetime

    from app.models import EpcisEvent, EventParty, PartnerKind, RawDocument, TradingPartner
    from epcis.hashing import event_hash
    from epcis.model import Action, Document, Event, EventType
    from epcis.write import write_document

    event = Event(
        type=EventType.OBJECT,
        event_time=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        event_time_zone_offset="+00:00",
        epc_list=(sgtin(1),),
        action=Action.OBSERVE,
        biz_step="urn:epcglobal:cbv:bizstep:shipping",
    )
    doc = Document(schema_version="2.0", creation_date=event.event_time, events=(event,))
    body = write_document(doc, "2.0-jsonld").decode()
    raw = RawDocument(
        content_hash="0" * 64, media_type="application/ld+json", size=len(body), body=body.encode()
    )
    partner = TradingPartner(legal_name="Submitter", kind=PartnerKind.MANUFACTURER)
    session.add_all([raw, partner])
    await session.flush()
    digest = event_hash(event)
    stored = EpcisEvent(
        event_hash=digest,
        event_type="ObjectEvent",
        event_time=event.event_time,
        event_time_zone_offset="+00:00",
        action="OBSERVE",
        biz_step=event.biz_step,
        document_id=raw.id,
        document_index=0,
        partner_id=partner.id,
        body=body,
    )
    session.add(stored)
    await session.flush()
    session.add(EventParty(event_id=stored.id, partner_id=partner.id))
    await service.append(session, [service.Entry(digest, T0, f"partner:{partner.id}")])
    await session.flush()
    return digest


async def test_event_hash_recomputed_from_stored_event(session, connection, ledger):
    await add_event(session)
    report = await verify(session, ledger)
    assert report.ok, report.mismatch
    assert report.counts["epcis_events"] == 1
    await unlock(connection, backend(connection), "epcis_events")
    await connection.execute(
        text("UPDATE epcis_events SET body = replace(body, 'shipping', 'receiving')")
    )
    report = await verify(session, ledger)
    row_id = await session.scalar(text("SELECT id FROM epcis_events"))
    assert (report.mismatch.table, report.mismatch.row, report.mismatch.message) == (
        "epcis_events",
        str(row_id),
        "event hash does not match the stored event",
    )


@pytest.mark.parametrize("body", ["{not json", '{"type": "EPCISDocument"}', "[]"])
async def test_an_unreadable_stored_event_is_a_mismatch_not_a_crash(session, connection, ledger,
                                                                    body):
    await add_event(session)
    await unlock(connection, backend(connection), "epcis_events")
    await connection.execute(text("UPDATE epcis_events SET body = :body"), {"body": body})
    report = await verify(session, ledger)
    row_id = await session.scalar(text("SELECT id FROM epcis_events"))
    assert not report.ok
    assert (report.mismatch.table, report.mismatch.row) == ("epcis_events", str(row_id))
    assert report.mismatch.message.startswith("stored event is not a readable EPCIS event")
