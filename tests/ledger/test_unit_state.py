"""`verify` replays every unit's chain: an insider's edit of ``units`` is named, not served."""

from sqlalchemy import select, text, update

from app.ledger.verify import verify
from app.models import Unit
from tests.ingest.chain import (
    MFG,
    WHOLESALER,
    commission,
    document,
    pack,
    receive,
    sgtin,
    ship,
    sscc,
)
from tests.ingest.test_rules import capture
from tests.partners.helpers import MFG_GLN, WHOLESALER_GLN, chain_partners


async def test_stored_state_the_chain_never_reached_is_named(client, session, sessions):
    p = await chain_partners(session)
    mfg, wh = p["mfg"], p["wholesaler"]
    items = [sgtin(1), sgtin(2)]
    for who, body in ((mfg, document(commission(items + [sgtin(3)]), pack(sscc(1), items),
                                     ship([sscc(1)], MFG, WHOLESALER))),
                      (wh, document(receive([sscc(1)], WHOLESALER)))):
        job = await capture(client, sessions, who[1], body)
        assert job["status"] == "succeeded", job["errors"]
    assert (await verify(session, None)).ok
    one = await session.scalar(select(Unit.id).where(Unit.identifier == sgtin(3)))
    case = await session.scalar(select(Unit.id).where(Unit.identifier == sscc(1)))
    row = f"{one} ({sgtin(3)})"
    for change, expected, found, what in (
        ({"custodian_id": wh[0]}, f"custodian {MFG_GLN}", f"custodian {WHOLESALER_GLN}", "custodian"),
        ({"status": "dispensed"}, "status commissioned", "status dispensed", "status"),
        ({"destination_id": wh[0]}, "destination none", f"destination {WHOLESALER_GLN}",
         "destination"),
        ({"parent_id": case}, "container none", f"container {sscc(1)}", "container"),
    ):
        async with session.begin_nested() as edit:
            await session.execute(update(Unit).where(Unit.id == one).values(**change))
            report = await verify(session, None)
            await edit.rollback()
        assert report.mismatch is not None, change
        m = report.mismatch
        assert (m.table, m.row, m.expected, m.found, m.message) == (
            "units", row, expected, found, f"stored {what} differs from the custody chain")
    async with session.begin_nested() as edit:  # a unit no chain ever created
        await session.execute(text(
            "INSERT INTO units (identifier, kind, status, custodian_id, updated_at) "
            "VALUES ('urn:epc:id:sgtin:0312345.060011.99', 'sgtin', 'received', :p, :t)"),
            {"p": wh[0], "t": "2026-11-02 08:00:00+00:00"})
        report = await verify(session, None)
        await edit.rollback()
    assert (report.mismatch.row.split(" ")[1], report.mismatch.message) == (
        "(urn:epc:id:sgtin:0312345.060011.99)", "unit has no custody hops")
    assert (await verify(session, None)).ok


async def test_a_container_rewritten_in_the_index_and_the_unit_is_named(client, session, sessions):
    """The insider rewrites both what verify used to trust (``event_epcs``, not append-only)
    and ``units.parent_id``: the proven event body still names the real container."""
    p = await chain_partners(session)
    items = [sgtin(1), sgtin(2)]
    # The first case is named as a Digital Link: one container, however the event spells it.
    job = await capture(client, sessions, p["mfg"][1], document(
        commission(items + [sgtin(3)]), pack("https://id.gs1.org/00/003123450000000011", items),
        pack(sscc(2), [sgtin(3)])))
    assert job["status"] == "succeeded", job["errors"]
    assert (await verify(session, None)).ok
    one = await session.scalar(select(Unit.id).where(Unit.identifier == sgtin(1)))
    case, other = [await session.scalar(select(Unit.id).where(Unit.identifier == x))
                   for x in (sscc(1), sscc(2))]
    async with session.begin_nested() as edit:
        await session.execute(text("DELETE FROM event_epcs WHERE epc = :dl"),
                              {"dl": "https://id.gs1.org/00/003123450000000011"})
        await session.execute(text("UPDATE event_epcs SET epc = :other WHERE epc = :urn"),
                              {"other": sscc(2), "urn": sscc(1)})
        await session.execute(update(Unit).where(Unit.parent_id == case).values(parent_id=other))
        report = await verify(session, None)
        await edit.rollback()
    m = report.mismatch
    assert m is not None
    assert (m.table, m.row, m.expected, m.found, m.message) == (
        "units", f"{one} ({sgtin(1)})", "container https://id.gs1.org/00/003123450000000011",
        f"container {sscc(2)}", "stored container differs from the custody chain")
    assert (await verify(session, None)).ok
