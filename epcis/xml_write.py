"""Write a :class:`~epcis.model.Document` as EPCIS 1.2 or 2.0 XML.

The output validates against the official GS1 XSDs. EPCIS 1.2 needs ``<extension>``
wrappers for everything added after 1.0; fields that 1.2 has no place for are written
where GS1's own 2.0-to-1.2 stylesheet puts them (see
``docs/decisions/0004-epcis-1.2-downconversion.md``).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from epcis.errors import EpcisError
from epcis.model import (
    Document,
    Element,
    ErrorDeclaration,
    Event,
    EventType,
    Location,
    QuantityElement,
    Sbdh,
    SensorElement,
    SensorReport,
    SourceDest,
    Vocabulary,
)

EPCIS_NS = {"1.2": "urn:epcglobal:epcis:xsd:1", "2.0": "urn:epcglobal:epcis:xsd:2"}
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI_NS}}}type"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
KNOWN_PREFIXES = {
    "urn:epcglobal:cbv:mda": "cbvmda",
    "http://epcis.gs1us.org/hc/ns": "gs1ushc",
    "https://gs1.org/voc/": "gs1",
    SBDH_NS: "sbdh",
    XSI_NS: "xsi",
}


def format_time(value: datetime) -> str:
    """An ``xsd:dateTime`` in the value's own offset, ``Z`` for UTC, ms when whole.

    >>> from datetime import timedelta, timezone
    >>> format_time(datetime(2023, 4, 1, 7, 48, 16, 123000, tzinfo=timezone(timedelta(hours=-5))))
    '2023-04-01T07:48:16.123-05:00'
    >>> format_time(datetime(2023, 4, 1, 7, 48, 16, tzinfo=UTC))
    '2023-04-01T07:48:16Z'
    """
    if value.tzinfo is None:
        raise EpcisError("Times must carry a UTC offset", expected="a timezone-aware datetime",
                         found=value.isoformat())
    spec = "seconds" if not value.microsecond else (
        "milliseconds" if value.microsecond % 1000 == 0 else "microseconds")
    text = value.isoformat(timespec=spec)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def format_decimal(value: Decimal) -> str:
    """A decimal in plain notation (``xsd:decimal`` has no exponent).

    >>> format_decimal(Decimal("1E+2")), format_decimal(Decimal("2.50"))
    ('100', '2.50')
    """
    return f"{value:f}"


def split_clark(name: str) -> tuple[str, str]:
    """``{ns}local`` -> ``(ns, local)``; a plain name -> ``("", name)``.

    >>> split_clark("{urn:x}a"), split_clark("b")
    (('urn:x', 'a'), ('', 'b'))
    """
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


_EXTENSIBLE_EVENT_FIELDS = ("extensions", "ilmd", "read_point", "biz_location", "error_declaration",
                            "sensor_elements")


def collect_namespaces(obj: object, found: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Every namespace used by Element trees and Clark attribute names under ``obj``.

    Values are the first prefix hint seen (or None). Walks dataclasses and tuples.
    """
    found = {} if found is None else found
    if isinstance(obj, Element):
        if obj.ns and (found.get(obj.ns) is None):
            found[obj.ns] = obj.prefix
        for name, _ in obj.attributes:
            ns, _local = split_clark(name)
            if ns:
                found.setdefault(ns, None)
        for child in obj.children:
            collect_namespaces(child, found)
    elif isinstance(obj, SensorReport):
        for name, _ in obj.fields:
            ns, _local = split_clark(name)
            if ns:
                found.setdefault(ns, None)
        collect_namespaces(obj.extensions, found)
    elif isinstance(obj, tuple):
        for item in obj:
            if not isinstance(item, str):
                collect_namespaces(item, found)
    elif isinstance(obj, Event):  # only these fields can hold extension content
        for name in _EXTENSIBLE_EVENT_FIELDS:
            value = getattr(obj, name)
            if value:
                collect_namespaces(value, found)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value is not None and not isinstance(value, str | datetime | Decimal):
                collect_namespaces(value, found)
    return found


def assign_prefixes(namespaces: dict[str, str | None], reserved: set[str]) -> dict[str, str]:
    """Map each namespace to a unique prefix: the hint, a well-known one, or ``extN``.

    >>> assign_prefixes({"urn:a": "ex", "urn:b": "ex", "urn:epcglobal:cbv:mda": None}, {"epcis"})
    {'urn:a': 'ex', 'urn:b': 'ext1', 'urn:epcglobal:cbv:mda': 'cbvmda'}
    """
    taken = set(reserved)
    result: dict[str, str] = {}
    counter = 0
    for ns, hint in namespaces.items():
        for candidate in (hint, KNOWN_PREFIXES.get(ns)):
            if candidate and candidate not in taken and candidate.isidentifier():
                break
        else:
            counter += 1
            while f"ext{counter}" in taken:
                counter += 1
            candidate = f"ext{counter}"
        taken.add(candidate)
        result[ns] = candidate
    return result


def _xsi_type_prefixes(obj: object, found: set[str] | None = None) -> set[str]:
    """Prefixes used inside ``xsi:type`` values.

    The model keeps the QName text, not the declaration, so the writer must declare e.g.
    ``xsd`` again for the output to validate.
    """
    found = set() if found is None else found
    if isinstance(obj, Element):
        for name, value in obj.attributes:
            if name == XSI_TYPE and ":" in value:
                found.add(value.split(":", 1)[0].strip())
        for child in obj.children:
            _xsi_type_prefixes(child, found)
    elif isinstance(obj, tuple):
        for item in obj:
            if not isinstance(item, str):
                _xsi_type_prefixes(item, found)
    elif isinstance(obj, Event):
        for name in _EXTENSIBLE_EVENT_FIELDS:
            value = getattr(obj, name)
            if value:
                _xsi_type_prefixes(value, found)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value is not None and not isinstance(value, str | datetime | Decimal):
                _xsi_type_prefixes(value, found)
    return found


class _XmlWriter:
    def __init__(self, version: str) -> None:
        self.version = version
        self.v12 = version == "1.2"

    # -- small builders -------------------------------------------------------------
    def sub(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        el = etree.SubElement(parent, name)
        if text is not None:
            el.text = text
        return el

    def element(self, parent: etree._Element, el: Element) -> None:
        node = etree.SubElement(parent, el.clark)
        for name, value in el.attributes:
            node.set(name, value)
        if el.text is not None:
            node.text = el.text
        for child in el.children:
            self.element(node, child)

    def extensions(self, parent: etree._Element, items: tuple[Element, ...], local_wrapper: bool = True,
                   wrapper: etree._Element | None = None) -> None:
        """Write extension elements.

        Namespaced ones go at ``parent`` (the ##other slot), unqualified ones inside an
        ``<extension>`` wrapper (the ##local slot).
        """
        local = [e for e in items if not e.ns]
        if local:
            target = wrapper if wrapper is not None else self.sub(parent, "extension")
            for e in local:
                self.element(target, e)
        for e in items:
            if e.ns:
                self.element(parent, e)

    def epc_list(self, parent: etree._Element, name: str, epcs: tuple[str, ...]) -> None:
        node = self.sub(parent, name)
        for epc in epcs:
            self.sub(node, "epc", epc)

    def quantity_list(self, parent: etree._Element, name: str, items: tuple[QuantityElement, ...]) -> None:
        node = self.sub(parent, name)
        for q in items:
            qe = self.sub(node, "quantityElement")
            self.sub(qe, "epcClass", q.epc_class)
            if q.quantity is not None:
                self.sub(qe, "quantity", format_decimal(q.quantity))
                if q.uom is not None:
                    self.sub(qe, "uom", q.uom)
            elif q.uom is not None:
                raise EpcisError("A quantity element has a unit but no quantity",
                                 field=f"{name}/quantityElement/uom", found=q.uom)

    def location(self, parent: etree._Element, name: str, loc: Location | None) -> None:
        if loc is None:
            return
        node = self.sub(parent, name)
        self.sub(node, "id", loc.id)
        self.extensions(node, loc.extensions)

    def source_dest(self, parent: etree._Element, list_name: str, name: str,
                    items: tuple[SourceDest, ...]) -> None:
        if not items:
            return
        node = self.sub(parent, list_name)
        for item in items:
            if item.type is None:
                raise EpcisError(f"A {name} needs a type", field=f"{list_name}/{name}/@type",
                                 expected="a CBV source/destination type", found=item.value)
            self.sub(node, name, item.value).set("type", item.type)

    def error_declaration(self, parent: etree._Element, ed: ErrorDeclaration | None) -> None:
        if ed is None:
            return
        node = self.sub(parent, "errorDeclaration")
        self.sub(node, "declarationTime", format_time(ed.declaration_time))
        if ed.reason is not None:
            self.sub(node, "reason", ed.reason)
        if ed.corrective_event_ids:
            ids = self.sub(node, "correctiveEventIDs")
            for i in ed.corrective_event_ids:
                self.sub(ids, "correctiveEventID", i)
        self.extensions(node, ed.extensions)

    def sensor_fields(self, node: etree._Element, report: SensorReport, field: str) -> None:
        for name, value in report.fields:
            node.set(name, value)
        if report.extensions:
            raise EpcisError("XML sensor reports carry attributes only; nested extension "
                             "elements cannot be written", field=field,
                             found=report.extensions[0].clark)

    def sensor_elements(self, parent: etree._Element, items: tuple[SensorElement, ...]) -> None:
        if not items:
            return
        node = self.sub(parent, "sensorElementList")
        for se in items:
            sen = self.sub(node, "sensorElement")
            if se.metadata is not None:
                self.sensor_fields(self.sub(sen, "sensorMetadata"), se.metadata,
                                   "sensorElementList/sensorElement/sensorMetadata")
            for report in se.reports:
                self.sensor_fields(self.sub(sen, "sensorReport"), report,
                                   "sensorElementList/sensorElement/sensorReport")
            self.extensions(sen, se.extensions)

    def persistent_disposition(self, parent: etree._Element, event: Event) -> None:
        pd = event.persistent_disposition
        if pd is None:
            return
        node = self.sub(parent, "persistentDisposition")
        for value in pd.unset:
            self.sub(node, "unset", value)
        for value in pd.set:
            self.sub(node, "set", value)

    def ilmd(self, parent: etree._Element, items: tuple[Element, ...]) -> None:
        if items:
            self.extensions(self.sub(parent, "ilmd"), items)

    def biz_transactions(self, parent: etree._Element, event: Event, required: bool = False) -> None:
        if not event.biz_transactions:
            if required:
                raise EpcisError("A TransactionEvent needs at least one business transaction",
                                 field="bizTransactionList", expected="one or more bizTransaction",
                                 found="none")
            return
        node = self.sub(parent, "bizTransactionList")
        for bt in event.biz_transactions:
            el = self.sub(node, "bizTransaction", bt.value)
            if bt.type is not None:
                el.set("type", bt.type)

    def what_where_why(self, node: etree._Element, event: Event, with_action: bool = True) -> None:
        if with_action:
            if event.action is None:
                raise EpcisError(f"{event.type.value} needs an action", field="action",
                                 expected="ADD, OBSERVE or DELETE", found="none")
            self.sub(node, "action", event.action.value)
        if event.biz_step is not None:
            self.sub(node, "bizStep", event.biz_step)
        if event.disposition is not None:
            self.sub(node, "disposition", event.disposition)
        self.location(node, "readPoint", event.read_point)
        self.location(node, "bizLocation", event.biz_location)

    # -- events ---------------------------------------------------------------------
    def common(self, node: etree._Element, event: Event, v12_style: bool) -> None:
        self.sub(node, "eventTime", format_time(event.event_time))
        if event.record_time is not None:
            self.sub(node, "recordTime", format_time(event.record_time))
        self.sub(node, "eventTimeZoneOffset", event.event_time_zone_offset)
        if not v12_style:
            if event.event_id is not None:
                self.sub(node, "eventID", event.event_id)
            self.error_declaration(node, event.error_declaration)
            if len(event.certification_info) > 1:
                raise EpcisError("EPCIS 2.0 XML allows one certificationInfo per event",
                                 field="certificationInfo", expected="at most one",
                                 found=str(len(event.certification_info)))
            for ci in event.certification_info:
                self.sub(node, "certificationInfo", ci)
            return
        if event.event_id is None and event.error_declaration is None and not event.certification_info:
            return
        base = self.sub(node, "baseExtension")
        if event.event_id is not None:
            self.sub(base, "eventID", event.event_id)
        self.error_declaration(base, event.error_declaration)
        if event.certification_info:
            ext = self.sub(base, "extension")
            for ci in event.certification_info:
                self.sub(ext, "certificationInfo", ci)

    def event(self, parent: etree._Element, event: Event) -> None:
        kind = event.type
        if self.v12 and kind is EventType.TRANSFORMATION:
            parent = self.sub(parent, "extension")
        elif self.v12 and kind is EventType.ASSOCIATION:
            parent = self.sub(self.sub(parent, "extension"), "extension")
        node = self.sub(parent, kind.value)
        self.common(node, event, v12_style=self.v12)
        getattr(self, f"_{kind.name.lower()}")(node, event)

    def _new_in_2(self, node: etree._Element, event: Event) -> None:
        self.sensor_elements(node, event.sensor_elements)
        self.persistent_disposition(node, event)

    def _tail(self, node: etree._Element, event: Event, ext: etree._Element | None = None) -> None:
        """The 1.2 innermost ``extension`` (2.0-only fields, unqualified extensions), then ##other."""
        if self.v12:
            locals_ = [e for e in event.extensions if not e.ns]
            if event.sensor_elements or event.persistent_disposition or locals_:
                inner = self.sub(ext if ext is not None else node, "extension")
                self._new_in_2(inner, event)
                for e in locals_:
                    self.element(inner, e)
            self.extensions(node, tuple(e for e in event.extensions if e.ns))
        else:  # unqualified (1.2 ##local) ones in <extension>, as GS1's 1.2-to-2.0 stylesheet
            self.extensions(node, event.extensions)

    def _object(self, node: etree._Element, event: Event) -> None:
        if event.epc_list or self.v12:
            self.epc_list(node, "epcList", event.epc_list)
        self.what_where_why(node, event)
        self.biz_transactions(node, event)
        if self.v12:
            needs = (event.quantity_list or event.sources or event.destinations or event.ilmd
                     or event.sensor_elements or event.persistent_disposition
                     or any(not e.ns for e in event.extensions))
            ext = self.sub(node, "extension") if needs else None
            if ext is not None:
                if event.quantity_list:
                    self.quantity_list(ext, "quantityList", event.quantity_list)
                self.source_dest(ext, "sourceList", "source", event.sources)
                self.source_dest(ext, "destinationList", "destination", event.destinations)
                self.ilmd(ext, event.ilmd)
            self._tail(node, event, ext)
            return
        if event.quantity_list:
            self.quantity_list(node, "quantityList", event.quantity_list)
        self.source_dest(node, "sourceList", "source", event.sources)
        self.source_dest(node, "destinationList", "destination", event.destinations)
        self._new_in_2(node, event)
        self.ilmd(node, event.ilmd)
        self._tail(node, event)

    def _aggregation(self, node: etree._Element, event: Event) -> None:
        if event.parent_id is not None:
            self.sub(node, "parentID", event.parent_id)
        if event.child_epcs or self.v12:
            self.epc_list(node, "childEPCs", event.child_epcs)
        self.what_where_why(node, event)
        self.biz_transactions(node, event)
        self._quantities_and_parties(node, event, "childQuantityList", event.child_quantity_list)

    def _transaction(self, node: etree._Element, event: Event) -> None:
        self.biz_transactions(node, event, required=True)
        if event.parent_id is not None:
            self.sub(node, "parentID", event.parent_id)
        if event.epc_list or self.v12:
            self.epc_list(node, "epcList", event.epc_list)
        self.what_where_why(node, event)
        self._quantities_and_parties(node, event, "quantityList", event.quantity_list)

    def _quantities_and_parties(self, node: etree._Element, event: Event, qname: str,
                                quantities: tuple[QuantityElement, ...]) -> None:
        if self.v12:
            needs = (quantities or event.sources or event.destinations or event.sensor_elements
                     or event.persistent_disposition or any(not e.ns for e in event.extensions))
            ext = self.sub(node, "extension") if needs else None
            if ext is not None:
                if quantities:
                    self.quantity_list(ext, qname, quantities)
                self.source_dest(ext, "sourceList", "source", event.sources)
                self.source_dest(ext, "destinationList", "destination", event.destinations)
            self._tail(node, event, ext)
            return
        if quantities:
            self.quantity_list(node, qname, quantities)
        self.source_dest(node, "sourceList", "source", event.sources)
        self.source_dest(node, "destinationList", "destination", event.destinations)
        self._new_in_2(node, event)
        self._tail(node, event)

    def _transformation(self, node: etree._Element, event: Event) -> None:
        for name, epcs, quantities in (
            ("input", event.input_epc_list, event.input_quantity_list),
            ("output", event.output_epc_list, event.output_quantity_list),
        ):
            if epcs:
                self.epc_list(node, f"{name}EPCList", epcs)
            if quantities:
                self.quantity_list(node, f"{name}QuantityList", quantities)
        if event.transformation_id is not None:
            self.sub(node, "transformationID", event.transformation_id)
        self.what_where_why(node, event, with_action=False)
        self.biz_transactions(node, event)
        self.source_dest(node, "sourceList", "source", event.sources)
        self.source_dest(node, "destinationList", "destination", event.destinations)
        if self.v12:
            self.ilmd(node, event.ilmd)
            # 1.2 TransformationEvent/extension is the ##local slot itself.
            locals_ = [e for e in event.extensions if not e.ns]
            if event.sensor_elements or event.persistent_disposition or locals_:
                ext = self.sub(node, "extension")
                self._new_in_2(ext, event)
                for e in locals_:
                    self.element(ext, e)
            self.extensions(node, tuple(e for e in event.extensions if e.ns))
            return
        self._new_in_2(node, event)
        self.ilmd(node, event.ilmd)
        self._tail(node, event)

    def _association(self, node: etree._Element, event: Event) -> None:
        if event.parent_id is None:
            raise EpcisError("An AssociationEvent needs a parentID", field="parentID",
                             expected="an identifier URI", found="none")
        self.sub(node, "parentID", event.parent_id)
        if event.child_epcs:
            self.epc_list(node, "childEPCs", event.child_epcs)
        if event.child_quantity_list:
            self.quantity_list(node, "childQuantityList", event.child_quantity_list)
        self.what_where_why(node, event)
        self.biz_transactions(node, event)
        self.source_dest(node, "sourceList", "source", event.sources)
        self.source_dest(node, "destinationList", "destination", event.destinations)
        self._new_in_2(node, event)
        self.extensions(node, event.extensions)

    # -- header ---------------------------------------------------------------------
    def sbdh(self, parent: etree._Element, sbdh: Sbdh, creation: datetime) -> None:
        node = etree.SubElement(parent, f"{{{SBDH_NS}}}StandardBusinessDocumentHeader")

        def s(p: etree._Element, name: str, text: str | None = None) -> etree._Element:
            el = etree.SubElement(p, f"{{{SBDH_NS}}}{name}")
            el.text = text
            return el

        s(node, "HeaderVersion", "1.0")
        for role, value in (("Sender", sbdh.sender), ("Receiver", sbdh.receiver)):
            s(s(node, role), "Identifier", value or "").set("Authority", "GS1")
        di = s(node, "DocumentIdentification")
        s(di, "Standard", "EPCglobal")
        s(di, "TypeVersion", "1.0")
        s(di, "InstanceIdentifier", sbdh.document_id or "")
        s(di, "Type", sbdh.document_type or "Events")
        s(di, "CreationDateAndTime", format_time(sbdh.creation_time or creation))

    def master_data(self, parent: etree._Element, vocabularies: tuple[Vocabulary, ...]) -> None:
        vl = self.sub(self.sub(parent, "EPCISMasterData"), "VocabularyList")
        for vocab in vocabularies:
            v = self.sub(vl, "Vocabulary")
            v.set("type", vocab.type)
            if not vocab.elements:
                continue
            vel = self.sub(v, "VocabularyElementList")
            for ve in vocab.elements:
                e = self.sub(vel, "VocabularyElement")
                e.set("id", ve.id)
                for attr_id, value in ve.attributes:
                    a = self.sub(e, "attribute")
                    a.set("id", attr_id)
                    if isinstance(value, Element):
                        self.attribute_value(a, value)
                    else:
                        a.text = value
                if ve.children:
                    ch = self.sub(e, "children")
                    for child in ve.children:
                        self.sub(ch, "id", child)

    def attribute_value(self, node: etree._Element, value: Element) -> None:
        """Write a structured master-data value.

        Readers hand over the ``<attribute>`` element itself (no namespace, name
        ``attribute``); anything else is its single child.
        """
        if value.ns or value.name != "attribute":
            self.element(node, value)
            return
        for name, text in value.attributes:
            node.set(name, text)
        node.text = value.text
        for child in value.children:
            self.element(node, child)

    def header(self, root: etree._Element, doc: Document, creation: datetime) -> None:
        ns_ext = [e for e in doc.header_extensions if e.ns]
        local_ext = [e for e in doc.header_extensions if not e.ns]
        if not (doc.sbdh or doc.master_data or doc.header_extensions):
            return
        header = self.sub(root, "EPCISHeader")
        if doc.sbdh is not None or self.v12:
            self.sbdh(header, doc.sbdh or Sbdh(), creation)
        if doc.master_data or local_ext:
            ext = self.sub(header, "extension")
            if doc.master_data:
                self.master_data(ext, doc.master_data)
            if local_ext:
                inner = self.sub(ext, "extension")
                for e in local_ext:
                    self.element(inner, e)
        if self.v12:
            for e in ns_ext:
                self.element(header, e)

    def document(self, doc: Document) -> bytes:
        creation = doc.creation_date or (doc.sbdh.creation_time if doc.sbdh else None)
        if creation is None:
            raise EpcisError("The document has no creation date", field="creationDate",
                             expected="a date and time", found="none")
        epcis_ns = EPCIS_NS[self.version]
        used = collect_namespaces(doc)
        qname_prefixes = _xsi_type_prefixes(doc) if XSI_NS in used else set()
        for prefix in sorted(qname_prefixes & {"xsd", "xs"}):
            used.setdefault(XSD_NS, prefix)
        prefixes = assign_prefixes(used, {"epcis", "sbdh", "xsi"})
        nsmap: dict[str | None, str] = {"epcis": epcis_ns}
        if doc.sbdh is not None or (self.v12 and (doc.master_data or doc.header_extensions)):
            nsmap["sbdh"] = SBDH_NS
        nsmap.update({p: ns for ns, p in prefixes.items()})
        root = etree.Element(f"{{{epcis_ns}}}EPCISDocument", nsmap=nsmap)  # type: ignore[arg-type]  # lxml-stubs refuse the None (default namespace) key lxml takes
        root.set("schemaVersion", self.version)
        root.set("creationDate", format_time(creation))
        self.header(root, doc, creation)
        event_list = self.sub(self.sub(root, "EPCISBody"), "EventList")
        for index, event in enumerate(doc.events):
            try:
                self.event(event_list, event)
            except EpcisError as exc:
                if exc.event_index is None:
                    exc.event_index = index
                raise
        if not self.v12:
            # EPCIS 2.0 XML has no slot for namespaced header extensions inside EPCISHeader;
            # the document's own ##other wildcard (after EPCISBody) keeps them schema-valid.
            for e in doc.header_extensions:
                if e.ns:
                    self.element(root, e)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_xml(doc: Document, version: str) -> bytes:
    """Serialise ``doc`` as EPCIS ``version`` ("1.2" or "2.0") XML, UTF-8 with declaration."""
    if version not in EPCIS_NS:
        raise EpcisError("Unknown EPCIS XML version", field="format", expected="1.2 or 2.0",
                         found=version)
    return _XmlWriter(version).document(doc)


__all__ = ["write_xml", "format_time", "format_decimal", "collect_namespaces", "assign_prefixes",
           "split_clark", "UTC"]
