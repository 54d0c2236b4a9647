"""GET /events as a hostile or careless client uses it: every parameter is applied or refused,
page tokens cannot be forged, replayed on another query or lent to another key."""

from functools import cache

import pytest
from lxml import etree

from app.events.query import Position, encode_token
from epcis.read import read_document
from tests.corpus import corpus_path
from tests.ingest.chain import MFG, ORDER, PHARMACY, WHOLESALER, sgtin
from tests.ingest.test_query import CBV, seed
from tests.partners.helpers import chain_partners

QPE = "epcisException:QueryParameterException"


async def steps(client, headers, *params) -> list[str]:
    response = await client.get("/events", headers=headers, params=list(params))
    assert response.status_code == 200, response.text
    return [e.biz_step[len(CBV):] for e in read_document(response.content).events]


async def refused(client, headers, *params) -> dict:
    response = await client.get("/events", headers=headers, params=list(params))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["title"]) == (QPE, "EPCIS query exception")
    return problem


async def test_each_new_filter_applies(client, session, sessions):
    p = await seed(client, session, sessions)
    mfg, wholesaler = p["mfg"][1], p["wholesaler"][1]
    everything = ["commissioning", "packing", "shipping", "receiving", "commissioning"]
    assert await steps(client, mfg) == everything
    # Each of these answered every event before: a filter ignored, not applied.
    assert await steps(client, mfg, ("EQ_action", "DELETE")) == []
    assert await steps(client, mfg, ("EQ_action", "OBSERVE")) == ["shipping", "receiving"]
    assert await steps(client, mfg, ("EQ_action", "ADD|DELETE")) == [
        "commissioning", "packing", "commissioning"]
    assert await steps(client, mfg, ("EQ_readPoint", WHOLESALER)) == ["receiving"]
    assert await steps(client, mfg, ("EQ_readPoint", PHARMACY)) == []
    assert await steps(client, mfg, ("EQ_bizTransaction_po", ORDER.value)) == ["shipping"]
    assert await steps(client, mfg, ("EQ_bizTransaction_po", ORDER.value + "9")) == []
    assert await steps(client, mfg, ("EQ_bizTransaction_urn:epcglobal:cbv:btt:po",
                                     ORDER.value)) == ["shipping"]
    assert await steps(client, mfg, ("EQ_bizTransaction_desadv", ORDER.value)) == []
    assert await steps(client, mfg, ("EQ_source_owning_party", MFG)) == ["shipping"]
    assert await steps(client, mfg, ("EQ_source_location", MFG)) == ["shipping"]
    assert await steps(client, mfg, ("EQ_source_location", WHOLESALER)) == []
    assert await steps(client, mfg, ("EQ_destination_location", WHOLESALER)) == ["shipping"]
    assert await steps(client, mfg, ("EQ_destination_owning_party", WHOLESALER)) == ["shipping"]
    assert await steps(client, mfg, ("EQ_destination_owning_party", MFG)) == []
    # Conditions add up; values of one parameter are alternatives.
    assert await steps(client, mfg, ("EQ_action", "OBSERVE"),
                       ("EQ_readPoint", f"{PHARMACY}|{WHOLESALER}")) == ["receiving"]
    # Filters never widen what a key sees: the wholesaler's ADD events are the packing of the
    # case shipped to it, which it reads; no commissioning.
    assert await steps(client, wholesaler, ("EQ_action", "ADD")) == ["packing"]
    assert await steps(client, p["pharmacy"][1], ("EQ_bizTransaction_po", ORDER.value)) == []


async def test_record_time_bounds_order_and_count_limit(client, session, sessions):
    p = await seed(client, session, sessions)
    mfg = p["mfg"][1]
    body = (await client.get("/events", headers=mfg)).json()
    recorded = [e["recordTime"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    last = recorded[-1]  # the third document's one event, recorded after the others
    assert await steps(client, mfg, ("GE_recordTime", last)) == ["commissioning"]
    assert len(await steps(client, mfg, ("LT_recordTime", last))) == 4

    latest_first = ["commissioning", "receiving", "shipping", "packing", "commissioning"]
    assert await steps(client, mfg, ("orderBy", "eventTime")) == latest_first  # DESC by default
    assert await steps(client, mfg, ("orderBy", "eventTime"), ("orderDirection", "ASC")) == [
        "commissioning", "packing", "shipping", "receiving", "commissioning"]
    assert (await steps(client, mfg, ("orderBy", "recordTime")))[0] == "commissioning"
    # The most recent event matching a filter: the extremal query the standard describes.
    assert await steps(client, mfg, ("orderBy", "eventTime"), ("eventCountLimit", "1"),
                       ("EQ_action", "OBSERVE")) == ["receiving"]

    # eventCountLimit counts across pages; every page follows the Link the server gave.
    seen, url, params = [], "/events", {"orderBy": "eventTime", "eventCountLimit": 3, "perPage": 2}
    while url:
        page = await client.get(url, headers=mfg, params=params)
        assert page.status_code == 200, page.text
        seen.append([e.biz_step[len(CBV):] for e in read_document(page.content).events])
        link = page.headers.get("link")
        url, params = (link[1:link.index(">")], None) if link else (None, None)
    assert seen == [latest_first[:2], latest_first[2:3]]
    # Paging through an ordered query gives each event once, in order.
    seen, url, params = [], "/events", {"orderBy": "eventTime", "orderDirection": "ASC",
                                        "perPage": 1}
    while url:
        page = await client.get(url, headers=mfg, params=params)
        seen += [e.biz_step[len(CBV):] for e in read_document(page.content).events]
        link = page.headers.get("link")
        url, params = (link[1:link.index(">")], None) if link else (None, None)
    assert seen == latest_first[::-1]


BAD = [  # (params, field, found, expected)
    ([("EQ_bizTransacton_po", "x")], "EQ_bizTransacton_po", "x", None),  # a typo
    ([("maxEventCount", "5")], "maxEventCount", "5", None),  # standard, not supported
    ([("WD_readPoint", MFG)], "WD_readPoint", MFG, None),
    ([("EQ_bizTransaction_", "x")], "EQ_bizTransaction_", "x", None),  # no type
    ([("ge_eventTime", "2026-11-02T08:00:00Z")], "ge_eventTime", "2026-11-02T08:00:00Z", None),
    ([("EQ_action", "add")], "EQ_action", "add", "one of ADD, OBSERVE, DELETE"),
    ([("EQ_action", "")], "EQ_action", "", "at least one value (several: separated by |)"),
    ([("eventType", "|")], "eventType", "|", "at least one value (several: separated by |)"),
    ([("orderBy", "quantity")], "orderBy", "quantity", "eventTime or recordTime (no extension field)"),
    ([("orderBy", "eventTime"), ("orderDirection", "UP")], "orderDirection", "UP", "ASC or DESC"),
    ([("eventCountLimit", "2")], "eventCountLimit", "2",
     "orderBy too (the limit keeps the first events in that order)"),
    ([("orderBy", "eventTime"), ("eventCountLimit", "0")], "eventCountLimit", "0",
     "a whole number of at least 1"),
    ([("orderBy", "eventTime"), ("eventCountLimit", "1e3")], "eventCountLimit", "1e3",
     "a whole number of at least 1"),
    ([("orderBy", "eventTime"), ("eventCountLimit", "9" * 5000)], "eventCountLimit", "9" * 5000,
     "a whole number of at least 1"),
    ([("perPage", "0")], "perPage", "0", "a whole number from 1 to 1000"),
    ([("perPage", "1001")], "perPage", "1001", "a whole number from 1 to 1000"),
    ([("perPage", "-1")], "perPage", "-1", "a whole number from 1 to 1000"),
    ([("perPage", "٣")], "perPage", "٣", "a whole number from 1 to 1000"),  # a non-ASCII digit
    ([("GE_recordTime", "yesterday")], "GE_recordTime", "yesterday",
     "a date-time with a time zone, such as 2026-11-02T08:00:00Z"),
    ([("LT_recordTime", "2026-11-02T08:00:00")], "LT_recordTime", "2026-11-02T08:00:00",
     "a date-time with a time zone, such as 2026-11-02T08:00:00Z"),
    ([("GE_eventTime", "2026-11-02T08:00:00Z"), ("GE_eventTime", "2027-01-01T00:00:00Z")],
     "GE_eventTime", "2027-01-01T00:00:00Z",
     "GE_eventTime once (it was also given '2026-11-02T08:00:00Z')"),
]


@pytest.mark.parametrize(("params", "field", "found", "expected"), BAD)
async def test_unsupported_parameters_and_bad_values_are_refused_by_name(
        client, session, params, field, found, expected):
    mfg = (await chain_partners(session))["mfg"][1]
    problem = await refused(client, mfg, *params)
    assert (problem["field"], problem["found"]) == (field, found)
    if expected is None:  # an unknown name: the answer lists what Custody understands
        assert problem["expected"].startswith("a query parameter Custody supports: eventType, ")
        assert "EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type>" in problem[
            "expected"]
    else:
        assert problem["expected"] == expected
    assert problem["detail"] == f"{field} {found!r}: expected {problem['expected']}"


async def test_page_tokens_cannot_be_forged_moved_or_lent(client, session, sessions, settings):
    p = await seed(client, session, sessions)
    mfg, wholesaler = p["mfg"][1], p["wholesaler"][1]
    # The token of the issue: base64 of "after:2147483648", past any INTEGER id (a 500 before).
    forged = await refused(client, mfg, ("nextPageToken", "YWZ0ZXI6MjE0NzQ4MzY0OA"))
    assert forged["detail"] == ("nextPageToken 'YWZ0ZXI6MjE0NzQ4MzY0OA': expected a token this "
                                "server issued for this query and this key")
    first = await client.get("/events", headers=mfg, params={"perPage": 2, "EQ_action": "ADD"})
    token = first.headers["link"].split("nextPageToken=")[1].split(">")[0]
    ok = await client.get("/events", headers=mfg, params={"perPage": 2, "EQ_action": "ADD",
                                                          "nextPageToken": token})
    assert ok.status_code == 200
    payload, mac = token.split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (f"{flipped}.{mac}", f"{payload}.{mac[:-2]}", payload, f"{payload}.", "..", "é",
                # signed with another server's secret
                encode_token(Position(0), b"another server's secret", "x")):
        await refused(client, mfg, ("perPage", 2), ("EQ_action", "ADD"), ("nextPageToken", bad))
    # Another query (even a wider one), another key: refused, not reinterpreted.
    await refused(client, mfg, ("nextPageToken", token))
    await refused(client, mfg, ("EQ_action", "ADD|OBSERVE"), ("nextPageToken", token))
    await refused(client, wholesaler, ("perPage", 2), ("EQ_action", "ADD"), ("nextPageToken", token))
    # The page size may change between pages; the query may not.
    resized = await client.get("/events", headers=mfg, params={"perPage": 5, "EQ_action": "ADD",
                                                               "nextPageToken": token})
    assert len(read_document(resized.content).events) == 1


@cache
def query_xsd() -> etree.XMLSchema:
    path = corpus_path("epcis", "gs1-EPCIS", "xsd", "2.0", "EPCglobal-epcis-query-2_0.xsd")
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True,
                                                                    resolve_entities=False)))


async def test_an_xml_answer_is_a_valid_epcis_query_document(client, session, sessions):
    p = await seed(client, session, sessions)
    mfg = p["mfg"][1]
    for params in ({}, {"EQ_bizStep": "no_such_step"}):
        response = await client.get("/events", params=params,
                                    headers={**mfg, "Accept": "application/xml"})
        root = etree.fromstring(response.content)
        assert root.tag == "{urn:epcglobal:epcis-query:xsd:2}EPCISQueryDocument"
        assert query_xsd().validate(root), str(query_xsd().error_log)
        assert root.findtext(".//queryName") == "SimpleEventQuery"
    events = read_document(
        (await client.get("/events", headers={**mfg, "Accept": "application/xml"})).content).events
    assert [e.epc_list for e in events if e.biz_step == CBV + "commissioning"][1] == (sgtin(3),)
