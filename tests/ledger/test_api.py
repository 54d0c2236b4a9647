"""Public ledger reads over HTTP: a third party checks proofs with nothing but core."""

import base64

from app.ledger import core, service
from app.models import LedgerLeaf
from tests.ledger.helpers import MFG, WHOLESALER, commission, sgtin, ship

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


async def test_a_leaf_newer_than_the_latest_checkpoint_is_a_409_saying_when(client, session):
    await seed(session)
    await service.append(session, [commission(7, sgtin(7))])
    await session.commit()
    response = await client.get("/ledger/proofs/inclusion", params={"leaf_index": 7})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://custody.dev/problems/not-yet-signed"
    assert body["detail"].startswith(
        "leaf 7 is not yet in a signed tree: the latest checkpoint has 7 leaves; "
        "the next is due by "
    )
    assert (body["field"], body["signed_tree_size"]) == ("leaf_index", 7)
    assert body["detail"].endswith(f"{body['next_checkpoint_due']}; retry then")
    assert 1 <= int(response.headers["retry-after"]) <= 30
    unsigned = await client.get(
        "/ledger/proofs/inclusion", params={"leaf_index": 7, "tree_size": 8}
    )
    assert unsigned.status_code == 422
    assert unsigned.json()["detail"] == (
        "tree_size 8 is not the size of a signed checkpoint; the latest has 7 leaves"
    )


async def test_consistency_between_signed_trees(client, session):
    _, first = await seed(session)
    await service.append(session, [commission(n, sgtin(n)) for n in range(7, 10)])
    await session.commit()
    body = (await client.get("/ledger/proofs/consistency", params={"first": 3})).json()
    assert body["detail"] == "first 3 is not the size of a signed checkpoint; the latest has 7 leaves"
    body = (await client.get("/ledger/proofs/consistency", params={"first": 0})).json()
    assert (body["first"], body["second"], body["checkpoint"]) == (0, 7, first)
    unsigned = await client.get("/ledger/proofs/consistency", params={"first": 7, "second": 10})
    assert unsigned.status_code == 422


async def test_consistency_proof_verifies_against_both_notes(client, session):
    signer, verifier = core.generate_signer(ORIGIN)
    await service.append(session, [commission(i, sgtin(i)) for i in range(3)])
    await service.sign_checkpoint(session, signer, ORIGIN)
    await service.append(session, [commission(i, sgtin(i)) for i in range(3, 7)])
    await service.sign_checkpoint(session, signer, ORIGIN)
    await session.commit()
    body = (await client.get("/ledger/proofs/consistency", params={"first": 3})).json()
    old = core.open_checkpoint(body["first_checkpoint"], verifier)
    new = core.open_checkpoint(body["checkpoint"], verifier)
    assert (old.size, new.size, body["second"]) == (3, 7, 7)
    core.verify_consistency(3, 7, [bytes.fromhex(h) for h in body["hashes"]],
                            old.root_hash, new.root_hash)


async def test_a_leaf_shows_its_hash_to_anyone_and_its_data_to_no_one_without_a_key(
    client, session
):
    await seed(session)
    leaf = (await client.get("/ledger/leaves/6")).json()
    assert leaf["leaf_hash"] == (await session.get(LedgerLeaf, 6)).leaf_hash.hex()
    assert (leaf["data"], leaf["data_hex"]) == (None, None)  # the submitter's GLN is not public
    assert MFG not in str(leaf)


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
    missing = await client.get("/ledger/proofs/inclusion", params={"leaf_index": 99})
    assert (missing.status_code, missing.json()["detail"]) == (404, "no leaf 99 in the log")
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
