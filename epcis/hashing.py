"""CBV 2.0 event hash ID: one canonical pre-hash string per event, computed from the model.

The canonical form is defined once, here, from :class:`~epcis.model.Event`, so the same
event read from EPCIS 1.2 XML, 2.0 XML or 2.0 JSON-LD hashes identically. It follows what
the published vectors of the reference implementation encode (see
``docs/decisions/0003-event-hash-canonical-form.md``):

1. ``eventType=...``, then an ordered pass over the standard fields (eventTime,
   eventTimeZoneOffset, certificationInfo, parentID, epcList, inputEPCList, childEPCs,
   quantityList, childQuantityList, inputQuantityList, outputEPCList, outputQuantityList,
   action, transformationID, bizStep, disposition, persistentDisposition, readPoint,
   bizLocation, sensorElementList);
2. then every remaining part (bizTransactionList, destinationList, ilmd, sourceList, user
   extensions, unplaced sensor/location extensions) rendered and sorted as whole strings.

Values are trimmed; times go to UTC milliseconds (round half even); numbers are
normalised; CBV URNs become ``https://ref.gs1.org/cbv/`` URIs; ``gs1:``/``cbv:`` CURIEs
are expanded; EPC URNs and GS1 Digital Links become ``https://id.gs1.org/...``; siblings
are sorted by code point. recordTime, eventID and errorDeclaration are excluded.

>>> from datetime import datetime, timezone
>>> from epcis.model import Action, Event, EventType
>>> e = Event(EventType.OBJECT, datetime(2020, 3, 4, 10, 0, 30, tzinfo=timezone.utc), "+01:00",
...           epc_list=("urn:epc:id:sgtin:0614141.011111.987",), action=Action.OBSERVE)
>>> prehash(e)
'eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/01/00614141111114/21/987action=OBSERVE'
>>> event_hash(e).startswith("ni:///sha-256;"), event_hash(e)[-11:]
(True, '?ver=CBV2.0')
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from epcis import cbv
from epcis.dl import normalise
from epcis.model import (
    Document,
    Element,
    Event,
    Location,
    QuantityElement,
    SensorElement,
    SensorReport,
)

PREFIX = "ni:///sha-256;"
SUFFIX = "?ver=CBV2.0"
META_ORDER = ("time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
              "dataProcessingMethod", "bizRules")
REPORT_ORDER = ("type", "exception", "deviceID", "deviceMetadata", "rawData",
                "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
                "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
                "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
                "coordinateReferenceSystem")
_META_RANK = {k: i for i, k in enumerate(META_ORDER)}
_REPORT_RANK = {k: i for i, k in enumerate(REPORT_ORDER)}
_TIME_FIELDS = frozenset({"time", "startTime", "endTime"})
_NUMERIC_START = frozenset("0123456789+-.iInN")
_CURIES = (("gs1:", cbv.GS1_VOC), ("cbv:", cbv.WEB))
_cache: dict[str, str] = {}


def canonical_value(text: str) -> str:
    """Normalise one value as the pre-hash does (trim, CURIE, CBV URI, number, identifier).

    >>> canonical_value(" 26.20 "), canonical_value("+5"), canonical_value("1e-5")
    ('26.2', '5', '1e-05')
    >>> canonical_value("urn:epcglobal:cbv:disp:in_transit")
    'https://ref.gs1.org/cbv/Disp-in_transit'
    >>> canonical_value("gs1:Temperature"), canonical_value("example:x")
    ('https://gs1.org/voc/Temperature', 'example:x')
    """
    hit = _cache.get(text)
    if hit is not None:
        return hit
    if text.startswith("urn:epc:"):  # EPC URNs: only the identifier rule can apply
        converted = normalise(text.rstrip())
        return converted if converted is not None else text.rstrip()
    value = text.strip()
    for curie, uri in _CURIES:
        if value.startswith(curie):
            value = value.replace(curie, uri)
    value = cbv.to_web(value)
    if value and value[0] in _NUMERIC_START:
        try:
            number = float(value)
            value = str(int(number)) if number == int(number) else str(number)
        except (ValueError, OverflowError):
            pass
    converted = normalise(value)
    if converted is not None:
        value = converted
    if len(_cache) < 1 << 17:
        _cache[text] = value
    return value


def canonical_time(when: datetime) -> str:
    """UTC, milliseconds rounded half-even, ``YYYY-MM-DDTHH:MM:SS.mmmZ``.

    >>> from datetime import datetime, timezone, timedelta
    >>> canonical_time(datetime(2023, 2, 2, 12, 4, 3, 141500, tzinfo=timezone(timedelta(hours=1))))
    '2023-02-02T11:04:03.142Z'
    >>> canonical_time(datetime(2023, 2, 2, 11, 4, 3, 999600, tzinfo=timezone.utc))
    '2023-02-02T11:04:04.000Z'
    """
    when = when.astimezone(UTC)
    millis = round(when.microsecond, -3)
    if millis == 1_000_000:
        when += timedelta(seconds=1)
        millis = 0
    return (f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:"
            f"{when.minute:02d}:{when.second:02d}.{millis // 1000:03d}Z")


def _time_text(text: str) -> str:
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:  # the reference reads local time; Custody reads UTC
        parsed = parsed.replace(tzinfo=UTC)
    return canonical_time(parsed)


def _kv(key: str, text: str | None) -> str:
    if text is None:
        return key
    value = canonical_value(text)
    return f"{key}={value}" if value else key


def _element(el: Element) -> str:
    """Generic rendering of an extension tree (children and attributes sorted)."""
    parts = [_kv(k, v) for k, v in el.attributes]
    parts.extend(_element(c) for c in el.children)
    parts.sort()
    return _kv(el.clark, el.text) + "".join(parts)


def _placed(ns: str, count: int) -> bool:
    """Whether a nested extension joins its parent's ordered fields (see EVENT-HASH 3i)."""
    return ns.endswith("/") and count >= 2


def _epcs(name: str, epcs: tuple[str, ...]) -> str:
    if not epcs:
        return ""
    canon = canonical_value
    items = sorted(f"epc={v}" if v else "epc" for v in map(canon, epcs))
    inner = "".join(items)
    return name + inner if inner else ""


def _quantities(name: str, items: tuple[QuantityElement, ...]) -> str:
    if not items:
        return ""
    rendered = []
    for q in items:
        s = "quantityElement" + _kv("epcClass", q.epc_class)
        if q.quantity is not None:
            s += _kv("quantity", _decimal(q.quantity))
        if q.uom is not None:
            s += _kv("uom", q.uom)
        rendered.append(s)
    rendered.sort()
    return name + "".join(rendered)


def _decimal(value: Decimal) -> str:
    return str(value)


def _location(name: str, loc: Location | None, leftovers: list[str]) -> str:
    if loc is None:
        return ""
    count = 1 + len(loc.extensions)
    placed: list[str] = []
    rest: list[str] = []
    for ext in loc.extensions:
        (placed if _placed(ext.ns, count) else rest).append(_element(ext))
    if rest:
        rest.sort()
        leftovers.append(name + "".join(rest))
    placed.sort()
    return name + _kv("id", loc.id) + "".join(placed)


def _report(name: str, rep: SensorReport, rank: dict[str, int]) -> tuple[str, list[str]]:
    """Ordered rendering of sensorMetadata / sensorReport, plus its leftover strings."""
    count = len(rep.fields) + len(rep.extensions)
    ordered: list[tuple[int, str]] = []
    placed: list[str] = []
    rest: list[str] = []
    for key, value in rep.fields:
        position = rank.get(key)
        if position is not None:
            text = _time_text(value) if key in _TIME_FIELDS else value
            ordered.append((position, _kv(key, text) if key not in _TIME_FIELDS
                            else (f"{key}={text}" if text else key)))
        elif key.startswith("{"):
            ns = key[1:key.index("}")]
            (placed if _placed(ns, count) else rest).append(_kv(key, value))
        else:
            rest.append(_kv(key, value))
    for ext in rep.extensions:
        (placed if _placed(ext.ns, count) else rest).append(_element(ext))
    ordered.sort()
    placed.sort()
    body = "".join(s for _, s in ordered) + "".join(placed)
    return (name + body if body else ""), rest


def _sensors(elements: tuple[SensorElement, ...], leftovers: list[str]) -> str:
    rendered, left = [], []
    for se in elements:
        parts, rest_parts = [], []
        if se.metadata is not None:
            s, rest = _report("sensorMetadata", se.metadata, _META_RANK)
            parts.append(s)
            if rest:
                rest.sort()
                rest_parts.append("sensorMetadata" + "".join(rest))
        reports = []
        for rep in se.reports:
            s, rest = _report("sensorReport", rep, _REPORT_RANK)
            reports.append(s)
            if rest:
                rest.sort()
                rest_parts.append("sensorReport" + "".join(rest))
        reports.sort()
        count = len(se.reports) + (se.metadata is not None) + len(se.extensions)
        placed: list[str] = []
        for ext in se.extensions:
            (placed if _placed(ext.ns, count) else rest_parts).append(_element(ext))
        placed.sort()
        body = "".join(parts) + "".join(reports) + "".join(placed)
        if body:
            rendered.append("sensorElement" + body)
        if rest_parts:
            rest_parts.sort()
            left.append("sensorElement" + "".join(rest_parts))
    if left:
        left.sort()
        leftovers.append("sensorElementList" + "".join(left))
    rendered.sort()
    return "sensorElementList" + "".join(rendered) if rendered else ""


def _typed(list_name: str, key: str, items: Iterable[tuple[str, str | None]]) -> str:
    """Render bizTransaction, source or destination entries: ``type=T`` first, then the value.

    An entry without a type renders as ``key=V`` alone (Custody's decision; the reference
    crashes on it).
    """
    rendered = sorted(
        (_kv("type", t) if t is not None else "") + _kv(key, v) for v, t in items
    )
    return list_name + "".join(rendered) if rendered else ""


def prehash(event: Event) -> str:
    """The canonical pre-hash string of ``event`` (CBV 2.0 event hash ID, before SHA-256)."""
    e = event
    leftovers: list[str] = []
    out = ["eventType=", e.type.value, "eventTime=", canonical_time(e.event_time),
           _kv("eventTimeZoneOffset", e.event_time_zone_offset)]
    if e.certification_info:
        out.extend(sorted(_kv("certificationInfo", c) for c in e.certification_info))
    if e.parent_id is not None:
        out.append(_kv("parentID", e.parent_id))
    out.append(_epcs("epcList", e.epc_list))
    out.append(_epcs("inputEPCList", e.input_epc_list))
    out.append(_epcs("childEPCs", e.child_epcs))
    out.append(_quantities("quantityList", e.quantity_list))
    out.append(_quantities("childQuantityList", e.child_quantity_list))
    out.append(_quantities("inputQuantityList", e.input_quantity_list))
    out.append(_epcs("outputEPCList", e.output_epc_list))
    out.append(_quantities("outputQuantityList", e.output_quantity_list))
    if e.action is not None:
        out.append(_kv("action", e.action.value))
    if e.transformation_id is not None:
        out.append(_kv("transformationID", e.transformation_id))
    if e.biz_step is not None:
        out.append(_kv("bizStep", e.biz_step))
    if e.disposition is not None:
        out.append(_kv("disposition", e.disposition))
    pd = e.persistent_disposition
    if pd is not None and (pd.set or pd.unset):
        out.append("persistentDisposition")
        out.extend(sorted(_kv("set", s) for s in pd.set))
        out.extend(sorted(_kv("unset", s) for s in pd.unset))
    out.append(_location("readPoint", e.read_point, leftovers))
    out.append(_location("bizLocation", e.biz_location, leftovers))
    if e.sensor_elements:
        out.append(_sensors(e.sensor_elements, leftovers))
    if e.biz_transactions:
        leftovers.append(_typed("bizTransactionList", "bizTransaction",
                                ((b.value, b.type) for b in e.biz_transactions)))
    if e.sources:
        leftovers.append(_typed("sourceList", "source", ((s.value, s.type) for s in e.sources)))
    if e.destinations:
        leftovers.append(_typed("destinationList", "destination",
                                ((d.value, d.type) for d in e.destinations)))
    if e.ilmd:
        ilmd = sorted(_element(x) for x in e.ilmd)
        leftovers.append("ilmd" + "".join(ilmd))
    leftovers.extend(_element(x) for x in e.extensions)
    leftovers.sort()
    out.extend(leftovers)
    return "".join(out)


def hash_prehash(pre: str) -> str:
    """``ni:///sha-256;<hex>?ver=CBV2.0`` of a pre-hash string.

    >>> hash_prehash("")
    'ni:///sha-256;e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855?ver=CBV2.0'
    """
    return PREFIX + hashlib.sha256(pre.encode("utf-8")).hexdigest() + SUFFIX


def event_hash(event: Event) -> str:
    """The CBV 2.0 event hash ID of ``event``: ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    return hash_prehash(prehash(event))


def document_hashes(doc: Document) -> list[str]:
    """Event hash IDs of every event of ``doc``, in document order."""
    return [event_hash(e) for e in doc.events]
