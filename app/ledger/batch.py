"""Group commit: many concurrent callers' leaves appended in one transaction.

Each call of :func:`app.ledger.service.append` takes the log's sequencer lock (the tree-state
row, ``FOR UPDATE``) until its transaction commits, so callers that each append one leaf are
serialized on lock, insert and commit. A :class:`GroupAppender` queues them instead: one task
drains the queue, appends every waiting leaf (and the rows that name it) in one transaction,
commits, and only then wakes each caller. While a batch commits the next one gathers, so an
idle log adds no delay and a busy one pays one lock and one commit per batch.

Nothing is answered before it is in the log: a caller's leaf and rows are committed when its
``append`` returns. If a batch fails, its entries are retried one per transaction, so one bad
entry (a unique index it breaks) fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.dialect import write_lock
from app.ledger.service import Appended, Entry, append

RowsOf = Callable[[Appended], list[object]]
"""The ORM rows to store with a leaf, given where it landed (e.g. evidence naming its index)."""


@dataclass
class _Waiting:
    entry: Entry
    rows: RowsOf
    done: asyncio.Future[Appended] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupAppender:
    """Appends queued entries in batches of at most ``max_batch`` (one per event loop)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_batch: int = 256):
        self.sessions, self.max_batch = sessions, max_batch
        self._queue: list[_Waiting] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # for tests and metrics: transactions committed

    async def append(self, entry: Entry, rows: RowsOf) -> Appended:
        """Append ``entry`` with ``rows(appended)``; returns once both are committed."""
        waiting = _Waiting(entry, rows)
        self._queue.append(waiting)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return await waiting.done

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            try:
                await self._commit(batch)
            except Exception as error:
                if len(batch) == 1:
                    _fail(batch[0], error)
                    continue
                for one in batch:  # find the entry that failed; the others still land
                    try:
                        await self._commit([one])
                    except Exception as alone:
                        _fail(one, alone)

    async def _commit(self, batch: list[_Waiting]) -> None:
        async with self.sessions.begin() as session:
            await write_lock(session)
            appended = await append(session, [w.entry for w in batch])
            for waiting, landed in zip(batch, appended, strict=True):
                session.add_all(waiting.rows(landed))
            await session.flush()
        self.batches += 1
        for waiting, landed in zip(batch, appended, strict=True):
            if not waiting.done.done():
                waiting.done.set_result(landed)


def _fail(waiting: _Waiting, error: Exception) -> None:
    if not waiting.done.done():  # a caller that went away (cancelled) is told nothing
        waiting.done.set_exception(error)
