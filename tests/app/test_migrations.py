"""Migrations upgrade, downgrade and upgrade again on every backend, with no drift."""

import asyncio

import pytest
from alembic import command
from sqlalchemy import inspect

from app.db import create_engine
from app.migrate import alembic_config, downgrade, upgrade
from app.models import Base
from tests.conftest import BACKENDS


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


@pytest.mark.parametrize("backend", BACKENDS)
def test_up_down_up_without_drift(backend, empty_database):
    url = empty_database(backend)
    upgrade(url)
    assert set(Base.metadata.tables) <= asyncio.run(table_names(url))
    command.check(alembic_config(url))  # raises when models and migrations disagree
    downgrade(url, "base")
    assert asyncio.run(table_names(url)) == {"alembic_version"}
    upgrade(url)
    assert set(Base.metadata.tables) <= asyncio.run(table_names(url))
