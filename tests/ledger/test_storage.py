"""The ledger on a real database: appends, stored subtree hashes, proofs, hop chains."""

from contextlib import aclosing
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.errors import NotFound, NotYetSigned, ValidationFailed
from app.ledger import core, repository, service
from app.models import CustodyHop, LedgerLeaf
from tests.ledger.helpers import (
    MFG,
    PHARMACY,
    WHOLESALER,
    commission,
    entry,
    event_hash,
    sgtin,
    ship,
)


async def stored_leaf_hashes(session) -> list[bytes]:
    return list(await session.scalars(select(LedgerLeaf.leaf_hash).order_by(LedgerLeaf.leaf_index)))


async def test_batches_build_the_same_tree_as_memory(session):
    signer, verifier = core.generate_signer("custody.test/log")
    sizes = [1, 2, 3, 5, 8, 13, 1, 1, 30]
    n, signed = 0, []
    for batch in sizes:
        appended = await service.append(session, [entry(n + i) for i in range(batch)])
        assert [a.leaf_index for a in appended] == list(range(n, n + batch))
        n += batch
        signed.append(n)
        await service.sign_checkpoint(session, signer, "custody.test/log")
    hashes = await stored_leaf_hashes(session)
    tree = core.MerkleTree(hashes)
    assert len(hashes) == n == await service.current_size(session)
    assert await service.root_at(session, n) == tree.root() == core.root(hashes)
    for size in range(1, n + 1):
        assert await service.root_at(session, size) == tree.root(size)
    for size in signed:
        for index in sorted({0, size // 2, size - 1}):
            proof = await service.inclusion_proof(session, None, leaf_index=index, tree_size=size)
            assert proof.hashes == tree.inclusion_proof(index, size)
            assert core.open_checkpoint(proof.checkpoint, verifier).root_hash == tree.root(size)
            core.verify_inclusion(proof.leaf_hash, index, size, proof.hashes, tree.root(size))
    for first in [0, *signed]:
        proof = await service.consistency_proof(session, first, n)
        if first:
            core.verify_consistency(first, n, proof.hashes, tree.root(first), tree.root(n))


async def test_leaf_records_event_partner_and_hops(session):
    [appended] = await service.append(session, [commission(7, sgtin(1))])
    leaf = await session.get(LedgerLeaf, appended.leaf_index)
    assert leaf.leaf_hash == core.leaf_hash(leaf.data)
    [hop] = await repository.unit_hops(session, sgtin(1))
    assert appended.hop_hashes == [hop.hop_hash]
    assert leaf.data == core.leaf_data(event_hash(7), entry(7).record_time, MFG, [hop.hop_hash])


async def test_hops_chain_per_unit_across_appends(session):
    unit = sgtin(42)
    await service.append(session, [commission(1, unit), commission(2, sgtin(43))])
    await service.append(session, [ship(3, unit, MFG, WHOLESALER)])
    await service.append(session, [ship(4, unit, WHOLESALER, PHARMACY)])
    rows = list(
        await session.scalars(
            select(CustodyHop).where(CustodyHop.unit == unit).order_by(CustodyHop.seq)
        )
    )
    assert [(r.seq, r.kind, r.to_party) for r in rows] == [
        (0, "commission", MFG),
        (1, "ship", WHOLESALER),
        (2, "ship", PHARMACY),
    ]
    hops = [
        core.Hop(
            r.unit,
            r.seq,
            r.event_hash,
            r.kind,
            r.from_party,
            r.to_party,
            r.location,
            r.time,
            r.prev_hop_hash,
        )
        for r in rows
    ]
    assert core.verify_chain(hops, [r.hop_hash for r in rows]) == rows[-1].hop_hash
    assert rows[0].prev_hop_hash == core.GENESIS


async def test_one_event_may_move_a_unit_twice_in_one_batch(session):
    unit = sgtin(5)
    appended = await service.append(session, [commission(1, unit), ship(2, unit, MFG, WHOLESALER)])
    first, second = await repository.unit_hops(session, unit)
    assert (second.seq, second.prev_hop_hash) == (1, first.hop_hash)
    assert [a.hop_hashes for a in appended] == [[first.hop_hash], [second.hop_hash]]


async def test_proofs_are_against_signed_trees_only(session):
    signer, _ = core.generate_signer("custody.test/log")
    await service.append(session, [entry(i) for i in range(5)])
    with pytest.raises(NotYetSigned) as caught:
        await service.inclusion_proof(session, None, leaf_index=3)
    assert caught.value.detail == (
        "leaf 3 is not yet in a signed tree: no checkpoint is signed yet; "
        "checkpoints are signed only by an operator (`custody checkpoint`)"
    )
    note = await service.sign_checkpoint(session, signer, "custody.test/log")
    with pytest.raises(ValidationFailed) as caught:
        await service.inclusion_proof(session, None, leaf_index=4, tree_size=4)
    assert caught.value.detail == (
        "tree_size 4 is not the size of a signed checkpoint; the latest has 5 leaves"
    )
    with pytest.raises(ValidationFailed) as caught:
        await service.inclusion_proof(session, None, leaf_index=5, tree_size=5)
    assert (
        caught.value.detail
        == "leaf_index 5 is not in a tree of 5 leaves; expected 0 <= leaf_index < 5"
    )
    with pytest.raises(NotFound, match="no leaf 5 in the log"):
        await service.inclusion_proof(session, None, leaf_index=5)
    with pytest.raises(ValidationFailed) as caught:
        await service.consistency_proof(session, 2, 5)
    assert caught.value.detail == (
        "first 2 is not the size of a signed checkpoint; the latest has 5 leaves"
    )
    assert (await service.consistency_proof(session, 0)).checkpoint == note


async def test_proof_defaults_to_latest_checkpoint(session):
    signer, _ = core.generate_signer("custody.test/log")
    await service.append(session, [entry(i) for i in range(4)])
    note = await service.sign_checkpoint(session, signer, "custody.test/log")
    await service.append(session, [entry(i) for i in range(4, 9)])
    proof = await service.inclusion_proof(session, None, leaf_index=2)
    assert (proof.tree_size, proof.checkpoint) == (4, note)
    with pytest.raises(NotYetSigned) as caught:
        await service.inclusion_proof(session, None, leaf_index=6, interval=timedelta(hours=1))
    assert caught.value.status == 409
    assert caught.value.detail.startswith(
        "leaf 6 is not yet in a signed tree: the latest checkpoint has 4 leaves; "
        "the next is due by "
    )
    assert 3500 <= int(caught.value.headers["Retry-After"]) <= 3600


@pytest.mark.parametrize(
    "table", ["ledger_leaves", "ledger_nodes", "ledger_checkpoints", "custody_hops"]
)
async def test_ledger_tables_refuse_update_and_delete(session, connection, table):
    signer, _ = core.generate_signer("custody.test/log")
    await service.append(session, [commission(i, sgtin(i)) for i in range(4)])
    await service.sign_checkpoint(session, signer, "custody.test/log")
    await session.flush()
    column = {
        "ledger_leaves": "event_hash",
        "ledger_nodes": "level",
        "ledger_checkpoints": "note",
        "custody_hops": "kind",
    }[table]
    for statement in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match=f"table {table} is append-only"):
            async with connection.begin_nested():
                await connection.execute(text(statement))


async def test_checkpoints_are_signed_only_when_grown_and_at_most_once_per_interval(
    sessions, session, tmp_path
):
    from app.ledger.scheduler import Signer

    key, verifier = core.generate_signer("custody.test/log")
    eager, patient = (Signer(key, "custody.test/log", timedelta(seconds=s), tmp_path)
                      for s in (0, 3600))
    assert await eager.sign_if_due(sessions) is False  # empty log
    await service.append(session, [entry(i) for i in range(3)])
    await session.commit()
    assert await patient.sign_if_due(sessions) is True  # the first checkpoint is never early
    assert await eager.sign_if_due(sessions) is False  # unchanged
    await service.append(session, [entry(3)])
    await session.commit()
    assert await patient.sign_if_due(sessions) is False  # grown, but signed a moment ago
    assert await eager.sign_if_due(sessions) is True
    proof = await service.inclusion_proof(session, None, leaf_index=3)
    assert core.open_checkpoint(proof.checkpoint, verifier).size == 4
    kept = (tmp_path / "checkpoint.latest").read_text()  # kept outside the database too
    assert core.open_checkpoint(kept, verifier).size == 4


async def test_batches_read_every_row_in_order(session):
    await service.append(session, [entry(i) for i in range(5)])
    query = select(LedgerLeaf.leaf_index, LedgerLeaf.event_hash).order_by(LedgerLeaf.leaf_index)
    async with aclosing(repository.batches(session, query, size=2)) as batches:
        got = [[tuple(row) for row in rows] async for rows in batches]
    assert got == [[(i, event_hash(i)) for i in range(s, min(s + 2, 5))] for s in (0, 2, 4)]


# PostgreSQL only: there a stream runs one statement that stopping must cancel; SQLite's
# keyset pages leave no statement running, so there is nothing to test.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_batches_stopped_early_leave_the_session_usable(session):
    # Big enough that the server is still sending when the reader stops (and cancels it).
    query = select(func.generate_series(1, 3_000_000))
    zone = text("SELECT current_setting('TimeZone')")
    before = await session.scalar(zone)
    async with aclosing(repository.batches(session, query, size=2)) as batches:
        async for rows in batches:
            assert [n for (n,) in rows] == [1, 2]
            break
    assert await session.scalar(zone) == before


async def test_a_unit_commissioned_twice_fails_the_append(session):
    await service.append(session, [commission(1, sgtin(9))])
    refused = "uq_custody_hops_unit_seq|UNIQUE constraint failed: custody_hops.unit, custody_hops.seq"
    with pytest.raises(DBAPIError, match=refused):
        async with session.begin_nested():
            await service.append(session, [commission(2, sgtin(9))])
    assert await service.current_size(session) == 1
