"""What PostgreSQL and SQLite do differently, asked in one place.

Custody runs on both; everything else is portable SQLAlchemy. Code that must know which
database it talks to calls these rather than comparing dialect names itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, any_, literal, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

Bind = AsyncSession | AsyncEngine | AsyncConnection | Session | Engine | Connection
Query = TypeVar("Query", bound=Select[Any])


def backend(bind: Bind) -> str:
    """``"postgresql"`` or ``"sqlite"``: the database behind an engine, a connection or a session."""
    if isinstance(bind, AsyncSession | Session):
        assert bind.bind is not None, "a session bound to no engine has no database"
        return backend(bind.bind)
    return bind.dialect.name


def is_postgresql(bind: Bind) -> bool:
    return backend(bind) == "postgresql"


def is_sqlite(bind: Bind) -> bool:
    return backend(bind) == "sqlite"


async def write_lock(session: AsyncSession) -> None:
    """SQLite: take the database write lock first, so the busy timeout waits for it.

    A transaction that reads and then writes cannot wait: if another writer committed in
    between, SQLite fails it at once ("database is locked"). A first statement that writes
    (here, one touching no row) makes the transaction a writer from the start. PostgreSQL
    needs nothing.
    """
    if is_sqlite(session):
        await session.execute(text("UPDATE capture_jobs SET attempts = attempts WHERE 0"))


def for_update(bind: Bind, query: Query, *, skip_locked: bool = False) -> Query:
    """``query`` locking the rows it reads (``FOR UPDATE [SKIP LOCKED]``) on PostgreSQL.

    SQLite has no row locks and needs none: one writer at a time (:func:`write_lock`).
    """
    return query.with_for_update(skip_locked=skip_locked) if is_postgresql(bind) else query


def in_values(bind: Bind, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``: one array parameter on PostgreSQL (``column = ANY(:values)``).

    A statement with thousands of placeholders costs PostgreSQL more to build and parse than
    to run; SQLite has no arrays and gets a placeholder per value.
    """
    if is_postgresql(bind):
        return column == any_(literal(list(values), ARRAY(column.type)))
    return column.in_(values)
