"""Event hash: Custody's own decisions and properties (no external vector covers these).

Cases marked "not externally confirmed" pin Custody's behaviour where the reference
implementation crashes or no published vector exists (EVENT-HASH.md section 6, "Gap").
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.hashing import canonical_time, canonical_value, event_hash, prehash
from epcis.model import (
    Action,
    BizTransaction,
    Element,
    Event,
    EventType,
    QuantityElement,
    SourceDest,
)
from epcis.read import read_document

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _event(**kw: object) -> Event:
    base = {"type": EventType.OBJECT, "event_time": T0, "event_time_zone_offset": "+00:00",
            "action": Action.OBSERVE}
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


# -- the ILMD cbvmda trap (EVENT-HASH.md section 7): one event, one hash ------------------
ILMD_12 = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1"
  xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="1.2" creationDate="2024-05-01T12:00:00Z">
 <EPCISBody><EventList><ObjectEvent>
  <eventTime>2024-05-01T08:00:00.000-04:00</eventTime>
  <eventTimeZoneOffset>-04:00</eventTimeZoneOffset>
  <epcList><epc>urn:epc:id:sgtin:0614141.011111.987</epc></epcList>
  <action>ADD</action>
  <bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
  <disposition>urn:epcglobal:cbv:disp:active</disposition>
  <readPoint><id>urn:epc:id:sgln:0614141.00777.0</id></readPoint>
  <extension><ilmd>
   <cbvmda:lotNumber>LOT-A1</cbvmda:lotNumber>
   <cbvmda:itemExpirationDate>2026-12-31</cbvmda:itemExpirationDate>
  </ilmd></extension>
 </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""
ILMD_20 = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"
  xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="2.0" creationDate="2024-05-01T12:00:00Z">
 <EPCISBody><EventList><ObjectEvent>
  <eventTime>2024-05-01T12:00:00Z</eventTime>
  <eventTimeZoneOffset>-04:00</eventTimeZoneOffset>
  <epcList><epc>https://id.gs1.org/01/00614141111114/21/987</epc></epcList>
  <action>ADD</action>
  <bizStep>https://ref.gs1.org/cbv/BizStep-commissioning</bizStep>
  <disposition>https://ref.gs1.org/cbv/Disp-active</disposition>
  <readPoint><id>https://id.gs1.org/414/0614141007776</id></readPoint>
  <ilmd>
   <cbvmda:itemExpirationDate>2026-12-31</cbvmda:itemExpirationDate>
   <cbvmda:lotNumber>LOT-A1</cbvmda:lotNumber>
  </ilmd>
 </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""
ILMD_JSON = b"""{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-05-01T12:00:00Z",
 "epcisBody": {"eventList": [{"type": "ObjectEvent",
  "eventTime": "2024-05-01T08:00:00-04:00", "eventTimeZoneOffset": "-04:00",
  "epcList": ["urn:epc:id:sgtin:0614141.011111.987"], "action": "ADD",
  "bizStep": "commissioning", "disposition": "active",
  "readPoint": {"id": "urn:epc:id:sgln:0614141.00777.0"},
  "ilmd": {"cbvmda:lotNumber": "LOT-A1", "cbvmda:itemExpirationDate": "2026-12-31"}}]}}"""
ILMD_PREHASH = (
    "eventType=ObjectEventeventTime=2024-05-01T12:00:00.000ZeventTimeZoneOffset=-04:00"
    "epcListepc=https://id.gs1.org/01/00614141111114/21/987action=ADD"
    "bizStep=https://ref.gs1.org/cbv/BizStep-commissioning"
    "disposition=https://ref.gs1.org/cbv/Disp-active"
    "readPointid=https://id.gs1.org/414/0614141007776"
    "ilmd{urn:epcglobal:cbv:mda}itemExpirationDate=2026-12-31"
    "{urn:epcglobal:cbv:mda}lotNumber=LOT-A1"
)


def test_commissioning_event_hashes_identically_in_12_xml_20_xml_and_jsonld() -> None:
    pres = [prehash(read_document(src).events[0]) for src in (ILMD_12, ILMD_20, ILMD_JSON)]
    assert pres == [ILMD_PREHASH] * 3


def test_jsonld_standard_context_cbvmda_reads_as_the_xml_namespace() -> None:
    lot = read_document(ILMD_JSON).events[0].ilmd[0]
    assert (lot.ns, lot.name, lot.text, lot.prefix) == ("urn:epcglobal:cbv:mda", "lotNumber",
                                                        "LOT-A1", "cbvmda")


def test_inline_context_namespace_is_kept_verbatim() -> None:
    """A prefix the document declares itself keeps its URI, colon included: the published
    vector epcisDocWithVariousEventTypes (XML and JSON) hashes ``{urn:epcglobal:cbv:mda:}``."""
    src = ILMD_JSON.replace(b'epcis-context.jsonld"]',
                            b'epcis-context.jsonld", {"cbvmda": "urn:epcglobal:cbv:mda:"}]')
    pre = prehash(read_document(src).events[0])
    assert pre.endswith("ilmd{urn:epcglobal:cbv:mda:}itemExpirationDate=2026-12-31"
                        "{urn:epcglobal:cbv:mda:}lotNumber=LOT-A1")


# -- decisions not covered by any vector ----------------------------------------------
def test_typeless_biz_transaction_source_destination() -> None:
    """Not externally confirmed: the reference crashes; Custody emits ``key=V`` alone."""
    e = _event(
        biz_transactions=(BizTransaction("urn:epcglobal:cbv:bt:0614141000005:PO1"),
                          BizTransaction("urn:epcglobal:cbv:bt:0614141000005:PO1",
                                         "urn:epcglobal:cbv:btt:po")),
        sources=(SourceDest("urn:epc:id:pgln:0614141.00000"),),
        destinations=(SourceDest("urn:epc:id:pgln:4012345.00000"),),
    )
    assert prehash(e).endswith(
        "bizTransactionListbizTransaction=urn:epcglobal:cbv:bt:0614141000005:PO1"
        "type=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:epcglobal:cbv:bt:0614141000005:PO1"
        "destinationListdestination=https://id.gs1.org/417/4012345000009"
        "sourceListsource=https://id.gs1.org/417/0614141000005"
    )


def test_json_boolean_renders_like_xml() -> None:
    """Decision: JSON ``true`` hashes as ``true`` (the reference writes Python ``True``)."""
    xml = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
      creationDate="2024-05-01T12:00:00Z"><EPCISBody><EventList><ObjectEvent>
      <eventTime>2024-05-01T12:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
      <action>OBSERVE</action><sensorElementList><sensorElement>
      <sensorReport type="gs1:AT-Alarm_condition" booleanValue="true"/>
      </sensorElement></sensorElementList></ObjectEvent></EventList></EPCISBody>
      </epcis:EPCISDocument>"""
    js = b"""{"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
      "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-05-01T12:00:00Z",
      "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-05-01T12:00:00Z",
      "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "sensorElementList": [
      {"sensorReport": [{"type": "AT-Alarm_condition", "booleanValue": true}]}]}]}}"""
    pre = prehash(read_document(xml).events[0])
    assert pre == prehash(read_document(js).events[0])
    assert pre.endswith("sensorReporttype=https://gs1.org/voc/AT-Alarm_conditionbooleanValue=true")


def test_transaction_event_parent_before_epc_list() -> None:
    """Not externally confirmed (no vector has both): parentID precedes epcList (2a)."""
    e = _event(type=EventType.TRANSACTION, parent_id="urn:epc:id:sscc:0614141.1234567890",
               epc_list=("urn:epc:id:sgtin:0614141.011111.2",), action=Action.ADD)
    assert ("parentID=https://id.gs1.org/00/106141412345678908"
            "epcListepc=https://id.gs1.org/01/00614141111114/21/2action=ADD") in prehash(e)


def test_association_event() -> None:
    """Not externally confirmed (no vector has an AssociationEvent)."""
    e = _event(type=EventType.ASSOCIATION, parent_id="urn:epc:id:grai:4012345.55555.987",
               child_epcs=("urn:epc:id:giai:4000001.12345",), action=Action.ADD,
               child_quantity_list=(QuantityElement("urn:epc:class:lgtin:4012345.012345.L1",
                                                    Decimal("2.50"), "KGM"),))
    assert prehash(e) == (
        "eventType=AssociationEventeventTime=2024-05-01T12:00:00.000ZeventTimeZoneOffset=+00:00"
        "parentID=https://id.gs1.org/8003/04012345555554987"
        "childEPCsepc=https://id.gs1.org/8004/400000112345"
        "childQuantityListquantityElementepcClass=https://id.gs1.org/01/04012345123456/10/L1"
        "quantity=2.5uom=KGMaction=ADD"
    )


def test_excluded_fields_do_not_change_the_hash() -> None:
    e = _event(epc_list=("urn:epc:id:sgtin:0614141.011111.987",))
    other = dataclasses.replace(e, record_time=T0 + timedelta(days=3), event_id="urn:uuid:1")
    assert event_hash(other) == event_hash(e)


def test_timezone_offset_is_hashed() -> None:
    e = _event()
    assert event_hash(e) != event_hash(dataclasses.replace(e, event_time_zone_offset="+01:00"))


def test_time_rounding_half_even_and_overflow() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert canonical_time(datetime(2024, 1, 1, 2, 0, 0, 142500, tzinfo=plus2)) == \
        "2024-01-01T00:00:00.142Z"
    assert canonical_time(datetime(2024, 1, 1, 0, 0, 0, 141500, tzinfo=UTC)) == \
        "2024-01-01T00:00:00.142Z"
    # The reference crashes here (microsecond overflow); Custody carries into the second.
    assert canonical_time(datetime(2024, 12, 31, 23, 59, 59, 999600, tzinfo=UTC)) == \
        "2025-01-01T00:00:00.000Z"


def test_values() -> None:
    assert canonical_value("12345678901234567890") == "12345678901234567168"
    assert canonical_value("007") == "7"
    assert canonical_value("geo:50.9,6.9") == "geo:50.9,6.9"
    assert canonical_value("cbv:Comp-latitude") == "https://ref.gs1.org/cbv/Comp-latitude"
    assert canonical_value("nan") == "nan"


def test_extension_attributes_hash_like_children() -> None:
    ext = Element("http://ns.example.com/", "temp", "20",
                  (("{http://www.w3.org/2001/XMLSchema-instance}type", "xsd:double"),))
    assert prehash(_event(extensions=(ext,))).endswith(
        "{http://ns.example.com/}temp=20{http://www.w3.org/2001/XMLSchema-instance}type=xsd:double")


# -- properties ---------------------------------------------------------------------------
serial = st.text(alphabet="ABCXYZ0123456789-", min_size=1, max_size=12)
epc = st.builds(lambda ref, s: f"urn:epc:id:sgtin:0614141.{ref:06d}.{s}",
                st.integers(0, 999_999), serial)
dl = st.builds(lambda s: f"https://id.gs1.org/01/09506000134352/21/{s}", serial)


@st.composite
def events(draw: st.DrawFn) -> Event:
    return Event(
        type=draw(st.sampled_from(list(EventType))),
        event_time=draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                                     timezones=st.just(UTC))),
        event_time_zone_offset=draw(st.sampled_from(["+00:00", "-05:00", "+05:30"])),
        epc_list=tuple(draw(st.lists(st.one_of(epc, dl), max_size=8))),
        child_epcs=tuple(draw(st.lists(epc, max_size=4))),
        action=draw(st.sampled_from(list(Action))),
        biz_step=draw(st.sampled_from([None, "urn:epcglobal:cbv:bizstep:shipping",
                                       "https://example.com/step"])),
        biz_transactions=tuple(draw(st.lists(st.builds(
            BizTransaction, serial, st.sampled_from([None, "urn:epcglobal:cbv:btt:po"])),
            max_size=3))),
        quantity_list=tuple(draw(st.lists(st.builds(
            QuantityElement, st.just("urn:epc:class:lgtin:0614141.011111.L1"),
            st.decimals(0, 1000, places=2), st.sampled_from([None, "KGM"])), max_size=3))),
    )


@settings(max_examples=200, deadline=None)
@given(events(), st.randoms(use_true_random=False))
def test_prehash_deterministic_and_list_order_insensitive(e: Event, rnd) -> None:  # noqa: ANN001
    first = prehash(e)
    assert prehash(e) == first
    shuffled = {}
    for name in ("epc_list", "child_epcs", "biz_transactions", "quantity_list"):
        items = list(getattr(e, name))
        rnd.shuffle(items)
        shuffled[name] = tuple(items)
    assert prehash(dataclasses.replace(e, **shuffled)) == first
    assert event_hash(e).startswith("ni:///sha-256;") and event_hash(e).endswith("?ver=CBV2.0")


@settings(max_examples=100, deadline=None)
@given(events(), epc)
def test_an_extra_epc_changes_the_hash(e: Event, extra: str) -> None:
    if extra not in e.epc_list:
        assert event_hash(dataclasses.replace(e, epc_list=e.epc_list + (extra,))) != event_hash(e)
