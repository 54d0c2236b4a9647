"""EPCIS 1.2 / 2.0 XML (documents and query documents) -> model, streaming in bounded memory.

Events are converted one by one at their end tag, then cleared and their previous siblings
deleted, so memory stays flat however long the document. Header and master data come
before ``EPCISBody`` and are read first.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Any

from lxml import etree

from epcis import bounds, cbv
from epcis.errors import (
    EpcisError,
    HostileDocumentError,
    TooManyEventsError,
    UnsupportedFormatError,
)
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
from epcis.safexml import (
    DEFAULT_LIMITS,
    ByteSource,
    Limits,
    attributes,
    check_depth,
    iterparse,
    line_of,
    root_start,
)
from epcis.values import COMMON_OFFSETS, OFFSET, lenient_time, local_time, mda_id, parse_time

NS1 = "urn:epcglobal:epcis:xsd:1"
NS2 = "urn:epcglobal:epcis:xsd:2"
QNS1 = "urn:epcglobal:epcis-query:xsd:1"
QNS2 = "urn:epcglobal:epcis-query:xsd:2"
MDNS = {"urn:epcglobal:epcis-masterdata:xsd:1", "urn:epcglobal:epcis-masterdata:xsd:2"}
SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
STANDARD_NS = frozenset({NS1, NS2, QNS1, QNS2, *MDNS})
ROOTS = {
    f"{{{NS1}}}EPCISDocument": "1.2-xml",
    f"{{{NS2}}}EPCISDocument": "2.0-xml",
    f"{{{QNS1}}}EPCISQueryDocument": "1.2-xml",
    f"{{{QNS2}}}EPCISQueryDocument": "2.0-xml",
}
EVENT_TAGS = {t.value: t for t in EventType}
WRAPPERS = frozenset({"extension", "baseExtension"})
# Every element end is matched against these in order (events first: they are most of the
# matches); a foreign-namespace EPCISHeader matched by the wildcard is skipped by the reader.
_TAGS = (*EVENT_TAGS, "EventList", "{*}EPCISHeader", *ROOTS)
_ACTIONS = {a.value: a for a in Action}
_NEEDS_ACTION = frozenset(
    {EventType.OBJECT, EventType.AGGREGATION, EventType.TRANSACTION, EventType.ASSOCIATION}
)
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def split_tag(tag: str) -> tuple[str, str]:
    """``{ns}local`` -> ``(ns, local)``; an unqualified name gets ns ``''``."""
    if tag[0] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


_BIZSTEPS, _DISPOSITIONS, _BTTS, _SDTS = (cbv.URNS[k] for k in ("bizstep", "disp", "btt", "sdt"))
_EVENT_DEFAULTS = {
    f.name: f.default for f in dataclasses.fields(Event) if f.default is not dataclasses.MISSING
}


def event_state(etype: EventType) -> dict[str, Any]:
    """A fresh field dict for :func:`new_event`: ``type`` and every default filled in."""
    state = _EVENT_DEFAULTS.copy()
    state["type"] = etype
    return state


def new_event(state: dict[str, Any]) -> Event:
    """Build an :class:`Event` around ``state``, without the frozen ``__init__``.

    The frozen dataclass ``__init__`` sets each of its ~30 fields through
    ``object.__setattr__``; this adopts the reader-checked dict from :func:`event_state`
    as the instance ``__dict__`` (no copy), which matters at a million events.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> state = event_state(EventType.OBJECT)
    >>> state.update(event_time=t, event_time_zone_offset="+00:00")
    >>> new_event(state) == Event(EventType.OBJECT, t, "+00:00")
    True
    """
    event = object.__new__(Event)
    object.__setattr__(event, "__dict__", state)
    return event


_TEXT = attrgetter("text")


def _text(el: etree._Element) -> str:
    t = el.text
    return t.strip() if t else ""


def _depth(el: etree._Element) -> int:
    depth = 1
    parent = el.getparent()
    while parent is not None:
        depth += 1
        parent = parent.getparent()
    return depth


def to_element(el: etree._Element, depth: int, limits: Limits) -> Element:
    """Convert an lxml element (a user extension) into a model :class:`Element`."""
    check_depth(depth, limits, line_of(el))
    ns, name = split_tag(el.tag)
    children = tuple(
        to_element(c, depth + 1, limits) for c in el if isinstance(c.tag, str)
    )
    text = el.text.strip() if el.text else ""
    return Element(
        ns=ns, name=name, text=text or None,
        attributes=tuple(attributes(el)), children=children, prefix=el.prefix,
    )


class _EventBuilder:
    """Converts one event element; holds the position for error messages."""

    __slots__ = ("index", "limits", "f", "etype", "elem", "wrapped")

    def __init__(self, index: int, limits: Limits) -> None:
        self.index = index
        self.limits = limits

    def error(self, message: str, el: etree._Element | None = None, *, field: str,
              expected: str, found: str | None = None) -> EpcisError:
        line = line_of(el if el is not None else self.elem)
        return EpcisError(message, field=field, expected=expected, found=found, line=line,
                          event_index=self.index)

    def build(self, elem: etree._Element, etype: EventType, wrapped: bool = False) -> Event:
        """Convert ``elem``; ``wrapped`` when the event itself sits in a 1.2 ``<extension>``."""
        self.f = f = event_state(etype)
        self.etype, self.elem, self.wrapped = etype, elem, wrapped
        handlers = _HANDLERS
        for child in elem:
            handlers[child.tag](self, child)
        if "event_time" not in f:
            raise self.error(f"{etype.value} lacks eventTime", field="eventTime",
                             expected="an eventTime element")
        if "event_time_zone_offset" not in f:
            raise self.error(f"{etype.value} lacks eventTimeZoneOffset",
                             field="eventTimeZoneOffset",
                             expected="an eventTimeZoneOffset element")
        if f["event_time"].tzinfo is None:  # a 1.2 xsd:dateTime without a zone
            f["event_time"] = local_time(f["event_time"], f["event_time_zone_offset"])
        if f["action"] is None and etype in _NEEDS_ACTION:
            raise self.error(f"{etype.value} lacks action", field="action",
                             expected="ADD, OBSERVE or DELETE")
        return new_event(f)

    def other(self, el: etree._Element) -> None:
        """A child without a handler: a 1.2 wrapper, an extension, or an error."""
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag in WRAPPERS:
            outer, self.wrapped = self.wrapped, True
            for child in el:
                _HANDLERS[child.tag](self, child)
            self.wrapped = outer
        elif (tag[0] == "{" and split_tag(tag)[0] not in STANDARD_NS) or (
            self.wrapped and tag[0] != "{"
        ):
            # 1.2 innermost <extension> elements admit unqualified (##local) content.
            self.f["extensions"] += (to_element(el, _depth(el), self.limits),)
        else:
            raise self.error(
                f"unknown element in {self.etype.value}", el, field=split_tag(tag)[1],
                expected="an EPCIS field or a namespaced extension", found=tag,
            )

    # -- simple fields -------------------------------------------------------------
    def event_time(self, el: etree._Element) -> None:
        text = el.text
        if text is not None:
            try:  # fast path: clean text
                parsed = datetime.fromisoformat(text)
                if parsed.tzinfo is not None and "T" in text:
                    self.f["event_time"] = parsed
                    return
            except ValueError:
                pass
        self.f["event_time"] = parse_time(text, "eventTime", line=line_of(el),
                                          event_index=self.index, zoneless=True)

    def record_time(self, el: etree._Element) -> None:
        self.f["record_time"] = parse_time(el.text, "recordTime", line=line_of(el),
                                           event_index=self.index)

    def offset(self, el: etree._Element) -> None:
        value = el.text
        if value not in COMMON_OFFSETS:
            value = _text(el)
            if not OFFSET.match(value):
                raise self.error("bad eventTimeZoneOffset", el, field="eventTimeZoneOffset",
                                 expected="+HH:MM or -HH:MM", found=value)
        self.f["event_time_zone_offset"] = value

    def event_id(self, el: etree._Element) -> None:
        self.f["event_id"] = _text(el) or None

    def action(self, el: etree._Element) -> None:
        action = _ACTIONS.get(el.text or "")
        if action is None:
            value = _text(el)
            action = _ACTIONS.get(value)
            if action is None:
                raise self.error("bad action", el, field="action",
                                 expected="ADD, OBSERVE or DELETE", found=value)
        self.f["action"] = action

    def parent_id(self, el: etree._Element) -> None:
        self.f["parent_id"] = _text(el)

    def transformation_id(self, el: etree._Element) -> None:
        self.f["transformation_id"] = _text(el)

    def biz_step(self, el: etree._Element) -> None:
        self.f["biz_step"] = _BIZSTEPS[el.text or ""]

    def disposition(self, el: etree._Element) -> None:
        self.f["disposition"] = _DISPOSITIONS[el.text or ""]

    def certification_info(self, el: etree._Element) -> None:
        self.f["certification_info"] += (_text(el),)

    def biz_transactions(self, el: etree._Element) -> None:
        out = []
        for c in el if len(el) == 1 else _dissolve(el):
            tag = c.tag
            if tag != "bizTransaction":
                if tag in WRAPPERS:  # a lone 1.2 <extension> child
                    self.biz_transactions(c)
                    continue
                raise self.error("unknown element in bizTransactionList", c,
                                 field="bizTransactionList", expected="bizTransaction",
                                 found=tag)
            t = c.get("type")
            out.append(BizTransaction(_text(c), _BTTS[t] if t else None))
        self.f["biz_transactions"] += tuple(out)

    def persistent_disposition(self, el: etree._Element) -> None:
        sets, unsets = [], []
        for c in _dissolve(el):
            if c.tag == "set":
                sets.append(cbv.to_urn("disp", _text(c)))
            elif c.tag == "unset":
                unsets.append(cbv.to_urn("disp", _text(c)))
            else:
                raise self.error("unknown element in persistentDisposition", c,
                                 field="persistentDisposition", expected="set or unset",
                                 found=c.tag)
        self.f["persistent_disposition"] = PersistentDisposition(tuple(sets), tuple(unsets))

    def ilmd(self, el: etree._Element) -> None:
        base = _depth(el) + 1
        self.f["ilmd"] += tuple(
            to_element(c, base, self.limits) for c in _dissolve(el)
        )

    def sensor_elements(self, el: etree._Element) -> None:
        out = []
        for se in _dissolve(el):
            if se.tag != "sensorElement":
                raise self.error("unknown element in sensorElementList", se,
                                 field="sensorElementList", expected="sensorElement",
                                 found=se.tag)
            meta, reports, exts = None, [], []
            for c, local in _dissolve_marked(se):
                if c.tag == "sensorMetadata":
                    meta = _sensor_report(c, self, "sensorMetadata")
                elif c.tag == "sensorReport":
                    reports.append(_sensor_report(c, self, "sensorReport"))
                elif c.tag[0] == "{" or local or self.wrapped:  # ##local content is lax
                    exts.append(to_element(c, _depth(c), self.limits))
                else:
                    raise self.error("unknown element in sensorElement", c,
                                     field="sensorElement",
                                     expected="sensorMetadata, sensorReport or an extension",
                                     found=c.tag)
            out.append(SensorElement(meta, tuple(reports), tuple(exts)))
        self.f["sensor_elements"] += tuple(out)

    def error_declaration(self, el: etree._Element) -> None:
        when: datetime | None = None
        reason: str | None = None
        ids: list[str] = []
        exts: list[Element] = []
        for c in _dissolve(el):
            tag = c.tag
            if tag == "declarationTime":
                when = lenient_time(c.text, "errorDeclaration/declarationTime",
                                    line=line_of(c))
            elif tag == "reason":
                reason = cbv.to_urn("er", _text(c))
            elif tag == "correctiveEventIDs":
                ids.extend(_text(i) for i in c if i.tag == "correctiveEventID")
            elif tag[0] == "{":
                exts.append(to_element(c, _depth(c), self.limits))
            else:
                raise self.error("unknown element in errorDeclaration", c,
                                 field="errorDeclaration", found=tag,
                                 expected="declarationTime, reason, correctiveEventIDs")
        if when is None:
            raise self.error("errorDeclaration lacks declarationTime", el,
                             field="errorDeclaration/declarationTime",
                             expected="a declarationTime element")
        self.f["error_declaration"] = ErrorDeclaration(when, reason, tuple(ids), tuple(exts))


# -- handlers for the list and location fields, one per element name ------------------
Handler = Callable[[_EventBuilder, etree._Element], None]


def _epcs(key: str, name: str) -> Handler:
    """Handler for an EPC list (``epcList``, ``childEPCs`` ...) kept in field ``key``."""

    def handler(b: _EventBuilder, el: etree._Element) -> None:
        try:  # C-level loop over the children; TypeError: an empty <epc/>
            values = tuple(map(str.strip, map(_TEXT, el.iterchildren("epc"))))
        except TypeError:
            values = None
        if values is None or len(values) != len(el):  # also: a child that is not an epc
            found = []
            for c in el:
                if c.tag == "epc":
                    found.append(_text(c))
                elif isinstance(c.tag, str):
                    raise b.error(f"unknown element in {name}", c, field=name,
                                  expected="epc", found=c.tag)
            values = tuple(found)
        b.f[key] += values

    return handler


def _quantities(key: str, name: str) -> Handler:
    """Handler for a quantity list (``quantityList`` ...) kept in field ``key``."""

    def handler(b: _EventBuilder, el: etree._Element) -> None:
        out = []
        for qe in el:
            if not isinstance(qe.tag, str):
                continue
            if qe.tag != "quantityElement":
                raise b.error(f"unknown element in {name}", qe, field=name,
                              expected="quantityElement", found=qe.tag)
            epc_class, quantity, uom = None, None, None
            for c in qe:
                tag = c.tag
                if tag == "epcClass":
                    epc_class = _text(c)
                elif tag == "quantity":
                    text = _text(c)
                    if not text:  # <quantity/> or xsi:nil: no quantity
                        continue
                    try:
                        quantity = Decimal(text)
                    except InvalidOperation:
                        raise b.error("bad quantity", c, field=f"{name}/quantity",
                                      expected="a decimal number", found=text) from None
                elif tag == "uom":
                    uom = _text(c)
                elif isinstance(tag, str):
                    raise b.error("unknown element in quantityElement", c,
                                  field=f"{name}/quantityElement",
                                  expected="epcClass, quantity or uom", found=tag)
            if not epc_class:
                raise b.error("quantityElement lacks epcClass", qe,
                              field=f"{name}/quantityElement/epcClass",
                              expected="an EPC class URI")
            out.append(QuantityElement(epc_class, quantity, uom))
        b.f[key] += tuple(out)

    return handler


class _Locations(dict[str, Location]):
    """Raw ``<id>`` text -> :class:`Location`, shared (they repeat); at most 4096 kept."""

    def __missing__(self, text: str) -> Location:
        loc = Location(text.strip())
        if len(self) < 4096:
            self[text] = loc
        return loc


_LOCATIONS = _Locations()


def _location(key: str, name: str) -> Handler:
    """Handler for ``readPoint`` / ``bizLocation``, kept in field ``key``."""

    def handler(b: _EventBuilder, el: etree._Element) -> None:
        if len(el) == 1:  # the common case, fast: <id> only
            child = el[0]
            text = child.text
            if text and child.tag == "id":
                loc = _LOCATIONS[text]
                if loc.id:
                    b.f[key] = loc
                    return
        ident, exts = None, []
        for c in _dissolve(el):
            if c.tag == "id":
                ident = _text(c)
            elif c.tag[0] == "{":
                exts.append(to_element(c, _depth(c), b.limits))
            else:
                raise b.error(f"unknown element in {name}", c, field=name,
                              expected="id or a namespaced extension", found=c.tag)
        if not ident:
            raise b.error(f"{name} lacks id", el, field=f"{name}/id",
                          expected="a location identifier")
        b.f[key] = Location(ident, tuple(exts))

    return handler


def _source_dest(key: str, name: str, item: str) -> Handler:
    """Handler for ``sourceList`` / ``destinationList``, kept in field ``key``."""

    def handler(b: _EventBuilder, el: etree._Element) -> None:
        out = []
        for c in _dissolve(el):
            if c.tag != item:
                raise b.error(f"unknown element in {name}", c, field=name,
                              expected=item, found=c.tag)
            t = c.get("type")
            out.append(SourceDest(_text(c), _SDTS[t] if t else None))
        b.f[key] += tuple(out)

    return handler


def _dissolve(el: etree._Element) -> Iterator[etree._Element]:
    """Children of ``el`` with 1.2 ``extension`` wrappers dissolved (comments skipped)."""
    for c in el:
        tag = c.tag
        if not isinstance(tag, str):
            continue
        if tag in WRAPPERS:
            yield from _dissolve(c)
        else:
            yield c


def _dissolve_marked(el: etree._Element, inside: bool = False) -> Iterator[tuple[etree._Element, bool]]:
    """Like :func:`_dissolve`, each child with whether it sat in an ``extension`` wrapper."""
    for c in el:
        tag = c.tag
        if not isinstance(tag, str):
            continue
        if tag in WRAPPERS:
            yield from _dissolve_marked(c, True)
        else:
            yield c, inside


_SENSOR_KIND = {"type", "exception"}


def _locate(elem: etree._Element, path: tuple[str | int, ...]) -> etree._Element:
    """The element a :class:`~epcis.bounds.Flaw` path names inside event ``elem``.

    Names are child tags, numbers the n-th element child; the deepest one found is returned.
    """
    for step in path:
        kids = [c for c in _dissolve(elem) if isinstance(step, int) or c.tag == step]
        if isinstance(step, int) and step < len(kids):
            elem = kids[step]
        elif isinstance(step, str) and kids:
            elem = kids[0]
        elif isinstance(step, str) and step in elem.attrib:
            break  # a sensor report's attribute: its element's line
        else:
            break
    return elem


def _sensor_report(el: etree._Element, b: _EventBuilder, name: str) -> SensorReport:
    fields = []
    for k, v in attributes(el):
        v = v.strip()
        if k in _SENSOR_KIND:
            v = cbv.gs1_term(v)
        fields.append((k, v))
    exts = tuple(to_element(c, _depth(c), b.limits) for c in _dissolve(el))
    return SensorReport(tuple(fields), exts)


class _Handlers(dict[object, Handler]):
    """Child tag -> handler; a tag without one goes to :meth:`_EventBuilder.other`."""

    def __missing__(self, tag: object) -> Handler:
        return _EventBuilder.other


_HANDLERS = _Handlers({
    "eventTime": _EventBuilder.event_time,
    "recordTime": _EventBuilder.record_time,
    "eventTimeZoneOffset": _EventBuilder.offset,
    "eventID": _EventBuilder.event_id,
    "certificationInfo": _EventBuilder.certification_info,
    "errorDeclaration": _EventBuilder.error_declaration,
    "parentID": _EventBuilder.parent_id,
    "epcList": _epcs("epc_list", "epcList"),
    "childEPCs": _epcs("child_epcs", "childEPCs"),
    "inputEPCList": _epcs("input_epc_list", "inputEPCList"),
    "outputEPCList": _epcs("output_epc_list", "outputEPCList"),
    "quantityList": _quantities("quantity_list", "quantityList"),
    "childQuantityList": _quantities("child_quantity_list", "childQuantityList"),
    "inputQuantityList": _quantities("input_quantity_list", "inputQuantityList"),
    "outputQuantityList": _quantities("output_quantity_list", "outputQuantityList"),
    "action": _EventBuilder.action,
    "transformationID": _EventBuilder.transformation_id,
    "bizStep": _EventBuilder.biz_step,
    "disposition": _EventBuilder.disposition,
    "persistentDisposition": _EventBuilder.persistent_disposition,
    "readPoint": _location("read_point", "readPoint"),
    "bizLocation": _location("biz_location", "bizLocation"),
    "bizTransactionList": _EventBuilder.biz_transactions,
    "sourceList": _source_dest("sources", "sourceList", "source"),
    "destinationList": _source_dest("destinations", "destinationList", "destination"),
    "sensorElementList": _EventBuilder.sensor_elements,
    "ilmd": _EventBuilder.ilmd,
})


# -- header ------------------------------------------------------------------------
def _sbdh(el: etree._Element) -> Sbdh:
    def find(path: str) -> etree._Element | None:
        return el.find(path, {"s": SBDH})

    def text(path: str) -> str | None:
        node = find(path)
        return _text(node) or None if node is not None else None

    created = find("s:DocumentIdentification/s:CreationDateAndTime")
    return Sbdh(
        sender=text("s:Sender/s:Identifier"),
        receiver=text("s:Receiver/s:Identifier"),
        document_id=text("s:DocumentIdentification/s:InstanceIdentifier"),
        creation_time=lenient_time(created.text, "CreationDateAndTime", line=line_of(created))
        if created is not None else None,
        document_type=text("s:DocumentIdentification/s:Type"),
    )


def _vocabularies(md: etree._Element, limits: Limits) -> list[Vocabulary]:
    out = []
    for vl in _dissolve(md):
        if split_tag(vl.tag)[1] != "VocabularyList":
            continue
        for voc in _dissolve(vl):
            elements = []
            for vel_list in _dissolve(voc):
                for ve in _dissolve(vel_list):
                    attrs: list[tuple[str, str | Element]] = []
                    children: list[str] = []
                    for a in _dissolve(ve):
                        local = split_tag(a.tag)[1]
                        if local == "attribute":
                            kids = [c for c in a if isinstance(c.tag, str)]
                            if kids:
                                value: str | Element = Element(
                                    ns="", name="attribute",
                                    attributes=tuple((k, v) for k, v in attributes(a)
                                                     if k != "id"),
                                    children=tuple(to_element(c, _depth(c), limits)
                                                   for c in kids),
                                )
                            else:
                                value = _text(a)
                            attrs.append((mda_id(a.get("id", "")), value))
                        elif local == "children":
                            children.extend(_text(i) for i in _dissolve(a))
                    elements.append(VocabularyElement(ve.get("id", "").strip(), tuple(attrs),
                                                      tuple(children)))
            out.append(Vocabulary(voc.get("type", "").strip(), tuple(elements)))
    return out


def _header(
    el: etree._Element, limits: Limits
) -> tuple[Sbdh | None, list[Vocabulary], list[Element]]:
    sbdh: Sbdh | None = None
    vocabularies: list[Vocabulary] = []
    extensions: list[Element] = []
    for c in _dissolve(el):
        ns, local = split_tag(c.tag)
        if ns == SBDH and local == "StandardBusinessDocumentHeader":
            sbdh = _sbdh(c)
        elif local == "EPCISMasterData" and (ns == "" or ns in MDNS or ns in STANDARD_NS):
            vocabularies.extend(_vocabularies(c, limits))
        elif ns and ns not in STANDARD_NS:
            extensions.append(to_element(c, _depth(c), limits))
        else:
            raise EpcisError("unknown element in EPCISHeader", field=local,
                             expected="sbdh:StandardBusinessDocumentHeader, EPCISMasterData "
                             "or a namespaced extension", found=c.tag, line=line_of(c))
    return sbdh, vocabularies, extensions


def _not_an_event(el: etree._Element) -> EpcisError:
    """The error for a child of ``EventList`` that is not an event (or a qualified one)."""
    ns, local = split_tag(el.tag)
    if ns in STANDARD_NS and local in EVENT_TAGS:
        return EpcisError("EPCIS events must not be namespace-qualified", field=local,
                          expected=f"an unqualified <{local}>",
                          found=f"{el.prefix}:{local}" if el.prefix else el.tag, line=line_of(el))
    return EpcisError("unknown element in EventList", field=el.tag, expected="an EPCIS event",
                      found=el.tag, line=line_of(el))


class XmlReader:
    """Streaming reader over one XML document: read the header, then iterate events."""

    def __init__(self, source: ByteSource, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        tag, attrib, line, stream = root_start(source, limits)
        fmt = ROOTS.get(tag)
        if fmt is None:
            raise UnsupportedFormatError(
                "not an EPCIS XML document", field="root element",
                expected="epcis:EPCISDocument or epcisq:EPCISQueryDocument in the "
                f"namespace {NS1} or {NS2}", found=tag, line=line)
        self.format: str = fmt
        self.schema_version = (attrib.get("schemaVersion") or "").strip()
        created = attrib.get("creationDate")
        self.creation_date: datetime | None = (
            lenient_time(created, "creationDate", line=line) if created is not None else None)
        self.sbdh: Sbdh | None = None
        self.master_data: tuple[Vocabulary, ...] = ()
        self.header_extensions: tuple[Element, ...] = ()
        self._pending: list[etree._Element] = []
        self._root: etree._Element | None = None
        self._it = iterparse(stream, events=("end",), tag=_TAGS, limits=limits)
        self._read_header()

    def _read_header(self) -> None:
        for _, elem in self._it:
            if self._root is None:
                self._root = elem.getroottree().getroot()
            ns, local = split_tag(elem.tag)
            if local == "EPCISHeader":
                if ns == "" or ns in STANDARD_NS:
                    sbdh, vocs, exts = _header(elem, self.limits)
                    self.sbdh, self.master_data = sbdh, tuple(vocs)
                    self.header_extensions += tuple(exts)
                    elem.clear()
                continue
            self._pending.append(elem)
            break
        self._root_extensions()

    def _root_extensions(self) -> None:
        """Namespaced children of the root that are not header or body (e.g. ignoreFields)."""
        if self._root is None:
            return
        for c in self._root:
            tag = c.tag
            if isinstance(tag, str) and tag[0] == "{" and split_tag(tag)[0] not in STANDARD_NS:
                self.header_extensions += (to_element(c, 2, self.limits),)

    def events(self) -> Iterator[Event]:
        """Yield each event in document order, freeing memory as it goes."""
        index = 0
        limits = self.limits
        pending = [("end", e) for e in self._pending]
        count = 0
        builder = _EventBuilder(0, limits)
        # The previous event and its parent (identity checks).
        last: etree._Element | None = None
        parent: etree._Element | None = None
        wrapped = False
        flaw = bounds.flaw

        for _, elem in itertools.chain(pending, self._it):
            tag = elem.tag
            etype = EVENT_TAGS.get(tag)
            if etype is None:
                if tag == "EventList":
                    for c in elem:
                        if isinstance(c.tag, str) and c.tag not in EVENT_TAGS \
                                and c.tag not in WRAPPERS:
                            raise _not_an_event(c)
                continue
            count += len(elem)
            if count > limits.max_elements:
                raise HostileDocumentError("too many elements",
                                           expected=f"at most {limits.max_elements}",
                                           found=f"more than {limits.max_elements}",
                                           line=line_of(elem))
            if index == limits.max_events:
                raise TooManyEventsError(index, event_index=index, line=line_of(elem))
            up = elem.getparent()
            assert up is not None  # an event is never the root: root_start admits EPCIS roots only
            builder.index = index
            event = builder.build(elem, etype, up.tag in WRAPPERS)
            bad = flaw(event)
            if bad is not None:
                raise bad.error(line=line_of(_locate(elem, bad.path)), event_index=index)
            yield event
            index += 1
            # Free what precedes this event: the previous event, or an unknown element.
            if up is not parent:
                parent, wrapped = up, up.tag in WRAPPERS  # 1.2 <extension> around events
            prev = elem.getprevious()
            while prev is not None:
                if prev is not last:
                    ptag = prev.tag
                    if ptag not in EVENT_TAGS and ptag not in WRAPPERS and isinstance(ptag, str):
                        raise _not_an_event(prev)
                del up[0]
                prev = elem.getprevious()
            if wrapped and (outer := up.getparent()) is not None:
                while up.getprevious() is not None:
                    del outer[0]
            last = elem
        if index == 0:
            self._refuse_qualified_body()

    def _refuse_qualified_body(self) -> None:
        """An EPCISBody in a namespace is invalid EPCIS; refuse it rather than read no events."""
        for c in self._root if self._root is not None else ():
            if isinstance(c.tag, str) and c.tag.startswith("{") and c.tag.endswith("}EPCISBody"):
                raise EpcisError(
                    "EPCISBody and its events must not be namespace-qualified",
                    field="EPCISBody", expected="an unqualified <EPCISBody>",
                    found=f"{c.prefix}:EPCISBody" if c.prefix else c.tag, line=line_of(c),
                )

    def document(self) -> Document:
        """Read everything into a :class:`Document` (not bounded in memory)."""
        events = tuple(self.events())
        return Document(
            schema_version=self.schema_version, creation_date=self.creation_date,
            sbdh=self.sbdh, master_data=self.master_data,
            header_extensions=self.header_extensions, events=events,
        )
