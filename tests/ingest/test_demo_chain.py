"""`custody demo`'s chain goes through the real pipeline, on every backend, idempotently."""

from sqlalchemy import select

from app.demo import PARTNERS, ingest_chain, seed
from app.ledger.verify import verify
from app.models import CustodyHop, PartnerGln, Unit


async def test_demo_chain_ends_with_a_dispensed_vial_in_lyon(session, sessions):
    await seed(session)
    await session.commit()
    assert await ingest_chain(sessions) == {"events": 11, "units": 7, "products": 2}
    assert await ingest_chain(sessions) == {"events": 11, "units": 7, "products": 2}
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


async def test_demo_products_and_lots_come_from_the_manufacturers_master_data(session, sessions, client):
    """Nothing seeds products: Northwind's EPCClass master data names them and its commissioning
    ILMD gives the lot and expiry; the wholesaler and pharmacy forwarding the same master data
    change nothing."""
    from datetime import date

    from app.models import Lot
    from tests.partners.helpers import make_key

    await seed(session)
    await session.commit()
    headers = await make_key(session, None, "admin", "regulator", "query")
    await session.commit()
    assert (await client.get("/products", headers=headers)).json() == []
    await ingest_chain(sessions)
    products = (await client.get("/products", headers=headers)).json()
    assert [(p["gtin"], p["ndc"], p["proprietary_name"], p["strength"], p["dosage_form"],
             p["container_size"], p["manufacturer_name"], p["company_prefix_length"]) for p in products] == [
        ("00312345600112", "1234560011", "Zenterva", "50 mg/mL", "INJECTION, SOLUTION", "1 vial, 2 mL",
         "Northwind Biologics Inc.", 7),
        ("00312345600228", "1234560022", "Corlumab", "100 mg", "INJECTION, POWDER, LYOPHILIZED", "1 vial",
         "Northwind Biologics Inc.", 7)]
    lots = (await session.execute(select(Lot.gtin, Lot.lot, Lot.expiry))).all()
    assert lots == [("00312345600112", "ZT2611A", date(2028, 5, 31))]
    vial = (await client.get("/units/urn:epc:id:sgtin:0312345.060011.ZT00002", headers=headers)).json()
    assert (vial["lot"], vial["expiry"], vial["gtin"]) == ("ZT2611A", "2028-05-31", "00312345600112")
