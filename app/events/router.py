"""HTTP: ``GET /events`` and ``GET /events/{eventHash}`` as EPCIS 2.0 JSON-LD."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep
from app.errors import NotFound, ValidationFailed
from app.events import repository
from app.events.repository import EventFilter
from app.models import EpcisEvent
from app.models.base import utcnow
from epcis.cbv import to_urn
from epcis.model import Document
from epcis.read import read_document
from epcis.write import write_document

router = APIRouter(tags=["query"])
QUERY = require("query")
JSONLD = "application/ld+json"
HEADERS = {"GS1-EPCIS-Version": "2.0.0"}
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
               "AssociationEvent")


def epc_help(fields: str) -> str:
    """OpenAPI text of a ``MATCH_*`` parameter matching identifiers in ``fields``."""
    return ("EPC URIs or patterns (urn:epc:idpat:sgtin:0312345.060011.*), separated by | or "
            f"commas, or the parameter repeated: events whose {fields} names one of them "
            "(EPCIS 2.0 section 8.2.7.1). Several MATCH_ parameters must all match.")


def _match(alias: str, fields: str):
    return Query(None, alias=alias, description=epc_help(fields))


def _list(value: str | None) -> tuple[str, ...]:
    """EPCIS list parameters: values separated by ``|`` (or commas)."""
    if not value:
        return ()
    return tuple(v.strip() for v in value.replace(",", "|").split("|") if v.strip())


def _values(values: list[str] | None) -> tuple[str, ...]:
    """A list parameter given once (``a|b``, ``a,b``) or repeated (``p=a&p=b``)."""
    return tuple(v for value in values or () for v in _list(value))


def _token(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def _after(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "after" and value.isdigit():
            return int(value)
    except ValueError:
        pass
    raise ValidationFailed(f"nextPageToken {token!r} is not a token this server issued",
                           field="nextPageToken", found=token)


def _time(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def stored_document(row: EpcisEvent) -> dict[str, Any]:
    """The stored one-event document plus what the repository adds: ``recordTime`` and, when
    the sender gave none, the CBV 2.0 event hash as ``eventID`` (neither changes the hash)."""
    doc = json.loads(row.body)
    event = doc["epcisBody"]["eventList"][0]
    event.setdefault("eventID", row.event_hash)
    event["recordTime"] = _time(row.record_time)
    return doc


def query_document(rows: list[EpcisEvent]) -> dict[str, Any]:
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


def wants_xml(request: Request) -> bool:
    """True when ``Accept`` names an XML type and no JSON type."""
    accept = request.headers.get("accept", "").lower()
    return "xml" in accept and "json" not in accept


def xml_response(rows: list[EpcisEvent], headers: dict[str, str]) -> Response:
    """The events as an EPCIS 2.0 XML document."""
    events = tuple(
        dataclasses.replace(event, event_id=event.event_id or r.event_hash,
                            record_time=r.record_time)
        for r in rows
        for event in read_document(r.body.encode(), format="2.0-jsonld").events
    )
    body = write_document(Document("2.0", creation_date=utcnow(), events=events), "2.0-xml")
    return Response(body, media_type="application/xml", headers=headers)


class JsonLdResponse(JSONResponse):
    media_type = JSONLD


EPCIS_CONTENT = {200: {"description": "EPCIS 2.0 JSON-LD, or XML when `Accept` asks for it",
                       "content": {"application/xml": {}}}}


@router.get("/events", summary="Query events (EPCIS 2.0 SimpleEventQuery parameters)",
            response_class=JsonLdResponse, responses=EPCIS_CONTENT)
async def events(
    request: Request,
    session: SessionDep,
    caller: Caller = QUERY,
    event_type: str | None = Query(None, alias="eventType"),
    ge_time: datetime | None = Query(None, alias="GE_eventTime"),
    lt_time: datetime | None = Query(None, alias="LT_eventTime"),
    biz_step: str | None = Query(None, alias="EQ_bizStep"),
    disposition: str | None = Query(None, alias="EQ_disposition"),
    biz_location: str | None = Query(None, alias="EQ_bizLocation"),
    match_epc: list[str] | None = _match(
        "MATCH_epc", "epcList or childEPCs (not parentID: see MATCH_parentID)"),
    match_parent: list[str] | None = _match(
        "MATCH_parentID", "parentID (AggregationEvent, TransactionEvent, AssociationEvent)"),
    match_input: list[str] | None = _match("MATCH_inputEPC", "inputEPCList (TransformationEvent)"),
    match_output: list[str] | None = _match(
        "MATCH_outputEPC", "outputEPCList (TransformationEvent)"),
    match_any: list[str] | None = _match(
        "MATCH_anyEPC", "parentID, epcList, childEPCs, inputEPCList or outputEPCList"),
    per_page: int = Query(30, alias="perPage", ge=1, le=1000),
    token: str | None = Query(None, alias="nextPageToken"),
) -> JSONResponse:
    types = _list(event_type)
    for t in types:
        if t not in EVENT_TYPES:
            raise ValidationFailed(f"eventType {t!r}: expected one of {', '.join(EVENT_TYPES)}",
                                   field="eventType", found=t)
    for name, value in (("GE_eventTime", ge_time), ("LT_eventTime", lt_time)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(f"{name} {value.isoformat()!r} needs a time zone (Z or +hh:mm)",
                                   field=name, found=value.isoformat())
    f = EventFilter(
        types, ge_time, lt_time, tuple(to_urn("bizstep", v) for v in _list(biz_step)),
        tuple(to_urn("disp", v) for v in _list(disposition)), _list(biz_location),
        _values(match_epc), _values(match_parent), _values(match_input), _values(match_output),
        _values(match_any),
    )
    rows = await repository.find(session, f, caller.partner_id, caller.sees_everything,
                                 _after(token), per_page + 1)
    headers = dict(HEADERS)
    if len(rows) > per_page:
        rows = rows[:per_page]
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        params.append(("nextPageToken", _token(rows[-1].id)))
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    if wants_xml(request):
        return xml_response(rows, headers)
    return JsonLdResponse(query_document(rows), headers=headers)


@router.get("/events/{event_hash:path}", summary="One event by its CBV 2.0 event hash",
            response_class=JsonLdResponse)
async def event(
    event_hash: str, request: Request, session: SessionDep, caller: Caller = QUERY,
    ver: str | None = Query(None, include_in_schema=False),
) -> JSONResponse:
    if not event_hash.startswith("ni:"):  # the bare hex digest
        event_hash = f"ni:///sha-256;{event_hash}?ver=CBV2.0"
    elif ver and "?" not in event_hash:  # sent unencoded: the query string took "?ver=..."
        event_hash += f"?ver={ver}"
    row = await repository.by_hash(session, event_hash, caller.partner_id, caller.sees_everything)
    if row is None:
        raise NotFound(f"no event {event_hash} visible to this key", field="eventHash")
    if wants_xml(request):
        return xml_response([row], HEADERS)
    return JsonLdResponse(stored_document(row), headers=HEADERS)
