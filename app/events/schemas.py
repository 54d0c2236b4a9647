"""Wire shapes for events: stored events as EPCIS 2.0 JSON-LD or XML documents."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from app.models import EpcisEvent
from app.models.base import utcnow
from epcis.model import Document
from epcis.read import read_document
from epcis.write import write_document


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def stored_document(row: EpcisEvent) -> dict[str, Any]:
    """The stored one-event document plus what the repository adds: ``recordTime`` and, when
    the sender gave none, the CBV 2.0 event hash as ``eventID`` (neither changes the hash)."""
    doc = json.loads(row.body)
    event = doc["epcisBody"]["eventList"][0]
    event.setdefault("eventID", row.event_hash)
    event["recordTime"] = _time(row.record_time)
    return doc


def query_document(rows: Sequence[EpcisEvent]) -> dict[str, Any]:
    """An EPCISQueryDocument holding ``rows`` (each stored as a one-event JSON-LD document)."""
    context: Any = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
    events = []
    for row in rows:
        doc = stored_document(row)
        context = doc.get("@context") or context
        events.append(doc["epcisBody"]["eventList"][0])
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(utcnow()),
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery",
                                       "resultsBody": {"eventList": events}}},
    }


QUERY_NS = "urn:epcglobal:epcis-query:xsd:2"


def xml_document(rows: Sequence[EpcisEvent]) -> bytes:
    """The events as an EPCIS 2.0 XML ``EPCISQueryDocument`` (CPU work: call it in a worker
    thread): the writer's ``EPCISDocument`` with its event list moved into ``QueryResults``."""
    events = tuple(
        dataclasses.replace(event, event_id=event.event_id or r.event_hash,
                            record_time=r.record_time)
        for r in rows
        for event in read_document(r.body.encode(), format="2.0-jsonld").events
    )
    written = write_document(Document("2.0", creation_date=utcnow(), events=events), "2.0-xml")
    # Our own output: no DTD, no entities.
    document = etree.fromstring(written, etree.XMLParser(resolve_entities=False, no_network=True))
    nsmap: dict[str | None, str] = {"epcisq": QUERY_NS, **document.nsmap}
    root = etree.Element(f"{{{QUERY_NS}}}EPCISQueryDocument",
                         nsmap=nsmap, attrib=document.attrib)  # type: ignore[arg-type]  # lxml-stubs refuse the None (default namespace) key and an _Attrib, which lxml takes
    header, event_list = document.find("EPCISHeader"), document.find("EPCISBody/EventList")
    assert event_list is not None, "write_document always writes EPCISBody/EventList"
    if header is not None:
        root.append(header)
    results = etree.SubElement(etree.SubElement(root, "EPCISBody"), f"{{{QUERY_NS}}}QueryResults")
    etree.SubElement(results, "queryName").text = "SimpleEventQuery"
    etree.SubElement(results, "resultsBody").append(event_list)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
