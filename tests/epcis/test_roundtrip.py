"""Round trips: corpus documents and generated events survive every writer and reader unchanged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epcis import cbv
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
from epcis.read import read_document
from epcis.write import write_document
from tests.corpus import CORPUS, corpus_path
from tests.epcis.test_write import FORMATS, all_fields_document, assert_valid, dscsa_document

ROOT = CORPUS / "epcis"
SKIP_DIRS = ("/Invalid/", "/xsd/", "/schema/", "/context/", "/CaptureJob/")


def readable_corpus() -> list[Path]:
    """Corpus documents the readers accept (the corpus test says why the others are refused)."""
    out = []
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in (".xml", ".json", ".jsonld") or any(d in str(path) for d in SKIP_DIRS):
            continue
        try:
            read_document(path)
        except (EpcisError, ValueError):
            continue
        out.append(path)
    return out


CORPUS_DOCS = readable_corpus() if ROOT.exists() else []
#: GS1's 1.2 example carries an unqualified user element (<extension><extension><myField>); EPCIS 2.0
#: events accept namespaced extensions only (XML ``##other``, JSON-LD prefixed keys), so the writer
#: keeps it in an ``extension`` wrapper where GS1's 1.2-to-2.0 stylesheet puts it: read back
#: unchanged; valid 2.0 JSON-LD (its schema admits the member) but not valid 2.0 XML.
UNQUALIFIED_IN_2_0 = {"gs1-EPCIS/epcis-1.2-xml/ObjectEvent.xml"}


#: Sources whose own content breaks a JSON Schema rule that XML does not have; the writer keeps the
#: data rather than invent or drop it.
SOURCE_BREAKS_SCHEMA = {
    ("SensorDataExamples.xml", "2.0-jsonld"): "sensorReport without type (JSON Schema requires it)",
    ("ObjectEvent_all_possible_fields.xml", "2.0-jsonld"): "ilmd on an OBSERVE event",
    ("epcisDocWithAllGS1Keys.xml", "2.0-jsonld"): "the same EPC twice in epcList (uniqueItems)",
    ("decommission.xml", "2.0-jsonld"): "bizStep urn:epcglobal:cbv:bizstep:decomissioning (misspelt CBV URN)",
}


def roundtrip(doc: Document, fmt: str) -> Document:
    back = read_document(write_document(doc, fmt))
    return dataclasses.replace(back, schema_version=doc.schema_version)


def expected_after(doc: Document, fmt: str) -> Document:
    if fmt == "1.2-xml" and doc.sbdh is None and (doc.master_data or doc.header_extensions):
        # EPCIS 1.2 requires an SBDH in any header: the writer adds a minimal one.
        return dataclasses.replace(doc, sbdh=Sbdh(creation_time=doc.creation_date, document_type="Events"))
    return doc


def test_the_corpus_has_readable_documents():
    corpus_path("epcis")  # fails in CI, skips elsewhere, when the corpus is missing
    assert len(CORPUS_DOCS) >= 90


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", CORPUS_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_corpus_documents_round_trip(path, fmt):
    doc = read_document(path)
    data = write_document(doc, fmt)
    if fmt == "2.0-xml" and str(path.relative_to(ROOT)) in UNQUALIFIED_IN_2_0:
        with pytest.raises(AssertionError):
            assert_valid(data, fmt)
    elif (path.name, fmt) not in SOURCE_BREAKS_SCHEMA:
        assert_valid(data, fmt)
    back = roundtrip(doc, fmt)
    if fmt == "2.0-xml" and doc.header_extensions and not back.header_extensions:
        # Known reader gap (ADR 0004): 2.0 XML header extensions sit after EPCISBody, the only
        # XSD-valid place; the streaming reader sees root children only up to the first event.
        back = dataclasses.replace(back, header_extensions=doc.header_extensions)
    assert back == expected_after(doc, fmt)


@pytest.mark.parametrize("build", [dscsa_document, all_fields_document])
def test_1_2_to_jsonld_to_model_and_back_is_equal(build):
    doc = build()
    for first, second in (("1.2-xml", "2.0-jsonld"), ("2.0-xml", "2.0-jsonld"), ("2.0-jsonld", "1.2-xml")):
        via = roundtrip(roundtrip(doc, first), second)
        assert via == expected_after(doc, "1.2-xml" if "1.2-xml" in (first, second) else second)


# -- generated events ----------------------------------------------------------------------------
digits = st.text("0123456789", min_size=1, max_size=1)
serial = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=12)
sgtin = st.builds(lambda cp, ir, s: f"urn:epc:id:sgtin:{cp}.{ir}.{s}",
                  st.from_regex(r"0[0-9]{6}", fullmatch=True), st.from_regex(r"[0-9]{6}", fullmatch=True), serial)
sscc = st.builds(lambda cp, r: f"urn:epc:id:sscc:{cp}.{r}", st.from_regex(r"0[0-9]{6}", fullmatch=True),
                 st.from_regex(r"[0-9]{10}", fullmatch=True))
sgln = st.builds(lambda cp, r: f"urn:epc:id:sgln:{cp}.{r}.0", st.from_regex(r"0[0-9]{6}", fullmatch=True),
                 st.from_regex(r"[0-9]{5}", fullmatch=True))
epcs = st.lists(st.one_of(sgtin, sscc), min_size=1, max_size=4, unique=True).map(tuple)
lgtin = st.builds(lambda cp, ir, lot: f"urn:epc:class:lgtin:{cp}.{ir}.{lot}",
                  st.from_regex(r"0[0-9]{6}", fullmatch=True), st.from_regex(r"[0-9]{6}", fullmatch=True), serial)
quantities = st.lists(st.builds(QuantityElement, lgtin,
                                st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
                                st.sampled_from(["KGM", "LTR", "EA"])), max_size=2).map(tuple)
offsets = st.integers(-48, 56).map(lambda q: timezone(timedelta(minutes=15 * q)))


@st.composite
def times(draw) -> tuple[datetime, str]:
    tz = draw(offsets)
    base = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
    value = base.replace(microsecond=draw(st.integers(0, 999)) * 1000, tzinfo=tz)
    offset = value.strftime("%z")
    return value, f"{offset[:3]}:{offset[3:]}"


def cbv_value(kind: str) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(cbv.WORDS[kind])).map(lambda w: f"urn:epcglobal:cbv:{kind}:{w}")


NAMESPACES = [("http://ns.example.com/epcis/", "example"), ("http://epcis.gs1us.org/hc/ns", "gs1ushc"),
              ("urn:example:ext", None)]
names = st.from_regex(r"[a-z][A-Za-z0-9]{0,8}", fullmatch=True)
text = st.text("abcXYZ019 -_.", min_size=1, max_size=10).map(str.strip).filter(bool)


@st.composite
def extension(draw, depth: int = 0) -> Element:
    ns, prefix = draw(st.sampled_from(NAMESPACES))
    children = () if depth else tuple(draw(st.lists(extension(depth=1), max_size=2)))
    return Element(ns, draw(names), None if children else draw(text), children=children, prefix=prefix)


@st.composite
def events(draw) -> Event:
    kind = draw(st.sampled_from(list(EventType)))
    when, offset = draw(times())
    fields: dict[str, object] = dict(
        type=kind, event_time=when, event_time_zone_offset=offset,
        biz_step=draw(st.none() | cbv_value("bizstep")), disposition=draw(st.none() | cbv_value("disp")),
        read_point=draw(st.none() | sgln.map(Location)), biz_location=draw(st.none() | sgln.map(Location)),
        biz_transactions=tuple(draw(st.lists(st.builds(BizTransaction, text.map(lambda s: "urn:bt:" + s.replace(
            " ", "")), st.none() | cbv_value("btt")), max_size=2))),
        extensions=tuple(draw(st.lists(extension(), max_size=2))),
        event_id=draw(st.none() | st.uuids().map(lambda u: f"urn:uuid:{u}")),
    )
    if kind is not EventType.TRANSFORMATION:
        fields["action"] = draw(st.sampled_from(list(Action)))
    if kind is EventType.OBJECT:
        fields["epc_list"] = draw(epcs)
        fields["quantity_list"] = draw(quantities)
        if fields["action"] is Action.ADD:
            fields["ilmd"] = tuple(draw(st.lists(extension(), max_size=2)))
    elif kind in (EventType.AGGREGATION, EventType.ASSOCIATION):
        fields["parent_id"] = draw(sscc)
        fields["child_epcs"] = draw(epcs)
        fields["child_quantity_list"] = draw(quantities)
    elif kind is EventType.TRANSACTION:
        fields["epc_list"] = draw(epcs)
        if not fields["biz_transactions"]:
            fields["biz_transactions"] = (BizTransaction("urn:bt:1", "urn:epcglobal:cbv:btt:po"),)
    else:
        fields["input_epc_list"], fields["output_epc_list"] = draw(epcs), draw(epcs)
    if kind is not EventType.OBJECT or draw(st.booleans()):
        fields["sources"] = tuple(draw(st.lists(st.builds(SourceDest, sgln, cbv_value("sdt")), max_size=2)))
        fields["destinations"] = tuple(draw(st.lists(st.builds(SourceDest, sgln, cbv_value("sdt")), max_size=2)))
    if draw(st.booleans()):
        fields["persistent_disposition"] = PersistentDisposition(set=(draw(cbv_value("disp")),))
    if draw(st.booleans()):
        fields["sensor_elements"] = tuple(draw(st.lists(sensor_elements(), min_size=1, max_size=2)))
    if draw(st.booleans()):
        fields["error_declaration"] = ErrorDeclaration(
            draw(times())[0], draw(st.none() | cbv_value("er")),
            tuple(draw(st.lists(st.uuids().map(lambda u: f"urn:uuid:{u}"), max_size=2))))
    if draw(st.booleans()):
        fields["certification_info"] = (draw(st.uuids().map(lambda u: f"https://cert.example.com/{u}")),)
    return Event(**fields)  # type: ignore[arg-type]


numbers = st.one_of(st.integers(-40, 200).map(str),
                    st.floats(-40, 200, allow_nan=False).map(lambda f: repr(round(f, 2))))
measurement = st.sampled_from(["Temperature", "RelativeHumidity", "Speed"]).map(lambda w: cbv.GS1_VOC + w)


@st.composite
def sensor_elements(draw) -> SensorElement:
    when = draw(times())[0]
    meta = SensorReport((("time", when.isoformat(timespec="milliseconds")),
                         ("deviceID", draw(st.from_regex(r"urn:epc:id:giai:4000001\.[0-9]{1,5}", fullmatch=True)))))
    reports = []
    for _ in range(draw(st.integers(1, 3))):
        fields = [("type", draw(measurement)), ("value", draw(numbers)), ("uom", draw(st.sampled_from(["CEL",
                                                                                                      "P1", "KMH"])))]
        if draw(st.booleans()):
            fields.append(("booleanValue", draw(st.sampled_from(["true", "false"]))))
        if draw(st.booleans()):
            fields.append(("{http://ns.example.com/epcis/}accuracy", draw(text)))
        reports.append(SensorReport(tuple(fields)))
    return SensorElement(draw(st.none() | st.just(meta)), tuple(reports),
                         tuple(draw(st.lists(extension(depth=1), max_size=1))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=4), st.sampled_from(FORMATS))
def test_generated_events_round_trip_and_validate(evs, fmt):
    doc = Document("2.0", creation_date=datetime(2024, 1, 1, tzinfo=UTC), events=tuple(evs))
    data = write_document(doc, fmt)
    assert_valid(data, fmt)
    back = dataclasses.replace(read_document(data), schema_version="2.0")
    assert back == doc


def test_decimal_quantities_keep_their_value():
    q = QuantityElement("urn:epc:class:lgtin:0614141.012345.L1", Decimal("2.50"), "KGM")
    doc = dataclasses.replace(dscsa_document(), events=(dataclasses.replace(
        dscsa_document().events[0], quantity_list=(q,)),))
    for fmt in FORMATS:
        assert roundtrip(doc, fmt).events[0].quantity_list == (q,)


attribute_ids = st.sampled_from(["urn:epcglobal:cbv:mda#regulatedProductName", "urn:epcglobal:cbv:mda#city",
                                 "urn:epcglobal:cbv:mda#name", "http://example.com/ext1#code"])


@st.composite
def headers(draw) -> dict[str, object]:
    vocab = Vocabulary(draw(st.sampled_from(["urn:epcglobal:epcis:vtype:EPCClass",
                                             "urn:epcglobal:epcis:vtype:Location"])),
                       tuple(VocabularyElement(draw(sgln), tuple(draw(st.lists(st.tuples(attribute_ids, text),
                                                                               max_size=3))),
                                               tuple(draw(st.lists(sgln, max_size=2))))
                             for _ in range(draw(st.integers(1, 3)))))
    when = draw(times())[0]
    sbdh = Sbdh(draw(sgln), draw(sgln), draw(st.from_regex(r"[A-Z0-9]{4,10}", fullmatch=True)), when, "Events")
    return dict(sbdh=sbdh, master_data=(vocab,), header_extensions=tuple(draw(st.lists(extension(), max_size=2))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers(), st.lists(events(), min_size=1, max_size=3), st.sampled_from(["1.2-xml", "2.0-jsonld"]))
def test_generated_documents_with_header_round_trip(header, evs, fmt):
    doc = Document("1.2", creation_date=datetime(2024, 1, 1, tzinfo=UTC), events=tuple(evs), **header)
    data = write_document(doc, fmt)
    assert_valid(data, fmt)
    assert dataclasses.replace(read_document(data), schema_version="1.2") == doc
