"""Public ledger reads over HTTP: a third party checks proofs with nothing but core."""

import base64

from sqlalchemy import event

from app.ledger import core, service
from tests.ledger.helpers import MFG, PHARMACY, WHOLESALER, commission, event_hash, sgtin, ship

ORIGIN = "custody.test/log"


async def seed(session, n=6):
    signer, verifier = core.generate_signer(ORIGIN)
    await service.append(session, [commission(i, sgtin(i)) for i in range(n)])
    await service.append(session, [ship(n, sgtin(0), MFG, WHOLESALER)])
    note = await service.sign_checkpoint(session, signer, ORIGIN)
    await session.commit()
    return verifier, note


async def test_checkpoint_and_inclusion_verify_offline(client, session):
    verifier, note = await seed(session)
    response = await client.get("/ledger/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == note
    checkpoint = core.open_checkpoint(response.text, verifier)
    assert checkpoint.size == 7

    proof = (await client.get("/ledger/proofs/inclusion", params={"leaf_index": 3})).json()
    assert (proof["leaf_index"], proof["tree_size"], proof["checkpoint"]) == (3, 7, note)
    core.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        3,
        7,
        [bytes.fromhex(h) for h in proof["hashes"]],
        checkpoint.root_hash,
    )

    by_hash = (
        await client.get("/ledger/proofs/inclusion", params={"event_hash": event_hash(3)})
    ).json()
    assert by_hash == proof


async def test_consistency_between_sizes(client, session):
    await seed(session)
    body = (await client.get("/ledger/proofs/consistency", params={"first": 3, "second": 7})).json()
    assert (body["first"], body["second"]) == (3, 7)
    old, new = await service.root_at(session, 3), await service.root_at(session, 7)
    core.verify_consistency(3, 7, [bytes.fromhex(h) for h in body["hashes"]], old, new)


async def test_leaf_shows_its_hashed_bytes(client, session):
    await seed(session)
    leaf = (await client.get("/ledger/leaves/6")).json()
    data = bytes.fromhex(leaf["data_hex"])
    assert core.leaf_hash(data).hex() == leaf["leaf_hash"]
    assert leaf["data"]["event_hash"] == event_hash(6)
    assert leaf["data"]["partner"] == MFG


async def test_unit_chain_with_proofs(client, session):
    await seed(session)
    chain = (await client.get(f"/units/{sgtin(0)}/chain")).json()
    assert chain["unit"] == sgtin(0)
    assert [(h["seq"], h["kind"], h["to_party"]) for h in chain["hops"]] == [
        (0, "commission", MFG),
        (1, "ship", WHOLESALER),
    ]
    assert chain["hops"][1]["prev_hop_hash"] == chain["hops"][0]["hop_hash"]
    root = await service.root_at(session, 7)
    for hop in chain["hops"]:
        proof = hop["inclusion"]
        core.verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            hop["leaf_index"],
            proof["tree_size"],
            [bytes.fromhex(h) for h in proof["hashes"]],
            root,
        )


async def test_unit_chain_reads_the_same_few_rows_however_long_the_chain(
    client, session, connection
):
    parties = (MFG, WHOLESALER, PHARMACY)
    await service.append(session, [commission(0, sgtin(0)), commission(1, sgtin(1))])
    await service.append(session, [ship(n, sgtin(1), parties[n % 3], parties[(n + 1) % 3])
                                   for n in range(2, 14)])
    await session.commit()
    root = await service.root_at(session, 14)

    async def chain(unit):
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(connection.sync_connection, "before_cursor_execute", record)
        try:
            response = await client.get(f"/units/{unit}/chain")
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", record)
        assert response.status_code == 200
        return response.json()["hops"], statements

    short, few = await chain(sgtin(0))
    long, same = await chain(sgtin(1))
    assert (len(short), len(long)) == (1, 13)
    assert len(same) == len(few)
    for hop in short + long:  # every proof still checks against the tree head
        proof = hop["inclusion"]
        assert proof["tree_size"] == 14
        core.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), hop["leaf_index"], 14,
                              [bytes.fromhex(h) for h in proof["hashes"]], root)


async def test_errors_are_problems(client, session):
    await seed(session)
    beyond = await client.get("/ledger/proofs/inclusion", params={"leaf_index": 7, "tree_size": 7})
    assert beyond.status_code == 422
    assert beyond.headers["content-type"] == "application/problem+json"
    assert (
        beyond.json()["detail"]
        == "leaf_index 7 is not in a tree of 7 leaves; expected 0 <= leaf_index < 7"
    )
    assert (await client.get("/ledger/leaves/99")).json()["detail"] == "no leaf 99 in the log"
    unknown = await client.get("/units/urn:epc:id:sgtin:0312345.060011.999/chain")
    assert unknown.status_code == 404
    both = await client.get("/ledger/proofs/inclusion", params={"leaf_index": 1, "event_hash": "x"})
    assert both.json()["detail"] == "give exactly one of leaf_index and event_hash"


async def test_no_checkpoint_yet(client):
    response = await client.get("/ledger/checkpoint")
    assert response.status_code == 404
    assert (
        response.json()["detail"] == "no checkpoint has been signed yet; run `custody checkpoint`"
    )


def test_checkpoint_root_is_base64_of_stored_root():
    cp = core.Checkpoint(ORIGIN, 1, bytes(range(32)))
    assert cp.body().splitlines()[2] == base64.b64encode(bytes(range(32))).decode()
