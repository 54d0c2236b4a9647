"""HTTP: ``GET /events`` and ``GET /events/{eventHash}`` as EPCIS 2.0 JSON-LD."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep
from app.events import service
from app.events.query import EventFilter
from app.events.schemas import query_document, stored_document, xml_document
from app.models import EpcisEvent

router = APIRouter(tags=["query"])
QUERY = require("query", "regulator")
JSONLD = "application/ld+json"
HEADERS = {"GS1-EPCIS-Version": "2.0.0"}


def epc_help(fields: str) -> str:
    """OpenAPI text of a ``MATCH_*`` parameter matching identifiers in ``fields``."""
    return ("EPC URIs or patterns (urn:epc:idpat:sgtin:0312345.060011.*), separated by | or "
            f"commas, or the parameter repeated: events whose {fields} names one of them "
            "(EPCIS 2.0 section 8.2.7.1). Several MATCH_ parameters must all match.")


def _match(alias: str, fields: str):
    return Query(None, alias=alias, description=epc_help(fields))


def wants_xml(request: Request) -> bool:
    """True when ``Accept`` names an XML type and no JSON type."""
    accept = request.headers.get("accept", "").lower()
    return "xml" in accept and "json" not in accept


async def xml_response(rows: Sequence[EpcisEvent], headers: dict[str, str]) -> Response:
    """The events as an EPCIS 2.0 XML document, converted in a worker thread."""
    body = await anyio.to_thread.run_sync(xml_document, rows)
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
    f = EventFilter.parse(
        event_type=event_type, ge_time=ge_time, lt_time=lt_time, biz_step=biz_step,
        disposition=disposition, biz_location=biz_location, match_epc=match_epc,
        match_parent=match_parent, match_input=match_input, match_output=match_output,
        match_any=match_any,
    )
    page = await service.find_events(session, caller, f, token, per_page)
    headers = dict(HEADERS)
    if page.next_token is not None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        params.append(("nextPageToken", page.next_token))
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    if wants_xml(request):
        return await xml_response(page.events, headers)
    return JsonLdResponse(query_document(page.events), headers=headers)


@router.get("/events/{event_hash:path}", summary="One event by its CBV 2.0 event hash",
            response_class=JsonLdResponse)
async def event(
    event_hash: str, request: Request, session: SessionDep, caller: Caller = QUERY,
    ver: str | None = Query(None, include_in_schema=False),
) -> JSONResponse:
    if ver and event_hash.startswith("ni:") and "?" not in event_hash:
        event_hash += f"?ver={ver}"  # sent unencoded: the query string took "?ver=..."
    row = await service.get_event(session, caller, event_hash)
    if wants_xml(request):
        return await xml_response([row], HEADERS)
    return JsonLdResponse(stored_document(row), headers=HEADERS)
