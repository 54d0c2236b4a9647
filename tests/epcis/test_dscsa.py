"""DSCSA TI/TS extraction: the GS1 US guideline example exactly, and exact findings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

from epcis.dscsa import (
    Address,
    Finding,
    Party,
    ProductLine,
    ProductMaster,
    check,
    extract_transactions,
    gtin_of,
    ilmd_lot,
    product_masters,
)
from epcis.model import (
    Action,
    BizTransaction,
    Document,
    Element,
    Event,
    EventType,
    QuantityElement,
    Sbdh,
    SourceDest,
    Vocabulary,
)
from epcis.read import read_document
from tests.corpus import corpus_path
from tests.epcis.test_write import (
    CBV,
    MDA,
    PRODUCT,
    SELLER,
    USHC,
    commissioning,
    dscsa_document,
    packing,
    shipping,
    t,
)

UNITS_12 = tuple(f"urn:epc:id:sgtin:030001.0012345.{n}" for n in range(11, 23))


def pharma_doc() -> Document:
    return read_document(corpus_path("epcis", "openepcis-test-resources", "1.2", "EPCIS", "XML", "Capture",
                                     "Documents", "GS1_US_Pharma_Example_2_2_1_1.xml"))


def test_gs1_us_guideline_example_gives_its_ti_and_ts_exactly():
    (tx,) = extract_transactions(pharma_doc())
    when = datetime(2023, 4, 1, 7, 48, 16, tzinfo=UTC)
    assert (tx.event_index, tx.transaction_date, tx.shipment_date) == (7, when, when)
    assert [(b.type, b.value) for b in tx.biz_transactions] == [
        ("urn:epcglobal:cbv:btt:po", "urn:epcglobal:cbv:bt:0399999999991:XYZPO189"),
        ("urn:epcglobal:cbv:btt:desadv", "urn:epcglobal:cbv:bt:0300011111215:DEL100")]
    assert tx.seller == Party("urn:epc:id:sgln:030001.111111.0", Address(
        "GS1 Pharma", "1 Biopharm Ct", "Suite A", "Thousand Oaks", "CA", "91320", "US"))
    assert tx.buyer == Party("urn:epc:id:sgln:039999.999999.0", Address(
        "GS1 Drug Distributor", "230 Park Ave S", "Room 378", "New York", "NY", "10003-1502", "US"))
    # The pallet holds 3 cases of 4 units: TI counts the 12 units of GTIN 00300010123455.
    assert tx.products == (ProductLine("00300010123455", "0001-0123-45", "Epcistra", "100mg", "PILL",
                                       "500 pills", Decimal(12), ("A123",), UNITS_12, (date(2025, 3, 27),),
                                       "GS1 Pharma LLC"),)
    assert tx.statement is not None
    assert (tx.statement.affirmed, tx.statement.location) == (True, "header")
    assert tx.statement.legal_notice == ("Seller has complied with each applicable subsection of FDCA "
                                         "Sec. 581(27)(A)-(G).")
    assert tx.findings == ()
    assert check(pharma_doc()) == []


def test_the_written_model_of_the_same_shipment_is_complete():
    (tx,) = extract_transactions(dscsa_document())
    assert tx.findings == ()
    assert tx.products[0].number_of_containers == 3


def test_without_master_data_and_statement_the_findings_are_exact():
    doc = Document("1.2", creation_date=t("2023-04-01T08:45:16+00:00"),
                   events=(commissioning(), packing(), shipping(biz_transactions=())))
    assert check(doc) == [
        Finding("GUIDELINE_VERSION_MISSING", None, "gs1ushc:guidelineVersion",
                "the header names no GS1 US guideline version (R1.2 or R1.3); read as R1.2", "warning"),
        Finding("TI_MISSING_BIZ_TRANSACTION", 2, "bizTransactionList",
                "the shipment names no business transaction (po, inv, desadv)", "warning"),
        Finding("TI_MISSING_PRODUCT_NAME", 2, "EPCClass/regulatedProductName",
                "no product name (regulatedProductName) in master data for 00300010123455"),
        Finding("TI_MISSING_STRENGTH", 2, "EPCClass/strengthDescription",
                "no strength (strengthDescription) in master data for 00300010123455"),
        Finding("TI_MISSING_DOSAGE_FORM", 2, "EPCClass/dosageFormType",
                "no dosage form (dosageFormType) in master data for 00300010123455"),
        Finding("TI_MISSING_CONTAINER_SIZE", 2, "EPCClass/netContentDescription",
                "no container size (netContentDescription) in master data for 00300010123455"),
        Finding("TI_MISSING_MANUFACTURER", 2, "EPCClass/manufacturerOfTradeItemPartyName",
                "no manufacturer (manufacturerOfTradeItemPartyName) in master data for 00300010123455", "warning"),
        Finding("TI_SELLER_ADDRESS_MISSING", 2, "sourceList",
                "no Location or Party master data for the seller urn:epc:id:sgln:030001.111111.0"),
        Finding("TI_BUYER_ADDRESS_MISSING", 2, "destinationList",
                "no Location or Party master data for the buyer urn:epc:id:sgln:039999.999999.0"),
        Finding("TS_MISSING", 2, "gs1ushc:dscsaTransactionStatement",
                "no DSCSA transaction statement in the event or the document header"),
    ]


def test_missing_lot_parties_and_an_unpacked_pallet():
    doc = Document("1.2", creation_date=t("2023-04-01T08:45:16+00:00"),
                   master_data=(Vocabulary("urn:epcglobal:epcis:vtype:EPCClass", (PRODUCT,)),),
                   header_extensions=dscsa_document().header_extensions,
                   events=(shipping(sources=(), destinations=(),
                                    epc_list=("urn:epc:id:sgtin:030001.0012345.99",
                                              "urn:epc:id:sscc:030001.41234567891")),))
    assert [(f.code, f.field, f.message, f.severity) for f in check(doc)] == [
        ("TI_UNRESOLVED_CONTAINER", "epcList", "the contents of urn:epc:id:sscc:030001.41234567891 are not "
         "given by packing events in this document", "warning"),
        ("TI_MISSING_LOT", "ilmd/lotNumber", "no lot for 00300010123455: no commissioning ILMD lotNumber or "
         "LGTIN in this document", "error"),
        ("TI_MISSING_EXPIRY", "ilmd/itemExpirationDate", "no expiry date for 00300010123455: no commissioning "
         "ILMD itemExpirationDate in this document", "error"),
        ("TI_SELLER_LOCATION_MISSING", "sourceList/source[@type=location]",
         "no source of type location names the ship-from site", "warning"),
        ("TI_SELLER_MISSING", "sourceList/source[@type=owning_party]",
         "no source of type owning_party names the seller", "error"),
        ("TI_BUYER_LOCATION_MISSING", "destinationList/destination[@type=location]",
         "no destination of type location names the ship-to site", "warning"),
        ("TI_BUYER_MISSING", "destinationList/destination[@type=owning_party]",
         "no destination of type owning_party names the buyer", "error"),
    ]


def test_ndc_mismatch_incomplete_address_and_unknown_cbv_values():
    wrong = dataclasses.replace(PRODUCT, attributes=tuple(
        (k, "0001-0999-45" if k.endswith("#additionalTradeItemIdentification") else v)
        for k, v in PRODUCT.attributes))
    seller = dataclasses.replace(SELLER, attributes=tuple(a for a in SELLER.attributes
                                                          if not a[0].endswith(("#city", "#postalCode"))))
    base = dscsa_document()
    doc = dataclasses.replace(
        base, master_data=(Vocabulary("urn:epcglobal:epcis:vtype:EPCClass", (wrong,)),
                           Vocabulary("urn:epcglobal:epcis:vtype:Location", (seller, base.master_data[1]
                                                                            .elements[1]))),
        events=base.events[:2] + (shipping(disposition=CBV + "disp:in_transport",
                                           biz_step=CBV + "bizstep:shipping"),
                                  Event(EventType.OBJECT, t("2023-04-02T00:00:00+00:00"), "+00:00",
                                        biz_step=CBV + "bizstep:teleporting",
                                        sources=(SourceDest("urn:x", CBV + "sdt:owner"),))))
    assert [(f.code, f.event_index, f.field) for f in check(doc)] == [
        ("CBV_UNKNOWN_DISPOSITION", 2, "disposition"),
        ("CBV_UNKNOWN_BIZSTEP", 3, "bizStep"),
        ("CBV_UNKNOWN_SDT", 3, "sourceList/@type"),
        ("TI_SHIPPING_DISPOSITION", 2, "disposition"),
        ("TI_NDC_MISMATCH", 2, "EPCClass/additionalTradeItemIdentification"),
        ("TI_SELLER_ADDRESS_INCOMPLETE", 2, "sourceList"),
    ]
    assert check(doc)[4].message == ("master data NDC 0001-0999-45 does not match the NDC 0001012345 inside "
                                     "GTIN 00300010123455")
    assert check(doc)[5].message == ("master data for the seller urn:epc:id:sgln:030001.111111.0 lacks city, "
                                     "postalCode")


def test_lgtin_quantities_count_and_give_the_lot():
    doc = dataclasses.replace(dscsa_document(), events=(shipping(epc_list=(), quantity_list=(
        QuantityElement("urn:epc:class:lgtin:030001.0012345.L7", Decimal(40)),
        QuantityElement("urn:epc:class:lgtin:030001.0012345.L8", Decimal(2))),),))
    (tx,) = extract_transactions(doc)
    assert [(p.gtin, p.number_of_containers, p.lots, p.product_name) for p in tx.products] == [
        ("00300010123455", Decimal(42), ("L7", "L8"), "Epcistra")]
    # An LGTIN names the lot, not its expiry; before package-level tracing that is all it lacks.
    assert [f.code for f in tx.findings] == ["TI_MISSING_EXPIRY"]


def test_lot_level_quantities_are_refused_where_package_level_identifiers_are_required():
    lgtin = "urn:epc:class:lgtin:030001.0012345.L7"
    commissioned = dataclasses.replace(commissioning(epcs=()), quantity_list=(QuantityElement(lgtin, Decimal(40)),))
    late = t("2023-11-27T00:00:00-05:00")
    doc = dataclasses.replace(dscsa_document(), events=(commissioned, shipping(
        epc_list=(), event_time=late, quantity_list=(QuantityElement(lgtin, Decimal(40)),))))
    (tx,) = extract_transactions(doc)
    assert tx.products[0].expiries == (date(2025, 3, 27),)  # the lot's commissioning ILMD gives it
    assert [(f.code, f.field, f.message, f.severity) for f in tx.findings] == [
        ("TI_LOT_LEVEL_QUANTITY", "quantityList/quantityElement/epcClass",
         "urn:epc:class:lgtin:030001.0012345.L7 ships by quantity; since 2023-11-27 the TI names each package "
         "by its serialized identifier (SGTIN)", "error")]
    day_before = dataclasses.replace(doc, events=(commissioned, dataclasses.replace(
        doc.events[1], event_time=t("2023-11-26T23:59:59-05:00"))))
    assert extract_transactions(day_before)[0].findings == ()


def test_no_shipment_is_a_warning():
    doc = Document("1.2", creation_date=t("2023-04-01T08:45:16+00:00"), events=(commissioning(),))
    assert check(doc) == [Finding("TI_NO_SHIPMENT", None, "bizStep",
                                  "no shipping event: the document carries no DSCSA transaction", "warning")]


def test_event_statement_overrides_header_and_unaffirmed_is_an_error():
    from epcis.model import Element
    from tests.epcis.test_write import USHC
    no = Element(USHC, "dscsaTransactionStatement", children=(Element(USHC, "affirmTransactionStatement", "false"),))
    doc = dataclasses.replace(dscsa_document(), events=dscsa_document().events[:2] + (
        shipping(extensions=(no,)),))
    (tx,) = extract_transactions(doc)
    assert tx.statement is not None and tx.statement.location == "event"
    assert [(f.code, f.severity) for f in tx.findings] == [("TS_NOT_AFFIRMED", "error"),
                                                           ("TS_MISSING_LEGAL_NOTICE", "error")]


def test_sap_style_company_master_data_and_sscc_only_shipment():
    """QU4RTET's SAP ATTP-style file: addresses in gs1ushc:companyMasterData, SSCCs shipped without
    packing events, the buyer given only as a destination location."""
    doc = read_document(corpus_path("epcis", "serial-lab-quartet_epcis-AGPL", "ushc_commission.xml"))
    (tx,) = extract_transactions(doc)
    # The source names SGLN extension .10; the record is keyed by extension .0 of the same GLN.
    assert tx.seller == Party("urn:epc:id:sgln:0455555.00000.10", Address(
        "ToughGuy Pharmaceuticals", "200 Gymtime Dr", None, "South Somewhere", "NY", "11744", "US"))
    assert tx.buyer is None
    assert tx.statement is not None and tx.statement.affirmed
    codes = [f.code for f in tx.findings]
    assert codes == ["TI_BIZ_TRANSACTION_FORM", "TI_MISSING_PO"] + ["TI_UNRESOLVED_CONTAINER"] * 7 + [
        "TI_NO_PRODUCTS", "TI_SELLER_LOCATION_MISSING", "TI_BUYER_MISSING", "SBDH_SENDER_NOT_SELLER"]
    # The desadv id's GLN 0455555000000 has a wrong check digit (3 would be right).
    assert tx.findings[0].message == ("urn:epcglobal:cbv:bt:0455555000000:0025-2019 is not "
                                      "urn:epcglobal:cbv:bt:<GLN>:<number> with a valid GLN, a GDTI or a GS1 "
                                      "Digital Link")
    assert tx.findings[-1] == Finding(
        "SBDH_SENDER_NOT_SELLER", 8, "sbdh:Sender/sbdh:Identifier", "the document's sender "
        "urn:epc:id:sgln:0355555.00000.10 is not the seller urn:epc:id:sgln:0455555.00000.10 (the source "
        "owning_party)", "warning")
    assert tx.findings[9].message == ("no product can be named for this shipment (its containers' contents "
                                      "are unknown)")


def test_unknown_cbv_values_in_persistent_disposition_error_reason_and_btt():
    from epcis.model import BizTransaction, ErrorDeclaration, PersistentDisposition
    event = shipping(persistent_disposition=PersistentDisposition(set=(CBV + "disp:lost",)),
                     error_declaration=ErrorDeclaration(t("2023-04-02T00:00:00+00:00"), CBV + "er:oops"),
                     biz_transactions=(BizTransaction("urn:x:1", CBV + "btt:order"),
                                       BizTransaction("urn:x:2", "https://example.com/btt/private")))
    doc = dataclasses.replace(dscsa_document(), events=dscsa_document().events[:2] + (event,))
    assert [(f.code, f.field, f.message) for f in check(doc)] == [
        ("CBV_UNKNOWN_DISPOSITION", "persistentDisposition", "urn:epcglobal:cbv:disp:lost is not a CBV 2.0 "
         "disposition"),
        ("CBV_UNKNOWN_ERROR_REASON", "errorDeclaration/reason", "urn:epcglobal:cbv:er:oops is not a CBV 2.0 "
         "error reason"),
        ("CBV_UNKNOWN_BTT", "bizTransactionList/bizTransaction/@type", "urn:epcglobal:cbv:btt:order is not a "
         "CBV 2.0 business transaction type"),
        ("TI_MISSING_PO", "bizTransactionList/bizTransaction/@type", "no business transaction of type po names "
         "the buyer's purchase order"),
    ]


def test_gs1ushc_ilmd_gives_lot_expiry_and_trade_item_master_data():
    """QU4RTET's SAP ATTP-style commissioning carries lot, expiry and the product in the gs1ushc
    namespace (``gs1ushc:lotNumber``, ``gs1ushc:itemExpirationDate``, ``gs1ushc:tradeItemMasterData``)."""
    doc = read_document(corpus_path("epcis", "serial-lab-quartet_epcis-AGPL", "ushc_commission.xml"))
    assert ilmd_lot(doc.events[0]) == ("19030145", date(2021, 2, 1))
    gtin = gtin_of(doc.events[0].epc_list[0])
    assert product_masters(doc) == {gtin: ProductMaster(
        "10355555999994", "5555599999", "Hydrocodone Bitartrate and Acetaminophen Tablets, USP CII", "10mg",
        "Tablet", "400  cc", "Camber", "0355555")}
    # Shipped from the same document, its units carry that lot and expiry into the TI.
    shipped = dataclasses.replace(doc, events=(doc.events[0], dataclasses.replace(
        doc.events[-1], epc_list=doc.events[0].epc_list[:2])))
    (line,) = extract_transactions(shipped)[0].products
    assert (line.product_name, line.manufacturer, line.lots, line.expiries, line.number_of_containers) == (
        "Hydrocodone Bitartrate and Acetaminophen Tablets, USP CII", "Camber", ("19030145",),
        (date(2021, 2, 1),), 2)


def test_cbvmda_ilmd_still_counts_and_epcclass_master_data_wins_over_ilmd():
    doc = pharma_doc()
    assert ilmd_lot(doc.events[0]) == ("A123", date(2025, 3, 27))
    masters = product_masters(doc)
    assert masters["00300010123455"].name == "Epcistra"
    assert masters["00300010123455"].ndc == "0001-0123-45"


def test_an_expiry_that_is_not_a_date_is_an_error_at_its_field():
    bad = dataclasses.replace(commissioning(), ilmd=(Element(MDA, "lotNumber", "A123"),
                                                    Element(MDA, "itemExpirationDate", "2025-02-30")))
    doc = dataclasses.replace(dscsa_document(), events=(bad, packing(), shipping()))
    assert check(doc) == [
        Finding("TI_BAD_EXPIRY", 0, "ilmd/itemExpirationDate",
                "itemExpirationDate '2025-02-30' is not a date (YYYY-MM-DD)"),
        Finding("TI_MISSING_EXPIRY", 2, "ilmd/itemExpirationDate",
                "no expiry date for 00300010123455: no commissioning ILMD itemExpirationDate in this document")]


def test_shipping_is_an_observe_object_event_in_transit():
    doc = dataclasses.replace(dscsa_document(), events=dscsa_document().events[:2] + (
        shipping(action=Action.ADD, disposition=CBV + "disp:active"),))
    assert [(f.code, f.field, f.message, f.severity) for f in check(doc)] == [
        ("TI_SHIPPING_ACTION", "action", "a shipping event is an ObjectEvent with action OBSERVE, got "
         "ObjectEvent ADD", "error"),
        ("TI_SHIPPING_DISPOSITION", "disposition", "a shipping event's disposition is "
         "urn:epcglobal:cbv:disp:in_transit, got urn:epcglobal:cbv:disp:active", "warning")]


def test_business_transactions_are_typed_in_gs1_form_and_name_the_po():
    doc = dataclasses.replace(dscsa_document(), events=dscsa_document().events[:2] + (shipping(biz_transactions=(
        BizTransaction("PO-17", CBV + "btt:po"),
        BizTransaction("urn:epcglobal:cbv:bt:0399999999991:X"),
        BizTransaction("urn:epcglobal:cbv:bt:0399999999992:DEL1", CBV + "btt:desadv"))),))
    assert [(f.code, f.field, f.message) for f in check(doc)] == [
        ("TI_BIZ_TRANSACTION_FORM", "bizTransactionList/bizTransaction",
         "PO-17 is not urn:epcglobal:cbv:bt:<GLN>:<number> with a valid GLN, a GDTI or a GS1 Digital Link"),
        ("TI_BIZ_TRANSACTION_UNTYPED", "bizTransactionList/bizTransaction/@type",
         "business transaction urn:epcglobal:cbv:bt:0399999999991:X has no type (po, desadv, inv ...)"),
        ("TI_BIZ_TRANSACTION_FORM", "bizTransactionList/bizTransaction",
         "urn:epcglobal:cbv:bt:0399999999992:DEL1 is not urn:epcglobal:cbv:bt:<GLN>:<number> with a valid GLN, "
         "a GDTI or a GS1 Digital Link")]
    assert all(f.severity == "warning" for f in check(doc))
    desadv_only = dataclasses.replace(doc, events=doc.events[:2] + (shipping(biz_transactions=(
        BizTransaction("urn:epcglobal:cbv:bt:0300011111215:DEL100", CBV + "btt:desadv"),)),))
    assert [f.code for f in check(desadv_only)] == ["TI_MISSING_PO"]


def test_guideline_version_decides_legal_notice_and_ndc_type():
    bare_ts = Element(USHC, "dscsaTransactionStatement", children=(
        Element(USHC, "affirmTransactionStatement", "true"),))
    r13 = Element(USHC, "guidelineVersion", "GS1 US DSCSA R1.3")
    r12_ndc = dataclasses.replace(PRODUCT, attributes=tuple(
        (k, "FDA_NDC_11" if k.endswith("#additionalTradeItemIdentificationTypeCode") else v)
        for k, v in PRODUCT.attributes))
    base = dscsa_document()
    doc = dataclasses.replace(base, header_extensions=(r13, bare_ts), master_data=(
        Vocabulary("urn:epcglobal:epcis:vtype:EPCClass", (r12_ndc,)), base.master_data[1]))
    assert [(f.code, f.field, f.severity) for f in check(doc)] == [
        ("TI_NDC_TYPE_R12", "EPCClass/additionalTradeItemIdentificationTypeCode", "warning"),
        ("TS_MISSING_LEGAL_NOTICE", "gs1ushc:legalNotice", "error")]
    assert check(doc)[1].message == ("the transaction statement has no legalNotice (the seller's FDCA "
                                     "581(27)(A)-(G) statement)")
    r12 = dataclasses.replace(doc, header_extensions=(Element(USHC, "guidelineVersion", "R1.2"), bare_ts))
    assert [(f.code, f.severity, f.message) for f in check(r12)] == [
        ("TS_MISSING_LEGAL_NOTICE", "warning", "the transaction statement has no legalNotice (the seller's "
         "FDCA 581(27)(A)-(G) statement); required from R1.3")]
    unknown = dataclasses.replace(base, header_extensions=(Element(USHC, "guidelineVersion", "v9"),
                                                           *base.header_extensions[1:]))
    assert check(unknown) == [Finding("GUIDELINE_VERSION_UNKNOWN", None, "gs1ushc:guidelineVersion",
                                      "guideline version 'v9' is neither R1.2 nor R1.3; read as R1.2", "warning")]


def test_sbdh_sender_is_the_seller_in_any_gln_form():
    base = dscsa_document()
    same = dataclasses.replace(base, sbdh=Sbdh("0300011111116"))  # plain GLN of 030001.111111
    assert check(same) == []
    other = dataclasses.replace(base, sbdh=Sbdh("urn:epc:id:sgln:039999.999999.0"))
    assert [(f.code, f.event_index, f.severity) for f in check(other)] == [
        ("SBDH_SENDER_NOT_SELLER", 2, "warning")]
