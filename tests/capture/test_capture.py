"""POST /capture and GET /capture/{id}: 202 + Location, idempotency, limits, refusals."""

from sqlalchemy import func, select

from app.ingest.worker import run_once
from app.models import CaptureJob, EpcisEvent, RawDocument
from tests.ingest.chain import commission, document, sgtin
from tests.partners.helpers import chain_partners, make_key

JSONLD = {"Content-Type": "application/ld+json"}


async def test_capture_answers_202_with_a_job_and_is_idempotent(client, session):
    partners = await chain_partners(session)
    _, headers = partners["mfg"]
    body = document(commission([sgtin(1)]))
    first = await client.post("/capture", content=body, headers={**headers, **JSONLD})
    assert first.status_code == 202, first.text
    job = first.json()
    assert first.headers["location"] == f"/capture/{job['captureID']}"
    assert first.headers["gs1-epcis-version"] == "2.0.0"
    assert (job["status"], job["running"], job["success"], job["errors"]) == (
        "pending", True, False, [])
    again = await client.post("/capture", content=body, headers=headers)  # no Content-Type: sniffed
    assert (again.status_code, again.json()["captureID"]) == (202, job["captureID"])
    assert await session.scalar(select(func.count()).select_from(CaptureJob)) == 1
    raw = await session.scalar(select(RawDocument))
    assert (raw.media_type, raw.size, raw.body) == ("application/ld+json", len(body), body)

    status = await client.get(first.headers["location"], headers=headers)
    assert status.status_code == 200 and status.json()["captureID"] == job["captureID"]
    _, other = partners["wholesaler"]
    hidden = await client.get(first.headers["location"], headers=other)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"no capture job {job['captureID']}"
    theirs = await client.post("/capture", content=body, headers=other)  # see test_same_bytes
    assert theirs.status_code == 202 and theirs.json()["captureID"] != job["captureID"]


async def test_all_three_syntaxes_are_accepted(client, session):
    partners = await chain_partners(session)
    _, headers = partners["mfg"]
    for n, (fmt, media) in enumerate((("1.2-xml", "application/xml"), ("2.0-xml", "text/xml"),
                                      ("2.0-jsonld", "application/json"))):
        body = document(commission([sgtin(n)]), fmt=fmt)
        response = await client.post("/capture", content=body, headers={**headers, "Content-Type": media})
        assert response.status_code == 202, (fmt, response.text)


async def test_too_large_is_413(client, session, settings):
    partners = await chain_partners(session)
    _, headers = partners["mfg"]
    settings.max_document_bytes = 2048
    response = await client.post("/capture", content=b"{" + b" " * 4096 + b"}", headers=headers)
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "document exceeds the limit of 2048 bytes (CUSTODY_MAX_DOCUMENT_BYTES)")
    # The binding's 413 names both limits.
    assert response.headers["gs1-epcis-capture-file-size-limit"] == "2048"
    assert response.headers["gs1-epcis-capture-limit"] == str(settings.capture_event_limit)
    assert await session.scalar(select(func.count()).select_from(RawDocument)) == 0


async def test_a_document_over_the_event_limit_fails_its_job(client, session, sessions, settings):
    partners = await chain_partners(session)
    _, headers = partners["mfg"]
    settings.capture_event_limit = 2
    three = document(*(commission([sgtin(n)], minutes=n) for n in range(3)))
    posted = await client.post("/capture", content=three, headers=headers)
    assert posted.status_code == 202  # counting events is parsing: the worker does it
    assert posted.headers["gs1-epcis-capture-limit"] == "2"
    assert posted.headers["gs1-epcis-capture-file-size-limit"] == str(settings.max_document_bytes)
    await run_once(sessions, event_limit=settings.capture_event_limit)
    job = (await client.get(posted.headers["location"], headers=headers)).json()
    assert (job["status"], job["success"], job["eventCount"]) == ("failed", False, None)
    assert job["errors"] == [{
        "type": "https://custody.dev/problems/capture-limit", "title": "Capture limit exceeded",
        "detail": "the document holds more than 2 events, the limit per capture "
                  "(CUSTODY_CAPTURE_EVENT_LIMIT, advertised as GS1-EPCIS-Capture-Limit); "
                  "split it into several documents",
        "reason": "CAPTURE_LIMIT_EXCEEDED", "expected": "at most 2 events", "found": "more than 2"}]
    assert await session.scalar(select(func.count()).select_from(EpcisEvent)) == 0

    # Refused while streaming: the event past the limit and what follows are never read.
    poisoned = document(*(commission([sgtin(n)], minutes=n) for n in range(3))).replace(
        b'"eventTime": "2026-11-02T08:02:00Z"', b'"eventTime": "0001-01-01T00:00:00+01:00"')
    posted = await client.post("/capture", content=poisoned, headers=headers)
    await run_once(sessions, event_limit=settings.capture_event_limit)
    job = (await client.get(posted.headers["location"], headers=headers)).json()
    assert [e["reason"] for e in job["errors"]] == ["CAPTURE_LIMIT_EXCEEDED"]

    two = document(*(commission([sgtin(n)], minutes=n) for n in range(2)))
    posted = await client.post("/capture", content=two, headers=headers)
    await run_once(sessions, event_limit=settings.capture_event_limit)
    job = (await client.get(posted.headers["location"], headers=headers)).json()
    assert (job["status"], job["eventCount"], job["errors"]) == ("succeeded", 2, [])


async def test_hostile_xml_and_non_epcis_are_refused(client, session):
    partners = await chain_partners(session)
    _, headers = partners["mfg"]
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">&lol2;</epcis:EPCISDocument>')
    refused = await client.post("/capture", content=bomb, headers={**headers, "Content-Type": "application/xml"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "line 1: document type declarations are not accepted; expected no DTD, "
        "got '<!DOCTYPE EPCISDocument> declaring entities lol, lol2'")
    pdf = await client.post("/capture", content=b"%PDF-1.4", headers=headers)
    assert pdf.status_code == 415
    assert pdf.json()["detail"] == (
        "not an EPCIS document; expected XML starting with '<' or JSON starting with '{', got '%PDF-1.4'")
    mismatch = await client.post("/capture", content=document(commission([sgtin(1)])),
                                 headers={**headers, "Content-Type": "application/xml"})
    assert mismatch.status_code == 415
    assert mismatch.json()["detail"] == (
        "Content-Type application/xml does not match the body, which is 2.0-jsonld")
    behaviour = await client.post("/capture", content=document(commission([sgtin(1)])),
                                  headers={**headers, "GS1-Capture-Error-Behaviour": "all"})
    assert behaviour.status_code == 422
    assert await session.scalar(select(func.count()).select_from(RawDocument)) == 0


async def _legacy_operator_capture_key(session) -> dict[str, str]:
    """A partnerless capture key, as issued before such keys were refused (still in databases)."""
    from app.auth.keys import new_key
    from app.models import ApiKey

    made = new_key()
    session.add(ApiKey(prefix=made.prefix, key_hash=made.digest, name="legacy", partner_id=None,
                       scopes=["capture"]))
    return {"Authorization": f"Bearer {made.plaintext}"}


async def test_capture_needs_the_capture_scope_and_a_partner(client, session):
    partners = await chain_partners(session)
    pid, _ = partners["mfg"]
    query_only = await make_key(session, pid, "query")
    operator = await _legacy_operator_capture_key(session)
    await session.commit()
    body = document(commission([sgtin(1)]))
    assert (await client.post("/capture", content=body)).status_code == 401
    assert (await client.post("/capture", content=body, headers=query_only)).status_code == 403
    nobody = await client.post("/capture", content=body, headers=operator)
    assert nobody.status_code == 403
    assert nobody.json()["detail"] == "capture needs a key issued to a trading partner"
