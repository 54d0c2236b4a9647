"""Group commit: concurrent callers' leaves land in few transactions, each caller returns only
once its leaf and rows are committed, and one entry that breaks a constraint fails alone."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.ledger import service
from app.ledger.batch import GroupAppender
from app.ledger.verify import verify
from app.models import LedgerLeaf, VrsEvidence
from tests.partners.helpers import make_partner

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def entry(n: int) -> service.Entry:
    return service.Entry(f"ni:///sha-256;{hashlib.sha256(b'%d' % n).hexdigest()}?type=vrs", NOW,
                         "0360001000004")


def evidence(partner: int, corr: str, n: int):
    def rows(leaf: service.Appended) -> list[object]:
        return [VrsEvidence(requester_id=partner, corr_uuid=corr, request=b"{}", response=b"%d" % n,
                            evidence_hash=entry(n).event_hash, leaf_index=leaf.leaf_index,
                            answered_at=NOW)]
    return rows


async def test_concurrent_appends_share_transactions_and_all_land(session, sessions):
    partner = (await make_partner(session, "Atlas", "0360001000004")).id
    await session.commit()
    appender = GroupAppender(sessions)
    landed = await asyncio.gather(*(appender.append(entry(n), evidence(partner, f"c{n}", n))
                                    for n in range(40)))
    assert sorted(a.leaf_index for a in landed) == list(range(40))
    assert appender.batches < 40  # the first alone, the rest gathered while it committed
    stored = (await session.execute(select(VrsEvidence.leaf_index, VrsEvidence.evidence_hash)
                                    .order_by(VrsEvidence.leaf_index))).all()
    leaves = dict((await session.execute(select(LedgerLeaf.leaf_index,
                                                LedgerLeaf.event_hash))).all())
    assert [(i, h) for i, h in stored] == [(i, leaves[i]) for i in range(40)]
    assert (await verify(session, None)).ok


async def test_an_entry_breaking_a_constraint_fails_alone(session, sessions):
    partner = (await make_partner(session, "Atlas", "0360001000004")).id
    await session.commit()
    appender = GroupAppender(sessions)
    results = await asyncio.gather(
        *(appender.append(entry(n), evidence(partner, "same" if n in (3, 4) else f"c{n}", n))
          for n in range(8)), return_exceptions=True)
    failed = [n for n, r in enumerate(results) if isinstance(r, Exception)]
    assert len(failed) == 1 and failed[0] in (3, 4)
    assert isinstance(results[failed[0]], IntegrityError)
    assert await session.scalar(select(func.count()).select_from(VrsEvidence)) == 7
    assert await session.scalar(select(func.count()).select_from(LedgerLeaf)) == 7
    assert (await verify(session, None)).ok


@pytest.mark.parametrize("max_batch", [1, 3])
async def test_batches_never_exceed_their_bound(session, sessions, max_batch):
    partner = (await make_partner(session, "Atlas", "0360001000004")).id
    await session.commit()
    appender = GroupAppender(sessions, max_batch=max_batch)
    await asyncio.gather(*(appender.append(entry(n), evidence(partner, f"c{n}", n))
                           for n in range(9)))
    assert appender.batches >= 9 // max_batch
