"""Readers: EPCIS 1.2 XML, 2.0 XML and 2.0 JSON-LD into one model."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from epcis.errors import EpcisError, UnsupportedFormatError
from epcis.hashing import event_hash
from epcis.model import (
    Action,
    BizTransaction,
    Element,
    EventType,
    Location,
    PersistentDisposition,
    QuantityElement,
    SourceDest,
)
from epcis.read import detect_format, iter_events, read_document
from tests.corpus import corpus_path
from tests.epcis.test_hash import ILMD_12, ILMD_JSON

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def doc12(events: str, header: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:ex="http://ex.com/ns"
 xmlns:xsi="{XSI}" schemaVersion="1.2" creationDate="2024-05-01T12:00:00Z">{header}
<EPCISBody><EventList>{events}</EventList></EPCISBody></epcis:EPCISDocument>""".encode()


OBJECT = """<ObjectEvent>
  <eventTime>2024-05-01T08:00:00.000-04:00</eventTime>
  <eventTimeZoneOffset>-04:00</eventTimeZoneOffset>
  <epcList><epc>urn:epc:id:sgtin:0614141.011111.1</epc><epc> urn:epc:id:sgtin:0614141.011111.2 </epc></epcList>
  <action>OBSERVE</action>
  <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
  <disposition>urn:epcglobal:cbv:disp:in_transit</disposition>
  <readPoint><id>urn:epc:id:sgln:0614141.00777.0</id></readPoint>
  <bizTransactionList>
    <bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:0614141000005:PO1</bizTransaction>
  </bizTransactionList>
  <extension>
    <quantityList><quantityElement><epcClass>urn:epc:class:lgtin:0614141.011111.L1</epcClass>
      <quantity>2.50</quantity><uom>KGM</uom></quantityElement></quantityList>
    <sourceList><source type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:0614141.00000</source></sourceList>
    <destinationList><destination type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:4012345.00000</destination></destinationList>
  </extension>
  <ex:temp xsi:type="xsd:double" unit="C">20<!-- a comment --></ex:temp>
  <ex:box><ex:inner>x</ex:inner></ex:box>
</ObjectEvent>"""


def test_reads_a_12_object_event_with_extension_wrappers_dissolved() -> None:
    doc = read_document(doc12(OBJECT))
    assert doc.schema_version == "1.2"
    assert doc.creation_date == datetime(2024, 5, 1, 12, tzinfo=UTC)
    (e,) = doc.events
    assert e.type is EventType.OBJECT
    assert e.event_time == datetime(2024, 5, 1, 8, tzinfo=timezone(timedelta(hours=-4)))
    assert e.event_time_zone_offset == "-04:00"
    assert e.epc_list == ("urn:epc:id:sgtin:0614141.011111.1", "urn:epc:id:sgtin:0614141.011111.2")
    assert e.action is Action.OBSERVE
    assert e.biz_step == "urn:epcglobal:cbv:bizstep:shipping"
    assert e.read_point == Location("urn:epc:id:sgln:0614141.00777.0")
    assert e.biz_transactions == (BizTransaction("urn:epcglobal:cbv:bt:0614141000005:PO1",
                                                 "urn:epcglobal:cbv:btt:po"),)
    assert e.quantity_list == (QuantityElement("urn:epc:class:lgtin:0614141.011111.L1",
                                               Decimal("2.50"), "KGM"),)
    assert e.sources == (SourceDest("urn:epc:id:pgln:0614141.00000",
                                    "urn:epcglobal:cbv:sdt:owning_party"),)
    assert e.destinations[0].value == "urn:epc:id:pgln:4012345.00000"
    assert e.extensions == (
        Element("http://ex.com/ns", "temp", "20", ((f"{{{XSI}}}type", "xsd:double"),
                                                   ("unit", "C"))),
        Element("http://ex.com/ns", "box", children=(Element("http://ex.com/ns", "inner", "x"),)),
    )
    assert e.extensions[0].prefix == "ex"


def test_12_event_inside_eventlist_extension() -> None:
    transformation = """<extension><TransformationEvent>
      <eventTime>2024-05-01T12:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
      <inputEPCList><epc>urn:epc:id:sgtin:0614141.011111.1</epc></inputEPCList>
      <outputEPCList><epc>urn:epc:id:sgtin:0614141.022222.1</epc></outputEPCList>
      <transformationID>urn:epc:id:gdti:0614141.00001.1</transformationID>
      <ilmd><ex:grade>A</ex:grade></ilmd>
    </TransformationEvent></extension>"""
    events = list(iter_events(doc12(OBJECT + transformation + OBJECT)))
    assert [e.type for e in events] == [EventType.OBJECT, EventType.TRANSFORMATION,
                                        EventType.OBJECT]
    t = events[1]
    assert t.action is None
    assert t.output_epc_list == ("urn:epc:id:sgtin:0614141.022222.1",)
    assert t.ilmd == (Element("http://ex.com/ns", "grade", "A"),)


def test_same_event_same_model_from_12_xml_and_jsonld() -> None:
    xml, js = read_document(ILMD_12).events[0], read_document(ILMD_JSON).events[0]
    assert xml == js


def test_sources_of_every_kind() -> None:
    data = doc12(OBJECT)
    expected = read_document(data)
    assert read_document(data.decode()) == expected
    assert read_document(io.BytesIO(data)) == expected
    assert read_document(data, format="1.2-xml") == expected


def test_path_source(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "doc.xml"
    path.write_bytes(doc12(OBJECT))
    assert len(read_document(path).events) == 1
    assert len(read_document(str(path)).events) == 1


def test_format_mismatch() -> None:
    with pytest.raises(UnsupportedFormatError) as info:
        read_document(doc12(OBJECT), format="2.0-jsonld")
    assert str(info.value) == ("document format differs from the one requested; "
                               "expected 2.0-jsonld, got '1.2-xml'")


@pytest.mark.parametrize("head, fmt", [
    (b'\xef\xbb\xbf  <?xml version="1.0"?><epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1"',
     "1.2-xml"),
    (b'<epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:2"', "2.0-xml"),
    (b'\n {"@context": []}', "2.0-jsonld"),
])
def test_detect_format(head: bytes, fmt: str) -> None:
    assert detect_format(head) == fmt


def test_detect_format_refuses_other_xml() -> None:
    with pytest.raises(UnsupportedFormatError) as info:
        detect_format(b"<html><body/></html>")
    assert str(info.value) == ("no EPCIS namespace in the document head; expected "
                               "urn:epcglobal:epcis:xsd:1 or urn:epcglobal:epcis:xsd:2, "
                               "got '<html><body/></html>'")


def test_guideline_example_header_master_data_and_statement() -> None:
    doc = read_document(corpus_path("epcis", "openepcis-test-resources", "1.2", "EPCIS", "XML",
                                    "Capture", "Documents", "GS1_US_Pharma_Example_2_2_1_1.xml"))
    sbdh = doc.sbdh
    assert sbdh is not None
    assert (sbdh.sender, sbdh.receiver, sbdh.document_id, sbdh.document_type) == (
        "urn:epc:id:sgln:030001.111111.0", "urn:epc:id:sgln:039999.999999.0", "1100220001",
        "Events")
    assert sbdh.creation_time == datetime(2023, 4, 1, 8, 45, 16, tzinfo=UTC)
    assert [(v.type, len(v.elements)) for v in doc.master_data] == [
        ("urn:epcglobal:epcis:vtype:EPCClass", 2), ("urn:epcglobal:epcis:vtype:Location", 4)]
    product = doc.master_data[0].elements[0]
    assert product.id == "urn:epc:idpat:sgtin:030001.0012345.*"
    assert product.attribute("urn:epcglobal:cbv:mda#regulatedProductName") == "Epcistra"
    statement = next(x for x in doc.header_extensions if x.name == "dscsaTransactionStatement")
    assert statement.ns == "http://epcis.gs1us.org/hc/ns"
    assert statement.children[0] == Element("http://epcis.gs1us.org/hc/ns",
                                            "affirmTransactionStatement", "true")
    assert len(doc.events) == 8
    assert doc.events[0].ilmd[0] == Element("urn:epcglobal:cbv:mda", "lotNumber", "A123")


def test_jsonld_master_data_ids_canonical() -> None:
    js = b"""{"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
     "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-05-01T12:00:00Z",
     "epcisHeader": {"epcisMasterData": {"vocabularyList": [{"type":
       "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": [{"id":
       "urn:epc:idpat:sgtin:030001.0012345.*", "attributes": [
         {"id": "cbvmda:regulatedProductName", "attribute": "Epcistra"},
         {"id": "urn:epcglobal:cbv:mda:dosageFormType", "attribute": "PILL"}]}]}]}},
     "epcisBody": {"eventList": []}}"""
    (voc,) = read_document(js).master_data
    assert voc.elements[0].attributes == (
        ("urn:epcglobal:cbv:mda#regulatedProductName", "Epcistra"),
        ("urn:epcglobal:cbv:mda#dosageFormType", "PILL"))


def test_query_documents_xml_and_json() -> None:
    base = ("event-hash", "RalphTro-epcis-event-hash-generator", "examples")
    xml = read_document(corpus_path(*base, "epcisQueryDocument.xml"))
    js = read_document(corpus_path(*base, "epcisQueryDocument.jsonld"))
    assert len(xml.events) == len(js.events) == 2
    assert xml.events[1].biz_location == js.events[1].biz_location


def test_20_sensor_persistent_disposition_and_error_declaration() -> None:
    doc = read_document(corpus_path("event-hash", "gs1-EPCIS-WithEventHashID",
                                    "event_with_identical_hash_id_7.json"))
    e = doc.events[0]
    assert e.persistent_disposition == PersistentDisposition(
        ("urn:epcglobal:cbv:disp:completeness_verified",),
        ("urn:epcglobal:cbv:disp:completeness_inferred",))
    report = e.sensor_elements[0].reports[0]
    assert ("type", "https://gs1.org/voc/Temperature") in report.fields
    assert ("booleanValue", "true") in report.fields
    assert ("value", "26.0") in report.fields
    assert ("{http://example.com/ext1}someFurtherReportData", "someText") in report.fields
    base = ("event-hash", "RalphTro-epcis-event-hash-generator", "examples")
    err = read_document(corpus_path(*base, "epcisDocWithXMLstartTagAndErrorDeclaration.xml"))
    decl = err.events[0].error_declaration
    assert decl is not None and decl.reason == "urn:epcglobal:cbv:er:incorrect_data"


# -- errors, asserted verbatim -------------------------------------------------------
def _error(data: bytes) -> EpcisError:
    with pytest.raises(EpcisError) as info:
        read_document(data)
    return info.value


def test_missing_event_time_names_event_and_line() -> None:
    bad = OBJECT.replace("<eventTime>2024-05-01T08:00:00.000-04:00</eventTime>", "")
    err = _error(doc12(OBJECT + bad))
    assert str(err) == ("event 1, line 23: ObjectEvent lacks eventTime [field eventTime]; "
                        "expected an eventTime element")
    assert (err.event_index, err.line, err.field) == (1, 23, "eventTime")


def test_bad_action() -> None:
    err = _error(doc12(OBJECT.replace("<action>OBSERVE</action>", "<action>OBSERV</action>")))
    assert str(err) == ("event 0, line 8: bad action [field action]; "
                        "expected ADD, OBSERVE or DELETE, got 'OBSERV'")


def test_event_time_without_zone_is_local_time_at_the_event_offset() -> None:
    # A 1.2 eventTime is an xsd:dateTime (zone optional, QU4RTET sends it so); the event's own
    # eventTimeZoneOffset is the only zone the sender can have meant.
    zoned = read_document(doc12(OBJECT)).events[0]
    local = read_document(doc12(OBJECT.replace("08:00:00.000-04:00", "08:00:00"))).events[0]
    assert local.event_time.isoformat() == "2024-05-01T08:00:00-04:00"
    assert event_hash(local) == event_hash(zoned)
    # The offset decides: the same wall-clock time elsewhere is another instant.
    moved = OBJECT.replace("08:00:00.000-04:00", "08:00:00").replace(
        "<eventTimeZoneOffset>-04:00", "<eventTimeZoneOffset>+05:30")
    assert read_document(doc12(moved)).events[0].event_time.isoformat() == "2024-05-01T08:00:00+05:30"


def test_timestamp_without_zone_elsewhere_is_refused() -> None:
    err = _error(doc12(OBJECT.replace("<action>", "<recordTime>2024-05-01T08:00:00</recordTime>"
                                      "<action>")))
    assert str(err) == ("event 0, line 8: bad timestamp [field recordTime]; expected an ISO 8601 "
                        "date-time with a time zone offset or Z, got '2024-05-01T08:00:00'")
    err = _error(doc12(OBJECT.replace("08:00:00.000-04:00", "2024-05-01")))
    assert str(err) == ("event 0, line 5: bad timestamp [field eventTime]; expected an ISO 8601 "
                        "date-time with a time zone offset or Z, got '2024-05-01T2024-05-01'")


def test_missing_action() -> None:
    err = _error(doc12(OBJECT.replace("<action>OBSERVE</action>", "")))
    assert str(err) == ("event 0, line 4: ObjectEvent lacks action [field action]; "
                        "expected ADD, OBSERVE or DELETE")


def test_unknown_element_in_standard_namespace() -> None:
    err = _error(doc12(OBJECT.replace("<action>", "<madeUp>1</madeUp><action>")))
    assert str(err) == ("event 0, line 8: unknown element in ObjectEvent [field madeUp]; "
                        "expected an EPCIS field or a namespaced extension, got 'madeUp'")


def test_unknown_element_in_event_list() -> None:
    err = _error(doc12(OBJECT + "<Nonsense/>" + OBJECT))
    assert str(err) == ("line 23: unknown element in EventList [field Nonsense]; "
                        "expected an EPCIS event, got 'Nonsense'")


def test_bad_quantity() -> None:
    err = _error(doc12(OBJECT.replace("<quantity>2.50</quantity>", "<quantity>lots</quantity>")))
    assert str(err) == ("event 0, line 17: bad quantity [field quantityList/quantity]; "
                        "expected a decimal number, got 'lots'")


def test_not_well_formed() -> None:
    err = _error(doc12(OBJECT.replace("</action>", "</acton>")))
    assert err.line == 8 and err.column is not None
    assert str(err).startswith("line 8, column ")
    assert "document is not well-formed XML" in str(err)


def test_not_an_epcis_root() -> None:
    data = b'<x:Other xmlns:x="urn:epcglobal:epcis:xsd:1"/>'
    with pytest.raises(UnsupportedFormatError) as info:
        read_document(data)
    assert str(info.value) == (
        "line 1: not an EPCIS XML document [field root element]; expected epcis:EPCISDocument "
        "or epcisq:EPCISQueryDocument in the namespace urn:epcglobal:epcis:xsd:1 or "
        "urn:epcglobal:epcis:xsd:2, got '{urn:epcglobal:epcis:xsd:1}Other'")


JSON_HEAD = (b'{"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", '
             b'"type": "EPCISDocument", "schemaVersion": "2.0", '
             b'"creationDate": "2024-05-01T12:00:00Z", "epcisBody": {"eventList": [')


def _json(*events: bytes) -> bytes:
    return JSON_HEAD + b", ".join(events) + b"]}}"


GOOD_JSON = (b'{"type": "ObjectEvent", "eventTime": "2024-05-01T12:00:00Z", '
             b'"eventTimeZoneOffset": "+00:00", "action": "ADD", "bizStep": "commissioning"}')


def test_json_errors_carry_pointer_and_index() -> None:
    bad = GOOD_JSON.replace(b'"ADD"', b'"CREATE"')
    err = _error(_json(GOOD_JSON, bad))
    assert str(err) == ("event 1, at /epcisBody/eventList/1/action: bad action [field action]; "
                        "expected ADD, OBSERVE or DELETE, got 'CREATE'")
    assert err.pointer == "/epcisBody/eventList/1/action"


def test_json_event_type_that_is_not_a_string_is_an_unknown_type() -> None:
    err = _error(_json(GOOD_JSON.replace(b'"ObjectEvent"', b'["ObjectEvent"]')))
    assert str(err) == ("event 0, at /epcisBody/eventList/0/type: unknown event type [field type]; "
                        "expected ObjectEvent, AggregationEvent, TransactionEvent, "
                        "TransformationEvent or AssociationEvent, got \"['ObjectEvent']\"")


def test_json_missing_event_time() -> None:
    err = _error(_json(GOOD_JSON.replace(b'"eventTime": "2024-05-01T12:00:00Z", ', b"")))
    assert str(err) == ("event 0, at /epcisBody/eventList/0: ObjectEvent lacks eventTime "
                        "[field eventTime]; expected a eventTime member")


def test_json_unknown_field_and_undeclared_prefix() -> None:
    err = _error(_json(GOOD_JSON.replace(b'"action"', b'"madeUp": 1, "action"')))
    assert str(err) == ("event 0, at /epcisBody/eventList/0/madeUp: unknown field in ObjectEvent "
                        "[field madeUp]; expected an EPCIS field or a prefixed extension, "
                        "got 'madeUp'")
    err = _error(_json(GOOD_JSON.replace(b'"action"', b'"acme:x": 1, "action"')))
    assert str(err) == ("at /epcisBody/eventList/0/acme:x: undeclared prefix in extension key "
                        "[field acme:x]; expected a prefix declared in an inline @context "
                        "object, got 'acme'")


def test_json_not_json() -> None:
    err = _error(b'{"type": ')
    assert str(err).startswith("line 1, column 10: document is not valid JSON")


def test_json_extension_tree_and_inline_prefix() -> None:
    data = _json(GOOD_JSON.replace(b'"action"', b'"acme:box": {"acme:n": [1, 2], '
                                   b'"plain": true}, "action"')).replace(
        b'"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"',
        b'"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", '
        b'{"acme": "https://acme.example/ns/"}]')
    (e,) = read_document(data).events
    ns = "https://acme.example/ns/"
    assert e.extensions == (Element(ns, "box", children=(
        Element(ns, "n", "1"), Element(ns, "n", "2"), Element("", "plain", "true"))),)


def test_20_master_data_with_element_values() -> None:
    doc = read_document(corpus_path("epcis", "gs1-EPCIS", "epcis-2.0-xml",
                                    "WithFullCombinationOfFields",
                                    "masterdata_all_possible_fields.xml"))
    element = doc.master_data[0].elements[0]
    assert element.id == "urn:epc:id:sgln:0037000.00729.0"
    assert element.attributes[:3] == (
        ("http://example.com/ext1#string", "stringValue"),
        ("http://example.com/ext1#array", "string1InArray"),
        ("http://example.com/ext1#array", "string2InArray"))
    complex_value = element.attribute("http://example.com/ext1#object1")
    assert isinstance(complex_value, Element) and complex_value.name == "attribute"
    assert [c.clark for c in complex_value.children] == [
        "{http://example.com/ext1/}object2", "{http://example.com/ext1/}string"]


def test_json_size_limit() -> None:
    from epcis.errors import HostileDocumentError
    from epcis.safexml import Limits

    with pytest.raises(HostileDocumentError) as info:
        read_document(_json(GOOD_JSON), limits=Limits(max_bytes=100))
    assert str(info.value) == ("document exceeds the size limit; expected at most 100 bytes, "
                               "got 'more than 100 bytes'")


def test_json_document_level_sbdh_stand_ins() -> None:
    doc = read_document(corpus_path("epcis", "gs1-EPCIS", "epcis-2.0-jsonld",
                                    "Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld"))
    assert doc.sbdh is not None
    assert (doc.sbdh.sender, doc.sbdh.receiver, doc.sbdh.document_id) == (
        "urn:epc:id:sgln:0353579.00001.0", "urn:epc:id:sgln:5012345.00001.0", "1234567890")
