"""Another partner's exact bytes: the answer neither names nor confirms the other partner.

The second sender gets what any capture gets: 202 and a job of its own, which then treats
the already-stored events as it treats them in any document (re-serialised, reordered):
skipped, changing nothing and showing nothing.
"""

import asyncio

import httpx

from app.config import Settings
from app.ingest.worker import run_once
from app.main import create_app
from app.migrate import upgrade
from tests.conftest import require_postgresql
from tests.ingest.chain import commission, document, sgtin
from tests.partners.helpers import chain_partners

VOLATILE = ("captureID", "createdAt", "finishedAt")


def shape(job: dict) -> dict:
    return {k: v for k, v in job.items() if k not in VOLATILE}


async def test_another_partners_bytes_are_a_capture_like_any_other(client, session, sessions):
    p = await chain_partners(session)
    mfg, wholesaler = p["mfg"][1], p["wholesaler"][1]
    body = document(commission([sgtin(1)]))
    mine = await client.post("/capture", content=body, headers=mfg)
    assert (await run_once(sessions)).status == "succeeded"

    # The wholesaler sends the manufacturer's exact bytes, then the same events re-serialised,
    # then a document nobody sent before: three answers of one shape.
    copied = await client.post("/capture", content=body, headers=wholesaler)
    same_events = await client.post("/capture", headers=wholesaler,
                                    content=document(commission([sgtin(1)]), fmt="1.2-xml"))
    fresh = await client.post("/capture", content=document(commission([sgtin(2)], minutes=5)),
                              headers=wholesaler)
    for answer in (copied, same_events, fresh):
        assert answer.status_code == 202, answer.text
        assert set(answer.headers) == set(fresh.headers)
        assert shape(answer.json()) == shape(fresh.json())
    ids = {mine.json()["captureID"], copied.json()["captureID"], same_events.json()["captureID"]}
    assert len(ids) == 3
    assert copied.headers["location"] == f"/capture/{copied.json()['captureID']}"
    # Sending it again is idempotent for the wholesaler too: its own job, not the other's.
    again = await client.post("/capture", content=body, headers=wholesaler)
    assert again.json()["captureID"] == copied.json()["captureID"]

    for _ in range(3):
        await run_once(sessions)
    copied_job = (await client.get(copied.headers["location"], headers=wholesaler)).json()
    same_job = (await client.get(same_events.headers["location"], headers=wholesaler)).json()
    assert shape(copied_job) == shape(same_job)  # the stored event is skipped alike
    assert (copied_job["status"], copied_job["errors"]) == ("succeeded", [])
    # Nothing of the manufacturer's became the wholesaler's to see.
    assert (await client.get(f"/units/{sgtin(1)}", headers=wholesaler)).status_code == 404
    seen = (await client.get("/events", headers=wholesaler)).json()
    assert seen["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []

    # The manufacturer's side: its job and events are as they were, and it sees only its own.
    listed = (await client.get("/capture", headers=mfg)).json()
    assert [j["captureID"] for j in listed] == [mine.json()["captureID"]]
    assert (await client.get(copied.headers["location"], headers=mfg)).status_code == 404
    own = await client.post("/capture", content=body, headers=mfg)
    assert own.json()["captureID"] == mine.json()["captureID"]
    unit = (await client.get(f"/units/{sgtin(1)}", headers=mfg)).json()
    assert (unit["custodian_id"], len(unit["chain"])) == (p["mfg"][0], 1)



def test_the_same_bytes_sent_at_the_same_instant_get_one_job(empty_database):
    """A partner's retry racing its first attempt: one document, one job, every answer 202."""
    require_postgresql("a race needs two connections at once")
    url = empty_database("postgresql")
    upgrade(url)

    async def run():
        app = create_app(Settings(database_url=url, log_json=True))
        async with app.state.sessions() as session:
            p = await chain_partners(session)
        body = document(commission([sgtin(7)]))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://custody.test") as http:
            answers = await asyncio.gather(*(http.post("/capture", content=body,
                                                       headers=p["mfg"][1]) for _ in range(6)))
            listed = (await http.get("/capture", headers=p["mfg"][1])).json()
        await app.state.engine.dispose()
        return answers, listed

    answers, listed = asyncio.run(run())
    assert [a.status_code for a in answers] == [202] * 6, [a.text for a in answers]
    assert len({a.json()["captureID"] for a in answers}) == 1
    assert len(listed) == 1
