"""A fresh PostgreSQL database for one benchmark run: migrated to head, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from app.migrate import upgrade

BASE = os.environ.get(
    "CUSTODY_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def libpq(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string for plain psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new database next to ``CUSTODY_TEST_DATABASE_URL``."""
    name = f"custody_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq(BASE), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(BASE).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(libpq(BASE), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
