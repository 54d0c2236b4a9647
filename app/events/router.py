"""HTTP: ``GET /events`` and ``GET /events/{eventHash}`` as EPCIS 2.0 JSON-LD."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.auth.deps import require
from app.auth.service import Caller
from app.deps import SessionDep, SettingsDep
from app.events import service
from app.events.query import EVENT_TYPES, MAX_PER_PAGE, EventQuery
from app.events.schemas import query_document, stored_document, xml_document
from app.models import EpcisEvent

router = APIRouter(tags=["query"])
QUERY = require("query", "regulator")
JSONLD = "application/ld+json"
HEADERS = {"GS1-EPCIS-Version": "2.0.0"}


PARAMETERS = {
    "eventType": "Event types, separated by |: " + ", ".join(EVENT_TYPES),
    "GE_eventTime": "Events at or after this time (with a zone: 2026-11-02T08:00:00Z)",
    "LT_eventTime": "Events before this time",
    "GE_recordTime": "Events recorded at or after this time",
    "LT_recordTime": "Events recorded before this time",
    "EQ_action": "Actions, separated by |: ADD, OBSERVE, DELETE",
    "EQ_bizStep": "Business steps: CBV words (shipping) or URIs",
    "EQ_disposition": "Dispositions: CBV words (in_transit) or URIs",
    "EQ_readPoint": "Read point URIs (urn:epc:id:sgln:...)",
    "EQ_bizLocation": "Business location URIs (urn:epc:id:sgln:...)",
    "MATCH_epc": "EPC URIs or patterns (urn:epc:idpat:sgtin:0312345.060011.*) in epcList or "
                 "childEPCs (not parentID: see MATCH_parentID)",
    "MATCH_parentID": "EPC URIs or patterns in parentID",
    "MATCH_inputEPC": "EPC URIs or patterns in inputEPCList (TransformationEvent)",
    "MATCH_outputEPC": "EPC URIs or patterns in outputEPCList (TransformationEvent)",
    "MATCH_anyEPC": "EPC URIs or patterns in parentID, epcList, childEPCs, inputEPCList or "
                    "outputEPCList",
    "orderBy": "eventTime or recordTime (without it: capture order)",
    "orderDirection": "ASC or DESC (the default) for orderBy",
    "eventCountLimit": "At most this many events in all, the first in orderBy's order "
                       "(needs orderBy)",
    "perPage": f"Events per page, 1 to {MAX_PER_PAGE} (default 30); the Link header has the next",
    "nextPageToken": "The next page, as the Link header gives it (signed for this query and key)",
}
INTEGERS = ("perPage", "eventCountLimit")
QUERY_PARAMETERS = {"parameters": [
    {"name": name, "in": "query", "required": False, "description": text,
     "schema": {"type": "integer", "minimum": 1} if name in INTEGERS else {"type": "string"}}
    for name, text in PARAMETERS.items()]}
QUERY_HELP = """EPCIS 2.0 SimpleEventQuery parameters (section 8.2.7.1). List values are separated by
| or commas, or the parameter is repeated; each parameter given is one more condition. Also
`EQ_bizTransaction_<type>`, `EQ_source_<type>` and `EQ_destination_<type>` (type: a CBV word
such as `po` or `owning_party`, or a URI): events with such an entry naming one of the values.
Any other parameter, or a malformed value, is a 400 `epcisException:QueryParameterException`
naming it."""


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


EPCIS_CONTENT: dict[int | str, dict[str, Any]] = {200: {"description": "EPCIS 2.0 JSON-LD, or XML when `Accept` asks for it",
                       "content": {"application/xml": {}}}}


@router.get("/events", summary="Query events (EPCIS 2.0 SimpleEventQuery parameters)",
            description=QUERY_HELP, response_class=JsonLdResponse, responses=EPCIS_CONTENT,
            openapi_extra=QUERY_PARAMETERS)
async def events(
    request: Request, session: SessionDep, settings: SettingsDep, caller: Caller = QUERY
) -> Response:
    query = EventQuery.parse(request.query_params.multi_items())
    secret = settings.page_token_secret.get_secret_value().encode()
    page = await service.find_events(session, caller, query, secret)
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
) -> Response:
    if ver and event_hash.startswith("ni:") and "?" not in event_hash:
        event_hash += f"?ver={ver}"  # sent unencoded: the query string took "?ver=..."
    row = await service.get_event(session, caller, event_hash)
    if wants_xml(request):
        return await xml_response([row], HEADERS)
    return JsonLdResponse(stored_document(row), headers=HEADERS)
