"""Who may read capture jobs: a partner its own; admins and regulators every partner's."""

from tests.ingest.chain import commission, document, sgtin
from tests.partners.helpers import chain_partners, make_key


async def test_admins_and_regulators_read_every_job_partners_only_their_own(client, session):
    partners = await chain_partners(session)
    (_, mfg), (_, wholesaler) = partners["mfg"], partners["wholesaler"]
    admin = await make_key(session, None, "admin")
    regulator = await make_key(session, None, "regulator")
    await session.commit()
    made = await client.post("/capture", content=document(commission([sgtin(1)])), headers=mfg)
    location, job_id = made.headers["location"], made.json()["captureID"]

    for reader in (admin, regulator, mfg):
        one = await client.get(location, headers=reader)
        assert (one.status_code, one.json()["captureID"]) == (200, job_id)
        listed = await client.get("/capture", headers=reader)
        assert [j["captureID"] for j in listed.json()] == [job_id]

    hidden = await client.get(location, headers=wholesaler)
    assert (hidden.status_code, hidden.json()["detail"]) == (404, f"no capture job {job_id}")
    assert (await client.get("/capture", headers=wholesaler)).json() == []
    # Reading jobs is not capturing: an admin or regulator key still cannot post documents.
    body = document(commission([sgtin(2)]))
    for reader in (admin, regulator):
        refused = await client.post("/capture", content=body, headers=reader)
        assert refused.status_code == 403
