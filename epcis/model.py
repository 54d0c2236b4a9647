"""One typed model for EPCIS 1.2 and 2.0 documents, whatever their syntax.

Readers (1.2 XML, 2.0 XML, 2.0 JSON-LD) produce these frozen dataclasses and writers
consume them; the event hash and the DSCSA checks read them. The model keeps
*meaning*, not syntax:

* CBV values are stored in their URN form (``urn:epcglobal:cbv:bizstep:shipping``);
  readers map JSON bare words (``shipping``) and Web URIs
  (``https://ref.gs1.org/cbv/BizStep-shipping``) onto it. Non-CBV values stay verbatim.
* EPCs, locations and parties stay as written (EPC URN or GS1 Digital Link URI).
* Times are timezone-aware ``datetime`` values; ``event_time_zone_offset`` is kept
  verbatim (``+01:00``) because it is part of the event's identity.
* Anything outside the standard fields (user extensions, ILMD content, ``gs1ushc``
  statements) is an :class:`Element` tree with namespace, attributes and children,
  so nothing a partner sent is lost. 1.2's ``<extension>`` wrappers are dissolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class EventType(StrEnum):
    """The five EPCIS event types."""

    OBJECT = "ObjectEvent"
    AGGREGATION = "AggregationEvent"
    TRANSACTION = "TransactionEvent"
    TRANSFORMATION = "TransformationEvent"
    ASSOCIATION = "AssociationEvent"


class Action(StrEnum):
    """The EPCIS ``action`` field."""

    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


@dataclass(frozen=True)
class Element:
    """A namespaced element outside the standard schema, kept losslessly.

    ``attributes`` are ``(name, value)`` pairs, names in Clark notation
    (``{namespace}local``) when namespaced. ``children`` keep document order.
    ``prefix`` is only a writing hint and takes no part in equality.
    """

    ns: str
    name: str
    text: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    children: tuple[Element, ...] = ()
    prefix: str | None = field(default=None, compare=False)

    @property
    def clark(self) -> str:
        """The element name in Clark notation, e.g. ``{http://epcis.gs1us.org/hc/ns}x``."""
        return f"{{{self.ns}}}{self.name}" if self.ns else self.name


@dataclass(frozen=True)
class QuantityElement:
    """A class-level quantity: ``epcClass`` with an optional quantity and unit."""

    epc_class: str
    quantity: Decimal | None = None
    uom: str | None = None


@dataclass(frozen=True)
class BizTransaction:
    """A business transaction reference (``type`` is a CBV BTT value, or None)."""

    value: str
    type: str | None = None


@dataclass(frozen=True)
class SourceDest:
    """A source or destination entry (``type`` is a CBV SDT value such as owning_party)."""

    value: str
    type: str | None = None


@dataclass(frozen=True)
class Location:
    """A readPoint or bizLocation: its identifier plus any extension elements."""

    id: str
    extensions: tuple[Element, ...] = ()


@dataclass(frozen=True)
class PersistentDisposition:
    """EPCIS 2.0 persistent disposition changes."""

    set: tuple[str, ...] = ()
    unset: tuple[str, ...] = ()


@dataclass(frozen=True)
class SensorReport:
    """One sensor report: standard fields by their EPCIS 2.0 names, values as text.

    ``fields`` are ``(name, value)`` pairs in document order; extension attributes use
    Clark notation names. Readers store ``type`` and ``exception`` as full GS1 Web
    Vocabulary URIs (``https://gs1.org/voc/Temperature``) whether the source wrote
    ``gs1:Temperature`` (XML) or ``Temperature`` (JSON); other values stay as written
    (JSON numbers as their text, booleans as ``true``/``false``).
    """

    fields: tuple[tuple[str, str], ...] = ()
    extensions: tuple[Element, ...] = ()


@dataclass(frozen=True)
class SensorElement:
    """A sensor element: optional metadata (same shape as a report) and its reports."""

    metadata: SensorReport | None = None
    reports: tuple[SensorReport, ...] = ()
    extensions: tuple[Element, ...] = ()


@dataclass(frozen=True)
class ErrorDeclaration:
    """An EPCIS error declaration (a correction of an earlier event)."""

    declaration_time: datetime
    reason: str | None = None
    corrective_event_ids: tuple[str, ...] = ()
    extensions: tuple[Element, ...] = ()


@dataclass(frozen=True)
class Event:
    """Any EPCIS event; which fields apply depends on ``type``.

    List fields are empty tuples when absent. ``epc_list`` carries ObjectEvent and
    TransactionEvent EPCs; ``child_epcs`` those of Aggregation and Association events.
    """

    type: EventType
    event_time: datetime
    event_time_zone_offset: str
    record_time: datetime | None = None
    event_id: str | None = None
    error_declaration: ErrorDeclaration | None = None
    certification_info: tuple[str, ...] = ()
    parent_id: str | None = None
    epc_list: tuple[str, ...] = ()
    child_epcs: tuple[str, ...] = ()
    input_epc_list: tuple[str, ...] = ()
    output_epc_list: tuple[str, ...] = ()
    quantity_list: tuple[QuantityElement, ...] = ()
    child_quantity_list: tuple[QuantityElement, ...] = ()
    input_quantity_list: tuple[QuantityElement, ...] = ()
    output_quantity_list: tuple[QuantityElement, ...] = ()
    action: Action | None = None
    transformation_id: str | None = None
    biz_step: str | None = None
    disposition: str | None = None
    persistent_disposition: PersistentDisposition | None = None
    read_point: Location | None = None
    biz_location: Location | None = None
    biz_transactions: tuple[BizTransaction, ...] = ()
    sources: tuple[SourceDest, ...] = ()
    destinations: tuple[SourceDest, ...] = ()
    sensor_elements: tuple[SensorElement, ...] = ()
    ilmd: tuple[Element, ...] = ()
    extensions: tuple[Element, ...] = ()

    @property
    def all_epcs(self) -> tuple[str, ...]:
        """Every instance-level identifier the event names (parent first)."""
        parent = (self.parent_id,) if self.parent_id else ()
        return parent + self.epc_list + self.child_epcs + self.input_epc_list + self.output_epc_list


@dataclass(frozen=True)
class Sbdh:
    """The parts of a Standard Business Document Header that Custody uses."""

    sender: str | None = None
    receiver: str | None = None
    document_id: str | None = None
    creation_time: datetime | None = None
    document_type: str | None = None


@dataclass(frozen=True)
class VocabularyElement:
    """A master-data element: id, attributes (id -> text value or Element tree), children ids.

    Attribute ids are canonicalised to the EPCIS 1.2 XML form whatever the source syntax:
    ``cbvmda:lotNumber``, ``urn:epcglobal:cbv:mda:lotNumber`` and
    ``urn:epcglobal:cbv:mda#lotNumber`` all become ``urn:epcglobal:cbv:mda#lotNumber``;
    other ids (``http://example.com/ext1#string``) stay verbatim. An attribute with
    element content is an :class:`Element` named ``attribute`` (no namespace) whose
    children are that content.
    """

    id: str
    attributes: tuple[tuple[str, str | Element], ...] = ()
    children: tuple[str, ...] = ()

    def attribute(self, attribute_id: str) -> str | Element | None:
        """The first value of ``attribute_id``, or None."""
        return next((v for k, v in self.attributes if k == attribute_id), None)


@dataclass(frozen=True)
class Vocabulary:
    """A master-data vocabulary (EPCClass, Location, Party ...) by its type URI."""

    type: str
    elements: tuple[VocabularyElement, ...] = ()


@dataclass(frozen=True)
class Document:
    """An EPCIS document: header parts, master data and events in document order."""

    schema_version: str
    creation_date: datetime | None = None
    sbdh: Sbdh | None = None
    master_data: tuple[Vocabulary, ...] = ()
    header_extensions: tuple[Element, ...] = ()
    events: tuple[Event, ...] = ()
