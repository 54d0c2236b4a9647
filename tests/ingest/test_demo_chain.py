"""`custody demo`'s chain goes through the real pipeline, on every backend, idempotently."""

from sqlalchemy import select

from app.demo import PARTNERS, ingest_chain, seed
from app.ledger.verify import verify
from app.models import CustodyHop, PartnerGln, Unit


async def test_demo_chain_ends_with_a_dispensed_vial_in_lyon(session, sessions):
    await seed(session)
    await session.commit()
    assert await ingest_chain(sessions) == {"events": 11, "units": 7}
    assert await ingest_chain(sessions) == {"events": 11, "units": 7}
    ids = {g.gln: g.partner_id for g in (await session.scalars(select(PartnerGln))).all()}
    _, atlas, _, lyon = (ids[p.gln] for p in PARTNERS)
    rows = (await session.execute(select(Unit.identifier, Unit.status, Unit.custodian_id))).all()
    state = {ident.rsplit(".", 1)[1]: (str(status), who) for ident, status, who in rows}
    assert state == {
        "ZT00001": ("dispensed", lyon), "ZT00002": ("received", lyon),
        **{f"ZT0000{n}": ("received", atlas) for n in range(3, 7)},
        "0000002611": ("received", atlas)}
    kinds = (await session.scalars(select(CustodyHop.kind).where(
        CustodyHop.unit == "urn:epc:id:sgtin:0312345.060011.ZT00001").order_by(CustodyHop.seq))).all()
    assert kinds == ["commission", "pack", "ship", "receive", "unpack", "ship", "receive", "ship",
                     "receive", "dispense"]
    assert (await verify(session, None)).ok
