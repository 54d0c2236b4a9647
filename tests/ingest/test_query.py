"""GET /events, /events/{hash} and /units/{id}: EPCIS 2.0 JSON-LD, filters, paging, isolation."""

import threading
from urllib.parse import quote

from app.events import router as events_router
from app.events.schemas import xml_document
from app.ingest.worker import run_once
from epcis.hashing import event_hash
from epcis.model import Event, EventType
from epcis.read import read_document
from tests.ingest.chain import (
    MFG,
    PHARMACY,
    WHOLESALER,
    at,
    commission,
    document,
    observe,
    pack,
    receive,
    sgtin,
    ship,
    sscc,
)
from tests.partners.helpers import MFG_GLN, WHOLESALER_GLN, chain_partners, make_key

CBV = "urn:epcglobal:cbv:bizstep:"


async def seed(client, session, sessions):
    p = await chain_partners(session)
    items = [sgtin(1), sgtin(2)]
    docs = [("mfg", document(commission(items), pack(sscc(1), items), ship([sscc(1)], MFG, WHOLESALER))),
            ("wholesaler", document(receive([sscc(1)], WHOLESALER))),
            ("mfg", document(commission([sgtin(3)], minutes=30)))]
    for who, body in docs:
        await client.post("/capture", content=body, headers=p[who][1])
        job = await run_once(sessions)
        assert job.status == "succeeded", job.errors
    return p


def hashes(body: bytes) -> list[str]:
    return [event_hash(e) for e in read_document(body).events]


async def test_events_are_epcis_query_documents_filtered_and_paged(client, session, sessions):
    p = await seed(client, session, sessions)
    mfg = p["mfg"][1]
    response = await client.get("/events", headers=mfg)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    # The answer is a readable EPCIS document whose events hash as stored.
    events = read_document(response.content).events
    assert [e.biz_step for e in events] == [CBV + "commissioning", CBV + "packing", CBV + "shipping",
                                            CBV + "receiving", CBV + "commissioning"]
    # The repository adds recordTime, and the event hash as eventID where the sender gave none.
    assert [e.event_id for e in events] == [event_hash(e) for e in events]
    assert all(e.record_time is not None and e.record_time > e.event_time for e in events)
    one = await client.get(f"/events/{quote(events[0].event_id, safe='')}", headers=mfg)
    assert one.json()["epcisBody"]["eventList"][0]["eventID"] == events[0].event_id
    as_xml = await client.get("/events", headers={**mfg, "Accept": "application/xml"})
    assert [e.event_id for e in read_document(as_xml.content).events] == [
        e.event_id for e in events]

    ships = await client.get("/events", headers=mfg, params={"EQ_bizStep": "shipping"})
    assert [e.biz_step for e in read_document(ships.content).events] == [CBV + "shipping"]
    agg = await client.get("/events", headers=mfg, params={"eventType": "AggregationEvent"})
    assert len(read_document(agg.content).events) == 1
    late = await client.get("/events", headers=mfg, params={"GE_eventTime": "2026-11-02T08:10:00Z"})
    assert [e.epc_list for e in read_document(late.content).events] == [(sgtin(3),)]
    early = await client.get("/events", headers=mfg, params={"LT_eventTime": "2026-11-02T08:01:00Z"})
    assert len(read_document(early.content).events) == 1
    epc = await client.get("/events", headers=mfg, params={"MATCH_epc": sscc(1)})
    assert len(read_document(epc.content).events) == 2  # shipping, receiving: not the parentID
    either = await client.get("/events", headers=mfg,
                              params={"MATCH_anyEPC": f"{sgtin(3)}|{sgtin(2)}"})
    assert len(read_document(either.content).events) == 3  # two commissionings, packing
    pattern = await client.get("/events", headers=mfg,
                               params={"MATCH_epc": "urn:epc:idpat:sgtin:0312345.060011.*"})
    assert len(read_document(pattern.content).events) == 3  # two commissionings, packing
    other = await client.get("/events", headers=mfg,
                             params={"MATCH_epc": "urn:epc:idpat:sgtin:0312345.060012.*"})
    assert read_document(other.content).events == ()
    one = await client.get("/events", headers=mfg,  # every field given: that unit, not serial 3*
                           params={"MATCH_epc": "urn:epc:idpat:sgtin:0312345.060011.3"})
    by_uri = await client.get("/events", headers=mfg, params={"MATCH_epc": sgtin(3)})
    assert hashes(one.content) == hashes(by_uri.content) != []
    partial = await client.get("/events", headers=mfg,  # a cut-off field is not a wildcard
                               params={"MATCH_epc": "urn:epc:idpat:sgtin:0312345.06001"})
    assert read_document(partial.content).events == ()
    transit = await client.get("/events", headers=mfg, params={"EQ_disposition": "in_transit"})
    assert [e.biz_step for e in read_document(transit.content).events] == [CBV + "shipping"]
    at = await client.get("/events", headers=mfg, params={"EQ_bizLocation": WHOLESALER})
    assert [e.biz_step for e in read_document(at.content).events] == [CBV + "receiving"]
    wrong = await client.get("/events", headers=mfg, params={"eventType": "ObjectEvnt"})
    assert (wrong.status_code, wrong.json()["detail"]) == (400, (
        "eventType 'ObjectEvnt': expected one of ObjectEvent, AggregationEvent, TransactionEvent, "
        "TransformationEvent, AssociationEvent"))
    naive = await client.get("/events", headers=mfg, params={"GE_eventTime": "2026-11-02T08:10:00"})
    assert naive.json()["detail"] == ("GE_eventTime '2026-11-02T08:10:00': expected a date-time "
                                      "with a time zone, such as 2026-11-02T08:00:00Z")

    seen, url, params = [], "/events", {"perPage": 2}
    while url:
        page = await client.get(url, headers=mfg, params=params)
        seen += hashes(page.content)
        link = page.headers.get("link")
        url, params = (link[1:link.index(">")], None) if link else (None, None)
    assert len(seen) == len(set(seen)) == 5
    bad = await client.get("/events", headers=mfg, params={"nextPageToken": "nope"})
    assert (bad.status_code, bad.json()["detail"]) == (
        400, "nextPageToken 'nope': expected a token this server issued for this query and this key")


async def test_partners_see_only_their_events_and_units(client, session, sessions):
    p = await seed(client, session, sessions)
    mfg, wholesaler, pharmacy = p["mfg"][1], p["wholesaler"][1], p["pharmacy"][1]
    steps = lambda r: [e.biz_step[len(CBV):] for e in read_document(r.content).events]  # noqa: E731
    # The wholesaler also reads the packing of the case shipped to it (what the case holds).
    assert steps(await client.get("/events", headers=wholesaler)) == [
        "packing", "shipping", "receiving"]
    assert steps(await client.get("/events", headers=pharmacy)) == []
    regulator = await make_key(session, None, "regulator")
    await session.commit()
    assert len(steps(await client.get("/events", headers=regulator))) == 5
    assert (await client.get(f"/units/{sgtin(3)}", headers=regulator)).status_code == 200

    first = hashes(document(commission([sgtin(1), sgtin(2)])))[0]
    one = await client.get(f"/events/{quote(first, safe='')}", headers=mfg)
    assert one.status_code == 200 and hashes(one.content) == [first]
    bare = await client.get(f"/events/{first.split(';')[1].split('?')[0]}", headers=mfg)
    assert bare.json() == one.json()
    hidden = await client.get(f"/events/{quote(first, safe='')}", headers=wholesaler)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"no event {first} visible to this key"

    unit = (await client.get(f"/units/{sgtin(1)}", headers=wholesaler)).json()
    assert (unit["status"], unit["custodian_id"], unit["container"], unit["lot"], unit["location"]) == (
        "received", p["wholesaler"][0], sscc(1), "L1", WHOLESALER)
    assert [(h["kind"], h["to_party"]) for h in unit["chain"]] == [
        ("commission", MFG_GLN), ("pack", MFG_GLN), ("ship", WHOLESALER_GLN),
        ("receive", WHOLESALER_GLN)]
    pallet = (await client.get(f"/units/{sscc(1)}", headers=mfg)).json()
    assert (pallet["contents"], pallet["kind"]) == (2, "sscc")
    assert (await client.get(f"/units/{sgtin(3)}", headers=wholesaler)).status_code == 404
    assert (await client.get(f"/units/{sgtin(1)}", headers=pharmacy)).status_code == 404
    assert (await client.get(f"/units/{sgtin(1)}/chain")).status_code == 401  # parties: a key
    chain = await client.get(f"/units/{sgtin(1)}/chain", headers=wholesaler)
    assert chain.status_code == 200 and len(chain.json()["hops"]) == 4
    assert (await client.get(f"/units/{sgtin(1)}")).status_code == 401


async def test_dispensed_units_stay_visible_to_the_dispenser(client, session, sessions):
    p = await seed(client, session, sessions)
    steps = [("wholesaler", document(observe([sscc(1)], "inspecting", where=WHOLESALER))),
             ("wholesaler", document(ship([sscc(1)], WHOLESALER, PHARMACY, minutes=40))),
             ("pharmacy", document(receive([sscc(1)], PHARMACY, minutes=50)))]
    for who, body in steps:
        await client.post("/capture", content=body, headers=p[who][1])
        job = await run_once(sessions)
        assert job.status == "succeeded", job.errors
    unit = (await client.get(f"/units/{sgtin(2)}", headers=p["pharmacy"][1])).json()
    assert (unit["status"], unit["custodian_id"]) == ("received", p["pharmacy"][0])


async def test_xml_by_accept(client, session, sessions):
    p = await seed(client, session, sessions)
    mfg = p["mfg"][1]
    as_json = await client.get("/events", headers=mfg)
    as_xml = await client.get("/events", headers={**mfg, "Accept": "application/xml"})
    assert as_xml.headers["content-type"] == "application/xml"
    assert as_xml.content.lstrip().startswith(b"<")
    assert hashes(as_xml.content) == hashes(as_json.content)
    first = hashes(as_json.content)[0]
    one = await client.get(f"/events/{quote(first, safe='')}", headers={**mfg, "Accept": "text/xml"})
    assert hashes(one.content) == [first]


async def test_xml_is_written_in_a_worker_thread(client, session, sessions, monkeypatch):
    p = await seed(client, session, sessions)
    threads = []

    def recording(rows):
        threads.append(threading.current_thread())
        return xml_document(rows)

    monkeypatch.setattr(events_router, "xml_document", recording)
    response = await client.get("/events", headers={**p["mfg"][1], "Accept": "application/xml"})
    assert response.status_code == 200
    assert threads and threading.main_thread() not in threads


def transform(inputs, outputs, minutes=40) -> Event:
    return Event(EventType.TRANSFORMATION, at(minutes), "+00:00", input_epc_list=tuple(inputs),
                 output_epc_list=tuple(outputs), biz_step=CBV + "transforming")


PALLET = "urn:epc:id:sscc:0312345.1234567890"
PALLET_LINK = "https://id.gs1.org/00/103123452345678907"  # the same SSCC as a GS1 Digital Link


async def test_match_parameters_follow_the_role_of_each_identifier(client, session, sessions):
    p = await seed(client, session, sessions)
    mfg, wholesaler, pharmacy = p["mfg"][1], p["wholesaler"][1], p["pharmacy"][1]
    # sgtin(3) is both an input and an output; the pallet is named by its Digital Link. Over
    # COPY_MIN_ROWS identifiers, so PostgreSQL writes their rows with COPY.
    outputs = [sgtin(3), sgtin(7), *(sgtin(n) for n in range(100, 300))]
    for body in (document(transform([sgtin(3), sgtin(6)], outputs)),
                 document(commission([sgtin(8)], minutes=41), pack(PALLET_LINK, [sgtin(8)], minutes=42))):
        await client.post("/capture", content=body, headers=mfg)
        job = await run_once(sessions)
        assert job.status == "succeeded", job.errors

    async def steps(headers, *params) -> list[str]:
        response = await client.get("/events", headers=headers, params=list(params))
        assert response.status_code == 200, response.text
        return [e.biz_step[len(CBV):] for e in read_document(response.content).events]

    # An aggregation's parentID is MATCH_parentID's, not MATCH_epc's; its children are MATCH_epc's.
    assert await steps(mfg, ("MATCH_parentID", sscc(1))) == ["packing"]
    assert await steps(mfg, ("MATCH_epc", sscc(1))) == ["shipping", "receiving"]
    assert await steps(mfg, ("MATCH_anyEPC", sscc(1))) == ["packing", "shipping", "receiving"]
    assert await steps(mfg, ("MATCH_epc", sgtin(1))) == ["commissioning", "packing"]
    assert await steps(mfg, ("MATCH_parentID", sgtin(1))) == []
    assert await steps(mfg, ("MATCH_parentID", "urn:epc:idpat:sscc:0312345.*")) == [
        "packing", "packing"]
    # Each MATCH_ parameter is one more condition; values come with |, commas or repeated.
    assert await steps(mfg, ("MATCH_epc", sgtin(2)), ("MATCH_parentID", sscc(1))) == ["packing"]
    assert await steps(mfg, ("MATCH_epc", sgtin(3)), ("MATCH_parentID", sscc(1))) == []
    assert await steps(mfg, ("MATCH_anyEPC", sgtin(6)), ("MATCH_anyEPC", PALLET)) == [
        "transforming", "packing"]
    assert await steps(mfg, ("MATCH_parentID", f"{sscc(1)},{PALLET}")) == ["packing", "packing"]

    # Transformation inputs and outputs, an identifier in both roles.
    assert await steps(mfg, ("MATCH_inputEPC", sgtin(6))) == ["transforming"]
    assert await steps(mfg, ("MATCH_outputEPC", sgtin(6))) == []
    assert await steps(mfg, ("MATCH_outputEPC", sgtin(7))) == ["transforming"]
    assert await steps(mfg, ("MATCH_outputEPC", sgtin(299))) == ["transforming"]
    assert await steps(mfg, ("MATCH_inputEPC", sgtin(7))) == []
    assert await steps(mfg, ("MATCH_inputEPC", sgtin(3)), ("MATCH_outputEPC", sgtin(3))) == [
        "transforming"]
    assert await steps(mfg, ("MATCH_epc", sgtin(7))) == []
    assert await steps(mfg, ("MATCH_anyEPC", sgtin(7))) == ["transforming"]
    assert await steps(mfg, ("MATCH_epc", sgtin(3))) == ["commissioning"]
    assert await steps(mfg, ("MATCH_outputEPC", "urn:epc:idpat:sgtin:0312345.060011.*")) == [
        "transforming"]

    # A parent sent as a Digital Link is found by either spelling, as a parent only.
    assert await steps(mfg, ("MATCH_parentID", PALLET)) == ["packing"]
    assert await steps(mfg, ("MATCH_parentID", PALLET_LINK)) == ["packing"]
    assert await steps(mfg, ("MATCH_epc", PALLET)) == []
    assert await steps(mfg, ("MATCH_epc", PALLET_LINK)) == []

    # Other partners see only the events they are party to, whatever the parameter, and the
    # packing of a case shipped to them (the receiver lists what the case holds).
    assert await steps(wholesaler, ("MATCH_parentID", sscc(1))) == ["packing"]
    assert await steps(wholesaler, ("MATCH_anyEPC", sscc(1))) == ["packing", "shipping", "receiving"]
    assert await steps(wholesaler, ("MATCH_inputEPC", sgtin(6))) == []
    assert await steps(pharmacy, ("MATCH_anyEPC", f"{sscc(1)}|{sgtin(3)}|{PALLET}")) == []


async def test_transformation_inputs_and_outputs_sent_as_links_match_their_urns(
        client, session, sessions):
    p = await seed(client, session, sessions)
    mfg = p["mfg"][1]
    vial_in = "https://id.gs1.org/01/00312345600112/21/7"  # sgtin(7) as a GS1 Digital Link
    vial_out = "https://id.gs1.org/01/00312345600112/21/8"
    await client.post("/capture", content=document(transform([vial_in], [vial_out])), headers=mfg)
    job = await run_once(sessions)
    assert job.status == "succeeded", job.errors
    for param, link, urn in (("MATCH_inputEPC", vial_in, sgtin(7)),
                             ("MATCH_outputEPC", vial_out, sgtin(8))):
        for value in (link, urn):
            response = await client.get("/events", headers=mfg, params={param: value})
            assert response.status_code == 200, response.text
            found = read_document(response.content).events
            assert [e.biz_step for e in found] == [CBV + "transforming"], (param, value)
