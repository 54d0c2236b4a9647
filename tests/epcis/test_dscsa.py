"""DSCSA TI/TS extraction: the GS1 US guideline example exactly, and exact findings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from epcis.dscsa import Address, Finding, Party, ProductLine, check, extract_transactions
from epcis.model import Document, Event, EventType, QuantityElement, SourceDest, Vocabulary
from epcis.read import read_document
from tests.corpus import corpus_path
from tests.epcis.test_write import (
    CBV,
    PRODUCT,
    SELLER,
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
                                       "500 pills", Decimal(12), ("A123",), UNITS_12),)
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
        Finding("TI_MISSING_PRODUCT_NAME", 2, "EPCClass/regulatedProductName",
                "no product name (regulatedProductName) in master data for 00300010123455"),
        Finding("TI_MISSING_STRENGTH", 2, "EPCClass/strengthDescription",
                "no strength (strengthDescription) in master data for 00300010123455"),
        Finding("TI_MISSING_DOSAGE_FORM", 2, "EPCClass/dosageFormType",
                "no dosage form (dosageFormType) in master data for 00300010123455"),
        Finding("TI_MISSING_CONTAINER_SIZE", 2, "EPCClass/netContentDescription",
                "no container size (netContentDescription) in master data for 00300010123455"),
        Finding("TI_SELLER_ADDRESS_MISSING", 2, "sourceList",
                "no Location or Party master data for the seller urn:epc:id:sgln:030001.111111.0"),
        Finding("TI_BUYER_ADDRESS_MISSING", 2, "destinationList",
                "no Location or Party master data for the buyer urn:epc:id:sgln:039999.999999.0"),
        Finding("TI_MISSING_BIZ_TRANSACTION", 2, "bizTransactionList",
                "the shipment names no business transaction (po, inv, desadv)", "warning"),
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
        ("TI_SELLER_MISSING", "sourceList", "no source of type owning_party names the seller", "error"),
        ("TI_BUYER_MISSING", "destinationList", "no destination of type owning_party names the buyer", "error"),
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
        ("TI_NDC_MISMATCH", 2, "EPCClass/additionalTradeItemIdentification"),
        ("TI_SELLER_ADDRESS_INCOMPLETE", 2, "sourceList"),
    ]
    assert check(doc)[3].message == ("master data NDC 0001-0999-45 does not match the NDC 0001012345 inside "
                                     "GTIN 00300010123455")
    assert check(doc)[4].message == ("master data for the seller urn:epc:id:sgln:030001.111111.0 lacks city, "
                                     "postalCode")


def test_lgtin_quantities_count_and_give_the_lot():
    doc = dataclasses.replace(dscsa_document(), events=(shipping(epc_list=(), quantity_list=(
        QuantityElement("urn:epc:class:lgtin:030001.0012345.L7", Decimal(40)),
        QuantityElement("urn:epc:class:lgtin:030001.0012345.L8", Decimal(2))),),))
    (tx,) = extract_transactions(doc)
    assert [(p.gtin, p.number_of_containers, p.lots, p.product_name) for p in tx.products] == [
        ("00300010123455", Decimal(42), ("L7", "L8"), "Epcistra")]
    assert tx.findings == ()


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
    assert [f.code for f in tx.findings] == ["TS_NOT_AFFIRMED"]


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
    assert codes == ["TI_UNRESOLVED_CONTAINER"] * 7 + ["TI_NO_PRODUCTS", "TI_BUYER_MISSING"]
    assert tx.findings[7].message == ("no product can be named for this shipment (its containers' contents "
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
    ]
