"""Engine and session factory; one transaction per request, committed before the response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.dialect import is_postgresql
from app.errors import DatabaseUnavailableError


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _sqlite_begin(connection) -> None:
        # The sqlite3 module's own implicit transactions break SAVEPOINT and DDL rollback.
        connection.exec_driver_sql("BEGIN")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that never expire loaded objects on commit (safe to read after committing)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def check_database(engine: AsyncEngine) -> None:
    """Raise :class:`DatabaseUnavailableError` unless a trivial query succeeds."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError, OSError) as exc:
        raise DatabaseUnavailableError(describe_connection_error(engine.url, exc)) from None


def is_unreachable(exc: DBAPIError) -> bool:
    """True when ``exc`` means the database cannot be reached, not that a statement failed.

    That is a connection lost mid-use, a connection refused or rejected while opening (psycopg
    reports those without an SQLSTATE; SQLSTATE classes 08 and 57P are the server's own
    connection failures and shutdowns), or a SQLite file that cannot be opened.
    """
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if orig is not None and hasattr(orig, "sqlstate"):
        state = orig.sqlstate
        return state is None or state.startswith(("08", "57P"))
    return getattr(orig, "sqlite_errorname", None) == "SQLITE_CANTOPEN"


def describe_connection_error(url, exc: BaseException) -> str:
    """One line naming the setting and the safe part of the URL, without a traceback."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    safe = make_url(str(url)).render_as_string(hide_password=True)
    return f"CUSTODY_DATABASE_URL: cannot connect to {safe}: {reason}"


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session inside a transaction; commit on success, roll back on error."""
    async with factory() as session, session.begin():
        yield session


@asynccontextmanager
async def database(
    url: str, *, snapshot: bool = False
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on ``url`` for one command or script: checked first, the engine disposed after.

    With ``snapshot`` every transaction reads one snapshot (REPEATABLE READ on PostgreSQL;
    SQLite's transactions are serializable already).
    """
    engine = create_engine(url)
    try:
        await check_database(engine)
        if snapshot and is_postgresql(engine):
            yield session_factory(engine.execution_options(isolation_level="REPEATABLE READ"))
        else:
            yield session_factory(engine)
    finally:
        await engine.dispose()
