"""Run Alembic migrations from code (``custody migrate``, the demo and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import DBAPIError, OperationalError

from app.db import describe_connection_error
from app.errors import DatabaseUnavailableError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for ``database_url`` that works from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate ``database_url`` up to ``revision``; unreachable databases give one line."""
    _run(command.upgrade, database_url, revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate ``database_url`` down to ``revision``."""
    _run(command.downgrade, database_url, revision)


def _run(step, database_url: str, revision: str) -> None:
    try:
        step(alembic_config(database_url), revision)
    except (OperationalError, DBAPIError, OSError) as exc:
        from sqlalchemy.engine import make_url

        raise DatabaseUnavailableError(
            describe_connection_error(make_url(database_url), exc)
        ) from None
