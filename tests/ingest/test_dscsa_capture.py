"""DSCSA findings and master data in capture: what refuses a document, what the job reports,
and what products, lots and units hold afterwards (decision 0010)."""

import dataclasses
from datetime import date

from sqlalchemy import select

from app.demo import ZENTERVA
from app.models import Lot, PartnerKind, Product
from app.partners.service import LicenceSpec, create_partner
from app.world import documents as docs
from app.world import events as ev
from app.world.partners import Party, gln
from epcis.model import Action, SourceDest
from epcis.read import read_document
from epcis.write import write_document
from tests.corpus import corpus_path
from tests.ingest.chain import MFG, WHOLESALER, at, commission, document, sgtin, ship
from tests.ingest.test_rules import capture
from tests.partners.helpers import chain_partners, make_key

PHARMA = ("epcis", "openepcis-test-resources", "1.2", "EPCIS", "XML", "Capture", "Documents",
          "GS1_US_Pharma_Example_2_2_1_1.xml")
USHC = ("epcis", "serial-lab-quartet_epcis-AGPL", "ushc_commission.xml")


async def partner(session, name, gln_, kind=PartnerKind.WHOLESALER, valid_from=date(2020, 1, 1),
                  **changes):
    licence = LicenceSpec("state_licence", "CA", f"L-{gln_}", valid_from, date(2030, 12, 31))
    return await create_partner(session, Party(name, kind, gln_, licence).spec(**changes), "test")


async def test_gs1_us_example_fills_products_lots_and_units(client, session, sessions):
    seller = await partner(session, "GS1 Pharma", gln("030001111111"), PartnerKind.MANUFACTURER,
                           prefixes=("030001",))
    await partner(session, "GS1 Drug Distributor", gln("039999999999"))
    headers = await make_key(session, seller.id, "capture", "query")
    await session.commit()
    assert (await client.get("/products", headers=headers)).json() == []
    job = await capture(client, sessions, headers, corpus_path(*PHARMA).read_bytes(),
                        **{"Content-Type": "application/xml"})
    assert (job["status"], job["errors"], job["warnings"]) == ("succeeded", [], [])
    products = (await client.get("/products", headers=headers)).json()
    assert [(p["gtin"], p["ndc"], p["proprietary_name"], p["strength"], p["dosage_form"], p["container_size"],
             p["manufacturer_name"], p["company_prefix_length"]) for p in products] == [
        ("00300010123455", "0001-0123-45", "Epcistra", "100mg", "PILL", "500 pills", "GS1 Pharma LLC", 6),
        ("10300010123452", "0001-0123-45", "Epcistra", "100mg", "PILL", "500 pills", "GS1 Pharma LLC", 6)]
    assert (await session.execute(select(Lot.gtin, Lot.lot, Lot.expiry).order_by(Lot.gtin))).all() == [
        ("00300010123455", "A123", date(2025, 3, 27)), ("10300010123452", "A123", date(2025, 3, 27))]
    unit = (await client.get("/units/urn:epc:id:sgtin:030001.0012345.11", headers=headers)).json()
    assert (unit["gtin"], unit["lot"], unit["expiry"]) == ("00300010123455", "A123", "2025-03-27")


async def test_partners_unlicensed_on_the_transaction_date_refuse_the_shipment(client, session, sessions):
    """The example ships on 2023-04-01; licences valid from 2024 do not cover it (valid today or not)."""
    seller = await partner(session, "GS1 Pharma", gln("030001111111"), PartnerKind.MANUFACTURER,
                           valid_from=date(2024, 1, 1), prefixes=("030001",))
    await partner(session, "GS1 Drug Distributor", gln("039999999999"), valid_from=date(2024, 1, 1))
    headers = await make_key(session, seller.id, "capture", "query")
    await session.commit()
    job = await capture(client, sessions, headers, corpus_path(*PHARMA).read_bytes(),
                        **{"Content-Type": "application/xml"})
    assert job["status"] == "failed"
    assert [(e["reason"], e["eventIndex"], e["detail"]) for e in job["errors"]] == [
        ("SELLER_LICENCE_NOT_VALID", 7, "event 7: seller 0300011111116 holds no licence valid on the "
         "transaction date 2023-04-01"),
        ("BUYER_LICENCE_NOT_VALID", 7, "event 7: buyer 0399999999991 holds no licence valid on the "
         "transaction date 2023-04-01")]
    assert (await session.scalars(select(Product))).all() == []


async def test_gs1ushc_commissioning_gives_the_product_and_the_units_lot_and_expiry(client, session, sessions):
    """QU4RTET's SAP ATTP-style commissioning: lot, expiry and product in the gs1ushc namespace."""
    corpus = read_document(corpus_path(*USHC))
    body = write_document(dataclasses.replace(corpus, events=corpus.events[:1]), "1.2-xml")
    owner = await partner(session, "ToughGuy Pharmaceuticals", gln("035555500000"),
                          PartnerKind.MANUFACTURER, prefixes=("0355555",))
    headers = await make_key(session, owner.id, "capture", "query")
    await session.commit()
    job = await capture(client, sessions, headers, body, **{"Content-Type": "application/xml"})
    assert (job["status"], job["errors"], job["eventCount"]) == ("succeeded", [], 1)
    (product,) = (await client.get("/products", headers=headers)).json()
    assert (product["gtin"], product["ndc"], product["proprietary_name"], product["strength"],
            product["dosage_form"], product["container_size"], product["manufacturer_name"]) == (
        "10355555999994", "5555599999", "Hydrocodone Bitartrate and Acetaminophen Tablets, USP CII", "10mg",
        "Tablet", "400  cc", "Camber")
    assert (await session.execute(select(Lot.gtin, Lot.lot, Lot.expiry))).all() == [
        ("10355555999994", "19030145", date(2021, 2, 1))]
    unit = (await client.get(f"/units/{corpus.events[0].epc_list[0]}", headers=headers)).json()
    assert (unit["lot"], unit["expiry"]) == ("19030145", "2021-02-01")


async def test_only_the_brand_owner_names_its_product(client, session, sessions):
    """A distributor's master data for another company's GTIN neither creates nor renames it."""
    p = await chain_partners(session)
    fake = docs.master_data((docs.product_master(dataclasses.replace(ZENTERVA, name="Counterfeitol")),), ())
    forwarded = docs.document(commission([sgtin(1)]), fmt="2.0-jsonld", master=fake)
    job = await capture(client, sessions, p["wholesaler"][1], forwarded)
    assert job["errors"][0]["reason"] == "NOT_BRAND_OWNER"
    assert (await session.scalars(select(Product))).all() == []
    job = await capture(client, sessions, p["mfg"][1], document(commission([sgtin(1)])))
    assert job["status"] == "succeeded"
    # Forwarded with a shipment (refused or not), the same master data renames nothing either.
    await capture(client, sessions, p["wholesaler"][1], docs.document(ship([sgtin(9)], WHOLESALER, MFG),
                                                                      master=fake))
    names = (await session.scalars(select(Product.proprietary_name)
                                   .execution_options(populate_existing=True))).all()
    assert names == ["Zenterva"]


async def test_a_missing_expiry_refuses_a_shipment_only_when_custody_lacks_it(client, session, sessions):
    p = await chain_partners(session)
    bare = ev.commission([sgtin(1)], at(0), MFG, lot="L1")  # no itemExpirationDate
    assert (await capture(client, sessions, p["mfg"][1], document(bare)))["status"] == "succeeded"
    job = await capture(client, sessions, p["mfg"][1], document(ship([sgtin(1)], MFG, WHOLESALER)))
    assert job["status"] == "failed"
    assert [(e["reason"], e["detail"]) for e in job["errors"]] == [
        ("TI_MISSING_EXPIRY", "event 0: no expiry date for 00312345600112: no commissioning ILMD "
         "itemExpirationDate in this document")]
    # Units commissioned with their expiry in an earlier document ship without repeating it.
    assert (await capture(client, sessions, p["mfg"][1], document(commission([sgtin(2)]))))["errors"] == []
    job = await capture(client, sessions, p["mfg"][1], document(ship([sgtin(2)], MFG, WHOLESALER)))
    assert (job["status"], job["errors"], job["warnings"]) == ("succeeded", [], [])


async def test_warnings_are_reported_and_errors_refuse_at_their_field(client, session, sessions):
    p = await chain_partners(session)
    owning_only = dataclasses.replace(ship([sgtin(1)], MFG, WHOLESALER, minutes=2),
                                      sources=(SourceDest(MFG, "urn:epcglobal:cbv:sdt:owning_party"),),
                                      biz_transactions=())
    job = await capture(client, sessions, p["mfg"][1], document(commission([sgtin(1)]), owning_only))
    assert job["status"] == "succeeded"
    assert job["warnings"] == [
        {"reason": "TI_MISSING_BIZ_TRANSACTION", "eventIndex": 1, "field": "bizTransactionList",
         "detail": "the shipment names no business transaction (po, inv, desadv)"},
        {"reason": "TI_SELLER_LOCATION_MISSING", "eventIndex": 1, "field": "sourceList/source[@type=location]",
         "detail": "no source of type location names the ship-from site"}]
    added = dataclasses.replace(ship([sgtin(2)], MFG, WHOLESALER), action=Action.ADD)
    job = await capture(client, sessions, p["mfg"][1], document(commission([sgtin(2)]), added))
    assert job["status"] == "failed"
    assert [(e["reason"], e["eventIndex"]) for e in job["errors"]] == [("TI_SHIPPING_ACTION", 1)]
    assert job["errors"][0]["detail"] == ("event 1: a shipping event is an ObjectEvent with action OBSERVE, "
                                          "got ObjectEvent ADD")
