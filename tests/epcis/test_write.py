"""Writers: every format validates against the official GS1 schemas; goldens; refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache

import jsonschema
import pytest
from lxml import etree

from epcis.errors import EpcisError
from epcis.model import (
    Action,
    BizTransaction,
    Document,
    Element,
    ErrorDeclaration,
    Event,
    EventType,
    Location,
    PersistentDisposition,
    QuantityElement,
    Sbdh,
    SensorElement,
    SensorReport,
    SourceDest,
    Vocabulary,
    VocabularyElement,
)
from epcis.write import write_document
from tests.corpus import corpus_path

CBV = "urn:epcglobal:cbv:"
MDA = "urn:epcglobal:cbv:mda"
USHC = "http://epcis.gs1us.org/hc/ns"
EX = "http://ns.example.com/epcis/"
EST = timezone(timedelta(hours=-5))


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def mda(name: str, value: str) -> tuple[str, str]:
    return (f"urn:epcglobal:cbv:mda#{name}", value)


def party(gln: str, name: str, street: str, city: str, state: str, postal: str) -> VocabularyElement:
    return VocabularyElement(gln, (mda("name", name), mda("streetAddressOne", street), mda("city", city),
                                   mda("state", state), mda("postalCode", postal), mda("countryCode", "US")))


PRODUCT = VocabularyElement("urn:epc:idpat:sgtin:030001.0012345.*", (
    mda("additionalTradeItemIdentification", "0001-0123-45"),
    mda("additionalTradeItemIdentificationTypeCode", "US_FDA_NDC"),
    mda("regulatedProductName", "Epcistra"),
    mda("manufacturerOfTradeItemPartyName", "GS1 Pharma LLC"),
    mda("dosageFormType", "PILL"),
    mda("strengthDescription", "100mg"),
    mda("netContentDescription", "500 pills"),
))
SELLER = party("urn:epc:id:sgln:030001.111111.0", "GS1 Pharma", "1 Biopharm Ct", "Thousand Oaks", "CA", "91320")
BUYER = party("urn:epc:id:sgln:039999.999999.0", "GS1 Drug Distributor", "230 Park Ave S", "New York", "NY",
              "10003-1502")
UNITS = tuple(f"urn:epc:id:sgtin:030001.0012345.{n}" for n in (11, 12, 13))
PALLET = "urn:epc:id:sscc:030001.41234567890"
STATEMENT = Element(USHC, "dscsaTransactionStatement", children=(
    Element(USHC, "affirmTransactionStatement", "true", prefix="gs1ushc"),
    Element(USHC, "legalNotice", "Seller has complied with each applicable subsection of FDCA Sec. "
            "581(27)(A)-(G).", prefix="gs1ushc")), prefix="gs1ushc")
GUIDELINE = Element(USHC, "guidelineVersion", "GS1 US DSCSA R1.3", prefix="gs1ushc")


def commissioning(epcs: tuple[str, ...] = UNITS, lot: str = "A123") -> Event:
    return Event(
        EventType.OBJECT, t("2023-03-27T06:45:16-05:00"), "-05:00", epc_list=epcs, action=Action.ADD,
        biz_step=CBV + "bizstep:commissioning", disposition=CBV + "disp:active",
        read_point=Location("urn:epc:id:sgln:030001.111111.0"),
        biz_location=Location("urn:epc:id:sgln:030001.111111.0"),
        ilmd=(Element(MDA, "lotNumber", lot, prefix="cbvmda"),
              Element(MDA, "itemExpirationDate", "2025-03-27", prefix="cbvmda")),
    )


def shipping(**changes: object) -> Event:
    fields: dict[str, object] = dict(
        type=EventType.OBJECT, event_time=t("2023-04-01T07:48:16-05:00"), event_time_zone_offset="-05:00",
        epc_list=(PALLET,), action=Action.OBSERVE, biz_step=CBV + "bizstep:shipping",
        disposition=CBV + "disp:in_transit", read_point=Location("urn:epc:id:sgln:030001.111121.0"),
        biz_transactions=(BizTransaction("urn:epcglobal:cbv:bt:0399999999991:XYZPO189", CBV + "btt:po"),),
        sources=(SourceDest("urn:epc:id:sgln:030001.111111.0", CBV + "sdt:owning_party"),
                 SourceDest("urn:epc:id:sgln:030001.111121.0", CBV + "sdt:location")),
        destinations=(SourceDest("urn:epc:id:sgln:039999.999999.0", CBV + "sdt:owning_party"),
                      SourceDest("urn:epc:id:sgln:039999.345678.0", CBV + "sdt:location")),
        extensions=(Element(USHC, "dropShipment", "false", prefix="gs1ushc"),),
    )
    fields.update(changes)
    return Event(**fields)  # type: ignore[arg-type]


def packing() -> Event:
    return Event(EventType.AGGREGATION, t("2023-04-01T06:48:16-05:00"), "-05:00", parent_id=PALLET,
                 child_epcs=UNITS, action=Action.ADD, biz_step=CBV + "bizstep:packing",
                 disposition=CBV + "disp:in_progress", read_point=Location("urn:epc:id:sgln:030001.111121.0"))


def dscsa_document() -> Document:
    """A complete DSCSA shipment in the shape of the GS1 US guideline example."""
    return Document(
        "1.2", creation_date=t("2023-04-01T08:45:16+00:00"),
        sbdh=Sbdh("urn:epc:id:sgln:030001.111111.0", "urn:epc:id:sgln:039999.999999.0", "1100220001",
                  t("2023-04-01T08:45:16+00:00"), "Events"),
        master_data=(Vocabulary("urn:epcglobal:epcis:vtype:EPCClass", (PRODUCT,)),
                     Vocabulary("urn:epcglobal:epcis:vtype:Location", (SELLER, BUYER))),
        header_extensions=(GUIDELINE, STATEMENT),
        events=(commissioning(), packing(), shipping()),
    )


def all_fields_document() -> Document:
    """Every event type with every field, including the ones EPCIS 1.2 lacks."""
    sensor = SensorElement(
        metadata=SensorReport((("time", "2019-04-02T14:05:00.000+01:00"),
                               ("deviceID", "urn:epc:id:giai:4000001.111"))),
        reports=(SensorReport((("type", "https://gs1.org/voc/Temperature"), ("value", "26.5"),
                               ("uom", "CEL"), (f"{{{EX}}}accuracy", "0.1"))),),
        extensions=(Element(EX, "note", "calibrated", prefix="example"),),
    )
    common: dict[str, object] = dict(
        event_time=t("2019-04-02T15:00:00.123+01:00"), event_time_zone_offset="+01:00",
        record_time=t("2019-04-02T15:05:00+01:00"), event_id="urn:uuid:6a4a7b34-5d0b-4c0b-9f1b-1b4e2f3a4c5d",
        biz_step=CBV + "bizstep:inspecting", disposition=CBV + "disp:conformant",
        read_point=Location("urn:epc:id:sgln:4012345.00001.0",
                            (Element(EX, "sensorPosition", "door", prefix="example"),)),
        biz_location=Location("urn:epc:id:sgln:4012345.00002.0"),
        biz_transactions=(BizTransaction("urn:epcglobal:cbv:bt:4012345000009:PO1", CBV + "btt:po"),
                          BizTransaction("http://transaction.example.com/x/1")),
        sources=(SourceDest("urn:epc:id:pgln:4000001.00012", CBV + "sdt:possessing_party"),),
        destinations=(SourceDest("urn:epc:id:pgln:4012345.00000", CBV + "sdt:owning_party"),),
        sensor_elements=(sensor,),
        persistent_disposition=PersistentDisposition(set=(CBV + "disp:completeness_verified",),
                                                     unset=(CBV + "disp:completeness_inferred",)),
        certification_info=("https://cert.example.com/1",),
        extensions=(Element(EX, "myField", children=(Element(EX, "inner", "1", prefix="example"),),
                            attributes=(("unit", "x"),), prefix="example"),),
    )
    q = (QuantityElement("urn:epc:class:lgtin:4012345.012345.998877", Decimal("200"), "KGM"),
         QuantityElement("urn:epc:class:lgtin:4012345.012345.998878", Decimal("2.5")))
    error = ErrorDeclaration(t("2019-04-03T10:00:00Z"), CBV + "er:incorrect_data",
                             ("urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8",))
    ilmd = (Element(MDA, "lotNumber", "LOT1", prefix="cbvmda"),)
    return Document(
        "2.0", creation_date=t("2019-04-02T16:00:00+01:00"),
        master_data=(Vocabulary("urn:epcglobal:epcis:vtype:BusinessLocation", (VocabularyElement(
            "urn:epc:id:sgln:4012345.00002.0", (mda("name", "Site"),
                                                ("urn:example#geo", Element("", "attribute", children=(
                                                    Element(EX, "point", "52.1,4.3", prefix="example"),)))),
            ("urn:epc:id:sgln:4012345.00002.1",)),)),),
        events=(
            Event(EventType.OBJECT, epc_list=UNITS, quantity_list=q, action=Action.ADD, ilmd=ilmd,
                  error_declaration=error, **common),  # type: ignore[arg-type]
            Event(EventType.AGGREGATION, parent_id=PALLET, child_epcs=UNITS, child_quantity_list=q,
                  action=Action.ADD, **common),  # type: ignore[arg-type]
            Event(EventType.TRANSACTION, parent_id=PALLET, epc_list=UNITS, quantity_list=q,
                  action=Action.ADD, **common),  # type: ignore[arg-type]
            Event(EventType.TRANSFORMATION, input_epc_list=UNITS[:1], input_quantity_list=q[:1],
                  output_epc_list=UNITS[1:], output_quantity_list=q[1:],
                  transformation_id="urn:epc:id:gdti:4012345.55555.1234", ilmd=ilmd,
                  **common),  # type: ignore[arg-type]
            Event(EventType.ASSOCIATION, parent_id="urn:epc:id:grai:4012345.55555.987",
                  child_epcs=("urn:epc:id:giai:4000001.12345",), child_quantity_list=q,
                  action=Action.ADD, **common),  # type: ignore[arg-type]
        ),
    )


@cache
def xsd(version: str) -> etree.XMLSchema:
    name = {"1.2": "EPCglobal-epcis-1_2.xsd", "2.0": "EPCglobal-epcis-2_0.xsd"}[version]
    # no_network: the SBDH and EPCglobal imports must resolve from the local folder.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(corpus_path("epcis", "gs1-EPCIS", "xsd", version, name)), parser))


@cache
def json_schema() -> jsonschema.Draft7Validator:
    path = corpus_path("epcis", "gs1-EPCIS", "schema", "EPCIS-JSON-Schema.json")
    schema = json.loads(path.read_text())
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def assert_valid(data: bytes, format: str) -> None:
    """Fail with the schema's own message when ``data`` is not valid ``format``."""
    if format == "2.0-jsonld":
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in json_schema().iter_errors(json.loads(data))]
        assert errors == []
    else:
        schema = xsd(format[:3])
        ok = schema.validate(etree.fromstring(data))
        assert ok, str(schema.error_log)


FORMATS = ("1.2-xml", "2.0-xml", "2.0-jsonld")


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("build", [dscsa_document, all_fields_document])
def test_written_documents_validate_against_the_gs1_schemas(build, format):
    assert_valid(write_document(build(), format), format)


def test_xsd_imports_resolve_offline_from_the_corpus_folder():
    # SBDH is imported by a relative schemaLocation; a parse that fetched it would fail here.
    assert xsd("1.2").validate(etree.parse(str(corpus_path(
        "epcis", "openepcis-test-resources", "1.2", "EPCIS", "XML", "Capture", "Documents",
        "GS1_US_Pharma_Example_2_2_1_1.xml"))))


GOLDEN_12 = b"""<?xml version='1.0' encoding='UTF-8'?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:gs1ushc="http://epcis.gs1us.org/hc/ns" \
schemaVersion="1.2" creationDate="2023-04-01T08:45:16Z">
  <EPCISBody>
    <EventList>
      <ObjectEvent>
        <eventTime>2023-04-01T07:48:16-05:00</eventTime>
        <eventTimeZoneOffset>-05:00</eventTimeZoneOffset>
        <epcList>
          <epc>urn:epc:id:sscc:030001.41234567890</epc>
        </epcList>
        <action>OBSERVE</action>
        <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
        <disposition>urn:epcglobal:cbv:disp:in_transit</disposition>
        <readPoint>
          <id>urn:epc:id:sgln:030001.111121.0</id>
        </readPoint>
        <bizTransactionList>
          <bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:0399999999991:XYZPO189</bizTransaction>
        </bizTransactionList>
        <extension>
          <sourceList>
            <source type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:sgln:030001.111111.0</source>
            <source type="urn:epcglobal:cbv:sdt:location">urn:epc:id:sgln:030001.111121.0</source>
          </sourceList>
          <destinationList>
            <destination type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:sgln:039999.999999.0</destination>
            <destination type="urn:epcglobal:cbv:sdt:location">urn:epc:id:sgln:039999.345678.0</destination>
          </destinationList>
        </extension>
        <gs1ushc:dropShipment>false</gs1ushc:dropShipment>
      </ObjectEvent>
    </EventList>
  </EPCISBody>
</epcis:EPCISDocument>
"""


def test_1_2_shipping_event_golden():
    doc = Document("1.2", creation_date=t("2023-04-01T08:45:16+00:00"), events=(shipping(),))
    assert write_document(doc, "1.2-xml") == GOLDEN_12


def test_jsonld_uses_the_standard_context_bare_cbv_words_and_inline_prefixes():
    out = json.loads(write_document(all_fields_document(), "2.0-jsonld"))
    assert out["@context"] == ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                               {"example": EX}]
    first = out["epcisBody"]["eventList"][0]
    assert (first["bizStep"], first["disposition"]) == ("inspecting", "conformant")
    assert first["bizTransactionList"] == [
        {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO1"},
        {"bizTransaction": "http://transaction.example.com/x/1"}]
    assert first["sourceList"] == [{"type": "possessing_party", "source": "urn:epc:id:pgln:4000001.00012"}]
    assert first["persistentDisposition"] == {"set": ["completeness_verified"],
                                              "unset": ["completeness_inferred"]}
    assert first["ilmd"] == {"cbvmda:lotNumber": "LOT1"}
    assert first["errorDeclaration"]["reason"] == "incorrect_data"
    assert first["sensorElementList"][0]["sensorReport"] == [
        {"type": "Temperature", "value": 26.5, "uom": "CEL", "example:accuracy": "0.1"}]
    assert first["quantityList"][0] == {"epcClass": "urn:epc:class:lgtin:4012345.012345.998877",
                                        "quantity": 200, "uom": "KGM"}
    assert first["example:myField"] == {"@unit": "x", "example:inner": "1"}


def test_non_standard_cbv_values_stay_full_uris_in_jsonld():
    doc = Document("2.0", creation_date=t("2023-04-01T08:45:16+00:00"),
                   events=(shipping(biz_step="urn:epcglobal:cbv:bizstep:teleporting"),))
    event = json.loads(write_document(doc, "2.0-jsonld"))["epcisBody"]["eventList"][0]
    assert event["bizStep"] == "urn:epcglobal:cbv:bizstep:teleporting"


def test_1_2_puts_2_0_only_fields_where_gs1s_converter_does():
    root = etree.fromstring(write_document(all_fields_document(), "1.2-xml"))
    event_list = root.find("EPCISBody/EventList")
    obj = event_list.find("ObjectEvent")
    assert obj.find("baseExtension/eventID").text == "urn:uuid:6a4a7b34-5d0b-4c0b-9f1b-1b4e2f3a4c5d"
    assert obj.find("baseExtension/extension/certificationInfo").text == "https://cert.example.com/1"
    assert [c.tag for c in obj.find("extension")] == [
        "quantityList", "sourceList", "destinationList", "ilmd", "extension"]
    assert [c.tag for c in obj.find("extension/extension")] == ["sensorElementList", "persistentDisposition"]
    assert event_list.find("extension/TransformationEvent/extension/persistentDisposition") is not None
    assert event_list.find("extension/extension/AssociationEvent/parentID").text == (
        "urn:epc:id:grai:4012345.55555.987")


def test_1_2_header_gets_a_minimal_sbdh_when_master_data_needs_a_header():
    doc = Document("2.0", creation_date=t("2023-04-01T08:45:16+00:00"),
                   master_data=(Vocabulary("urn:epcglobal:epcis:vtype:Location", (SELLER,)),))
    data = write_document(doc, "1.2-xml")
    assert_valid(data, "1.2-xml")
    ns = {"sbdh": "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"}
    root = etree.fromstring(data)
    assert root.findtext("EPCISHeader/sbdh:StandardBusinessDocumentHeader/sbdh:DocumentIdentification/"
                         "sbdh:CreationDateAndTime", namespaces=ns) == "2023-04-01T08:45:16Z"


def test_2_0_xml_writes_header_extensions_in_the_document_wildcard():
    root = etree.fromstring(write_document(dscsa_document(), "2.0-xml"))
    assert root[-1].tag == f"{{{USHC}}}dscsaTransactionStatement"


@pytest.mark.parametrize("format", FORMATS)
def test_unknown_or_missing_things_are_refused_with_the_field_named(format):
    with pytest.raises(EpcisError) as info:
        write_document(Document("2.0"), format)
    assert str(info.value) == "The document has no creation date [field creationDate]; expected a date " \
                              "and time, got 'none'"


def test_unknown_format_is_refused():
    with pytest.raises(EpcisError) as info:
        write_document(dscsa_document(), "1.1-xml")
    assert str(info.value) == ("Unknown output format [field format]; expected 1.2-xml | 2.0-xml | "
                               "2.0-jsonld, got '1.1-xml'")


def test_two_certification_infos_do_not_fit_2_0_xml():
    doc = Document("2.0", creation_date=t("2023-04-01T08:45:16+00:00"),
                   events=(packing(), shipping(certification_info=("urn:a:1", "urn:a:2"))))
    with pytest.raises(EpcisError) as info:
        write_document(doc, "2.0-xml")
    assert str(info.value) == ("event 1: EPCIS 2.0 XML allows one certificationInfo per event "
                               "[field certificationInfo]; expected at most one, got '2'")
    assert json.loads(write_document(doc, "2.0-jsonld"))["epcisBody"]["eventList"][1][
        "certificationInfo"] == ["urn:a:1", "urn:a:2"]


def test_missing_action_is_named():
    doc = Document("2.0", creation_date=t("2023-04-01T08:45:16+00:00"), events=(shipping(action=None),))
    with pytest.raises(EpcisError) as info:
        write_document(doc, "1.2-xml")
    assert str(info.value) == ("event 0: ObjectEvent needs an action [field action]; expected ADD, "
                               "OBSERVE or DELETE, got 'none'")


def test_times_keep_their_offset_and_precision():
    ev = shipping(event_time=datetime(2024, 2, 29, 23, 59, 59, 5000, tzinfo=UTC),
                  record_time=datetime(2024, 3, 1, 1, 0, 0, 123456, tzinfo=EST))
    out = json.loads(write_document(Document("2.0", creation_date=t("2024-03-01T00:00:00+00:00"),
                                             events=(ev,)), "2.0-jsonld"))
    event = out["epcisBody"]["eventList"][0]
    assert (event["eventTime"], event["recordTime"]) == ("2024-02-29T23:59:59.005Z",
                                                         "2024-03-01T01:00:00.123456-05:00")
