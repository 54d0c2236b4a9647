"""Test harness: real Alembic-migrated databases on PostgreSQL and SQLite, one rollback per test.

Every test that asks for ``session``, ``client`` or ``database_url`` runs once per backend
(``CUSTODY_TEST_BACKENDS``, default ``postgresql,sqlite``). PostgreSQL tests use a fresh
database created for the run next to ``CUSTODY_TEST_DATABASE_URL`` (default: the local
``test`` database) and dropped afterwards. With ``CI`` set, an unreachable PostgreSQL fails
the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine
from app.main import create_app
from app.migrate import upgrade

# No test writes signing keys or checkpoints into the working tree: Settings() and every
# `custody` subprocess use this run's own key directory unless a test names another.
os.environ["CUSTODY_KEY_DIR"] = tempfile.mkdtemp(prefix="custody-test-keys-")

PG_URL = os.environ.get(
    "CUSTODY_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = os.environ.get("CUSTODY_TEST_BACKENDS", "postgresql,sqlite").split(",")


def require_postgresql(why: str) -> None:
    """Skip a PostgreSQL-only test (``why``) when a developer left PostgreSQL out of
    ``CUSTODY_TEST_BACKENDS``; with ``CI`` set it fails instead: CI tests it, never skips it."""
    if "postgresql" in BACKENDS:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CUSTODY_TEST_BACKENDS leaves PostgreSQL out, and CI must test it",
                    pytrace=False)
    pytest.skip(f"{why}; CUSTODY_TEST_BACKENDS leaves PostgreSQL out")


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_pg_database() -> str:
    """Create an empty PostgreSQL database for this run and return its SQLAlchemy URL."""
    name = f"custody_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(_admin_dsn(PG_URL), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL unreachable at {PG_URL}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI runs every database test on PostgreSQL)")
        pytest.skip(message)
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by :func:`create_pg_database`."""
    name = make_url(url).database
    with psycopg.connect(_admin_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory) -> Iterator[callable]:
    """A factory of empty databases per backend (cleaned up at the end of the run)."""
    made: list[str] = []

    def make(backend: str) -> str:
        if backend == "postgresql":
            url = create_pg_database()
        else:
            path = tmp_path_factory.mktemp("sqlite") / f"{uuid.uuid4().hex[:8]}.db"
            url = f"sqlite+aiosqlite:///{path}"
        made.append(url)
        return url

    yield make
    for url in made:
        if url.startswith("postgresql"):
            drop_pg_database(url)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, empty_database) -> str:
    """A database migrated to head with the real Alembic migrations, shared by the run."""
    url = empty_database(request.param)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def demo_databases() -> dict:
    """Databases holding ``custody demo``'s data, made once per backend and settings."""
    return {}


@pytest.fixture
def demo_database(request, database_url: str, demo_databases: dict, empty_database,
                  tmp_path_factory) -> tuple[str, dict, Path]:
    """``(url, what load() returned, its key directory)`` of a database that holds the demo.

    Loading the demo takes seconds; tests that ask for it (``tests.staff.helpers.demo``) get
    a connection to this database instead, rolled back like any other.
    """
    settings: Settings = request.getfixturevalue("settings")
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    vault = settings.vault_key.get_secret_value() if settings.vault_key else None
    key = (backend, settings.operator_gln, vault, settings.vault_key_file)
    if key not in demo_databases:
        url = empty_database(backend)
        key_dir = tmp_path_factory.mktemp("demo-keys")
        loading = settings.model_copy(update={"database_url": url, "key_dir": key_dir})
        with ThreadPoolExecutor(1) as pool:  # fixtures run inside the test's event loop
            pool.submit(upgrade, url).result()
            created = pool.submit(asyncio.run, _load_demo(loading)).result()
        demo_databases[key] = (url, created, key_dir)
    return demo_databases[key]


async def _load_demo(settings: Settings) -> dict:
    from app.db import session_factory
    from app.demo import load

    engine = create_engine(settings.database_url)
    try:
        return await load(session_factory(engine), settings)
    finally:
        await engine.dispose()


@pytest.fixture
async def connection(request, database_url: str) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test (to the demo's
    database for tests that ask for ``demo``)."""
    if "demo" in request.fixturenames:
        database_url = request.getfixturevalue("demo_database")[0]
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()
    await engine.dispose()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits become savepoints of the test's transaction."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(sessions) -> AsyncIterator[AsyncSession]:
    """One session for service and repository tests."""
    async with sessions() as session:
        yield session


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_json=True)


@pytest.fixture
async def client(settings: Settings, sessions) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client for the real app; its requests share the test's rolled-back transaction."""
    app = create_app(settings)
    app.state.sessions = sessions
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://custody.test") as http:
        yield http
    await app.state.engine.dispose()


@pytest.fixture
def root_handlers():
    """Put back the root logger's handlers, which :func:`configure_logging` replaces."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
