"""Write a :class:`~epcis.model.Document` as EPCIS 2.0 JSON-LD.

The standard ``@context`` URL comes first, followed by an inline object declaring a
prefix for every extension namespace the document uses. Standard CBV values are
written as bare words (``shipping``), as the EPCIS 2.0 context expects; anything else
stays a full URI. The output validates against the GS1 EPCIS 2.0 JSON Schema.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from epcis import cbv
from epcis.errors import EpcisError
from epcis.model import (
    Document,
    Element,
    ErrorDeclaration,
    Event,
    Location,
    QuantityElement,
    Sbdh,
    SensorElement,
    SensorReport,
    SourceDest,
    Vocabulary,
)
from epcis.xml_write import assign_prefixes, collect_namespaces, format_time, split_clark

CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_STANDARD_NS = {ns: p for p, ns in cbv.CONTEXT_PREFIXES.items()}
#: Sensor fields whose JSON type is a number or a boolean (all others are strings).
_NUMERIC = frozenset(["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"])


def bare(kind: str, value: str) -> str:
    """A CBV URN as the bare word the EPCIS 2.0 context defines; other values unchanged.

    >>> bare("bizstep", "urn:epcglobal:cbv:bizstep:shipping")
    'shipping'
    >>> bare("bizstep", "urn:epcglobal:cbv:bizstep:teleporting")
    'urn:epcglobal:cbv:bizstep:teleporting'
    """
    return value.rsplit(":", 1)[1] if cbv.is_standard(kind, value) else value


def _number(text: str, field: str) -> int | float | Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise EpcisError("A sensor value is not a number", field=field, expected="a decimal",
                         found=text) from None
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


def _add(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key``; a repeated key becomes a list."""
    if key in target:
        if not isinstance(target[key], list):
            target[key] = [target[key]]
        target[key].append(value)
    else:
        target[key] = value


class _JsonWriter:
    def __init__(self, doc: Document) -> None:
        used = collect_namespaces(doc)
        custom = {ns: hint for ns, hint in used.items() if ns not in _STANDARD_NS}
        self.prefixes = dict(_STANDARD_NS)
        self.inline = assign_prefixes(custom, set(cbv.CONTEXT_PREFIXES) | {"sbdh"})
        self.prefixes.update(self.inline)

    def name(self, ns: str, local: str) -> str:
        """A compact key; nested extension content may be unqualified, as in XML."""
        return f"{self.prefixes[ns]}:{local}" if ns else local

    def element_value(self, el: Element) -> Any:
        """An Element's content: text, or an object of its attributes and children."""
        if not el.children and not el.attributes:
            return el.text if el.text is not None else ""
        obj: dict[str, Any] = {}
        for attr, value in el.attributes:
            ns, local = split_clark(attr)
            obj["@" + self.name(ns, local)] = value
        if el.text is not None and el.text.strip():
            obj["#text"] = el.text
        for child in el.children:
            key = self.name(child.ns, child.name)
            value = self.element_value(child)
            if key in obj:
                if not isinstance(obj[key], list):
                    obj[key] = [obj[key]]
                obj[key].append(value)
            else:
                obj[key] = value
        return obj

    def attribute_value(self, value: Element) -> Any:
        """A structured master-data value as a JSON object (see ``xml_write``)."""
        if value.ns or value.name != "attribute":
            return {self.name(value.ns, value.name): self.element_value(value)}
        return self.element_value(value) if (value.children or value.attributes) else {}

    def extensions(self, target: dict[str, Any], items: tuple[Element, ...]) -> None:
        """Write namespaced extensions as prefixed keys, unqualified ones in ``extension``.

        Unqualified elements are EPCIS 1.2 ``##local`` content; GS1's 1.2-to-2.0 stylesheet
        puts them in an ``extension`` object.
        """
        local = [el for el in items if not el.ns]
        if local:
            wrapper: dict[str, Any] = target.setdefault("extension", {})
            for el in local:
                _add(wrapper, el.name, self.element_value(el))
        for el in items:
            if el.ns:
                _add(target, self.name(el.ns, el.name), self.element_value(el))

    @staticmethod
    def quantities(items: tuple[QuantityElement, ...]) -> list[dict[str, Any]]:
        out = []
        for q in items:
            entry: dict[str, Any] = {"epcClass": q.epc_class}
            if q.quantity is not None:
                entry["quantity"] = (int(q.quantity) if q.quantity == q.quantity.to_integral_value()
                                     else float(q.quantity))
            if q.uom is not None:
                entry["uom"] = q.uom
            out.append(entry)
        return out

    def location(self, loc: Location) -> dict[str, Any]:
        out: dict[str, Any] = {"id": loc.id}
        self.extensions(out, loc.extensions)
        return out

    @staticmethod
    def source_dest(key: str, items: tuple[SourceDest, ...]) -> list[dict[str, str]]:
        out = []
        for item in items:
            if item.type is None:
                raise EpcisError(f"A {key} needs a type", field=f"{key}List/{key}/type",
                                 expected="a CBV source/destination type", found=item.value)
            out.append({"type": bare("sdt", item.type), key: item.value})
        return out

    def error_declaration(self, ed: ErrorDeclaration) -> dict[str, Any]:
        out: dict[str, Any] = {"declarationTime": format_time(ed.declaration_time)}
        if ed.reason is not None:
            out["reason"] = bare("er", ed.reason)
        if ed.corrective_event_ids:
            out["correctiveEventIDs"] = list(ed.corrective_event_ids)
        self.extensions(out, ed.extensions)
        return out

    def sensor_report(self, report: SensorReport, field: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in report.fields:
            ns, local = split_clark(name)
            if ns:
                out[self.name(ns, local)] = value
            elif local in _NUMERIC:
                out[local] = _number(value, f"{field}/{local}")
            elif local == "booleanValue":
                out[local] = value.strip() in ("true", "1")
            elif local in ("type", "exception") and value.startswith(cbv.GS1_VOC):
                out[local] = value[len(cbv.GS1_VOC):]
            elif local in ("type", "exception") and value.startswith("gs1:"):
                out[local] = value[4:]
            else:
                out[local] = value
        self.extensions(out, report.extensions)
        return out

    def sensor_element(self, se: SensorElement) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if se.metadata is not None:
            out["sensorMetadata"] = self.sensor_report(se.metadata, "sensorMetadata")
        out["sensorReport"] = [self.sensor_report(r, "sensorReport") for r in se.reports]
        self.extensions(out, se.extensions)
        return out

    def event(self, e: Event) -> dict[str, Any]:
        out: dict[str, Any] = {"type": e.type.value, "eventTime": format_time(e.event_time)}
        if e.record_time is not None:
            out["recordTime"] = format_time(e.record_time)
        out["eventTimeZoneOffset"] = e.event_time_zone_offset
        if e.event_id is not None:
            out["eventID"] = e.event_id
        if e.error_declaration is not None:
            out["errorDeclaration"] = self.error_declaration(e.error_declaration)
        if e.certification_info:
            ci = list(e.certification_info)
            out["certificationInfo"] = ci[0] if len(ci) == 1 else ci
        if e.parent_id is not None:
            out["parentID"] = e.parent_id
        for key, value in (("epcList", e.epc_list), ("childEPCs", e.child_epcs),
                           ("inputEPCList", e.input_epc_list), ("outputEPCList", e.output_epc_list)):
            if value:
                out[key] = list(value)
        if e.type.value == "ObjectEvent" and not (e.epc_list or e.quantity_list or e.sensor_elements):
            out["epcList"] = []
        for key, qvalue in (("quantityList", e.quantity_list),
                            ("childQuantityList", e.child_quantity_list),
                            ("inputQuantityList", e.input_quantity_list),
                            ("outputQuantityList", e.output_quantity_list)):
            if qvalue:
                out[key] = self.quantities(qvalue)
        if e.action is not None:
            out["action"] = e.action.value
        if e.transformation_id is not None:
            out["transformationID"] = e.transformation_id
        if e.biz_step is not None:
            out["bizStep"] = bare("bizstep", e.biz_step)
        if e.disposition is not None:
            out["disposition"] = bare("disp", e.disposition)
        if e.persistent_disposition is not None:
            pd = e.persistent_disposition
            out["persistentDisposition"] = {
                k: [bare("disp", v) for v in vals] for k, vals in (("set", pd.set), ("unset", pd.unset))
                if vals
            }
        if e.read_point is not None:
            out["readPoint"] = self.location(e.read_point)
        if e.biz_location is not None:
            out["bizLocation"] = self.location(e.biz_location)
        if e.biz_transactions:
            out["bizTransactionList"] = [
                {"type": bare("btt", bt.type), "bizTransaction": bt.value} if bt.type is not None
                else {"bizTransaction": bt.value}
                for bt in e.biz_transactions
            ]
        if e.sources:
            out["sourceList"] = self.source_dest("source", e.sources)
        if e.destinations:
            out["destinationList"] = self.source_dest("destination", e.destinations)
        if e.sensor_elements:
            out["sensorElementList"] = [self.sensor_element(se) for se in e.sensor_elements]
        if e.ilmd:
            ilmd: dict[str, Any] = {}
            self.extensions(ilmd, e.ilmd)
            out["ilmd"] = ilmd
        self.extensions(out, e.extensions)
        return out

    def vocabulary(self, vocab: Vocabulary) -> dict[str, Any]:
        elements = []
        for ve in vocab.elements:
            entry: dict[str, Any] = {"id": ve.id}
            if ve.attributes:
                entry["attributes"] = [
                    {"id": k, "attribute": self.attribute_value(v) if isinstance(v, Element) else v}
                    for k, v in ve.attributes
                ]
            if ve.children:
                entry["children"] = list(ve.children)
            elements.append(entry)
        out: dict[str, Any] = {"type": vocab.type}
        if elements:
            out["vocabularyElementList"] = elements
        return out

    @staticmethod
    def sbdh(s: Sbdh) -> dict[str, Any]:
        """The SBDH as a JSON-LD object in the SBDH namespace.

        EPCIS 2.0 JSON has no SBDH of its own; ``sender``/``receiver``/``instanceIdentifier``
        carry only part of it.
        """
        out: dict[str, Any] = {"sbdh:HeaderVersion": "1.0"}
        for role, value in (("Sender", s.sender), ("Receiver", s.receiver)):
            if value is not None:
                out[f"sbdh:{role}"] = {"sbdh:Identifier": value}
        ident: dict[str, Any] = {"sbdh:Standard": "EPCglobal", "sbdh:TypeVersion": "1.0"}
        for key, val in (("InstanceIdentifier", s.document_id), ("Type", s.document_type),
                         ("CreationDateAndTime", format_time(s.creation_time) if s.creation_time else None)):
            if val is not None:
                ident[f"sbdh:{key}"] = val
        out["sbdh:DocumentIdentification"] = ident
        return out

    def document(self, doc: Document) -> dict[str, Any]:
        creation = doc.creation_date or (doc.sbdh.creation_time if doc.sbdh else None)
        if creation is None:
            raise EpcisError("The document has no creation date", field="creationDate",
                             expected="a date and time", found="none")
        context: list[Any] = [CONTEXT_URL]
        inline = {p: ns for ns, p in self.inline.items()}
        if doc.sbdh is not None:
            inline["sbdh"] = SBDH_NS
        if inline:
            context.append(inline)
        out: dict[str, Any] = {"@context": context, "type": "EPCISDocument",
                               "schemaVersion": "2.0", "creationDate": format_time(creation)}
        header: dict[str, Any] = {}
        if doc.sbdh is not None:
            s = doc.sbdh
            for key, value in (("sender", s.sender), ("receiver", s.receiver),
                               ("instanceIdentifier", s.document_id)):
                if value is not None:
                    out[key] = value
            header["sbdh:StandardBusinessDocumentHeader"] = self.sbdh(s)
        if doc.master_data:
            header["epcisMasterData"] = {"vocabularyList": [self.vocabulary(v) for v in doc.master_data]}
        self.extensions(header, doc.header_extensions)
        if header:
            out["epcisHeader"] = header
        events = []
        for index, event in enumerate(doc.events):
            try:
                events.append(self.event(event))
            except EpcisError as exc:
                if exc.event_index is None:
                    exc.event_index = index
                raise
        out["epcisBody"] = {"eventList": events}
        return out


def to_jsonld(doc: Document) -> dict[str, Any]:
    """The JSON-LD object for ``doc`` (before serialisation)."""
    return _JsonWriter(doc).document(doc)


def write_jsonld(doc: Document) -> bytes:
    """Serialise ``doc`` as EPCIS 2.0 JSON-LD, UTF-8, two-space indented."""
    return json.dumps(to_jsonld(doc), indent=2, ensure_ascii=False).encode("utf-8")
