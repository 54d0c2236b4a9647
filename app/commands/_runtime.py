"""How a command reaches the database: one run, one engine, checked first, disposed after."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import database

T = TypeVar("T")


def run(
    settings: Settings,
    work: Callable[..., Awaitable[T]],
    *args: Any,
    snapshot: bool = False,
) -> T:
    """Run ``work(sessions, *args)`` on CUSTODY_DATABASE_URL and return what it returns.

    An unreachable database is one :class:`~app.errors.DatabaseUnavailableError`; with
    ``snapshot`` every session reads one snapshot (see :func:`app.db.database`).
    """

    async def main() -> T:
        async with database(settings.database_url, snapshot=snapshot) as sessions:
            return await work(sessions, *args)

    return asyncio.run(main())


def run_in_transaction(settings: Settings, work: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run ``work(session, *args)`` in one transaction, committed when it returns."""

    async def in_transaction(sessions: async_sessionmaker[AsyncSession]) -> T:
        async with sessions.begin() as session:
            return await work(session, *args)

    return run(settings, in_transaction)
