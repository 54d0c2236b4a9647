"""Capture job documents match the EPCIS 2.0 REST binding's OpenAPI; discovery and listing."""

import jsonschema
import yaml

from app.ingest.worker import run_once
from tests.corpus import corpus_path
from tests.ingest.chain import MFG, WHOLESALER, commission, document, sgtin, ship
from tests.partners.helpers import chain_partners


def capture_job_schema() -> dict:
    spec = yaml.safe_load(corpus_path("epcis", "gs1-EPCIS", "openapi.yaml").read_text())
    schemas = spec["components"]["schemas"]
    job = schemas["CaptureJob"]
    errors = job["allOf"][1]["oneOf"][0]["properties"]["errors"]
    return {"type": "object", "required": ["captureID", "running", "success", "createdAt",
                                           "captureErrorBehaviour", "errors"],
            "properties": {**job["allOf"][0]["properties"],
                           "errors": {**errors, "items": schemas["RFC7807ProblemResponseBody"]}}}


async def test_job_documents_follow_the_binding(client, session, sessions):
    schema = capture_job_schema()
    p = await chain_partners(session)
    _, headers = p["mfg"]
    for body, extra in ((document(commission([sgtin(1)])), {}),
                        (document(ship([sgtin(2)], MFG, WHOLESALER)), {}),
                        (document(ship([sgtin(3)], MFG, WHOLESALER)),
                         {"GS1-Capture-Error-Behaviour": "proceed"}),
                        (b'{"@context": [], "type": "EPCISDocument"}', {})):
        posted = await client.post("/capture", content=body, headers={**headers, **extra})
        jsonschema.validate(posted.json(), schema)
        await run_once(sessions)
        done = (await client.get(posted.headers["location"], headers=headers)).json()
        jsonschema.validate(done, schema)
    jobs = (await client.get("/capture", headers=headers)).json()
    assert [(j["status"], j["success"], j["captureErrorBehaviour"]) for j in jobs] == [
        ("failed", False, "rollback"), ("succeeded", False, "proceed"),
        ("failed", False, "rollback"), ("succeeded", True, "rollback")]
    assert (await client.get("/capture", headers=p["wholesaler"][1])).json() == []


async def test_options_describes_the_capture_interface(client, settings):
    response = await client.options("/capture")
    assert response.status_code == 204
    assert response.headers["gs1-epcis-capture-file-size-limit"] == str(settings.max_document_bytes)
    assert response.headers["gs1-epcis-capture-limit"] == str(settings.capture_event_limit) == "500000"
    assert response.headers["gs1-capture-error-behaviour"] == "rollback, proceed"
    assert response.headers["gs1-epcis-version"] == "2.0.0"
