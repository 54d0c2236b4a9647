"""FastAPI dependencies shared by routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import ValidationFailed


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
"""A session in a transaction that commits when the endpoint returns, before the response is sent."""


def _settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(_settings)]

INTEGER_MAX = 2**31 - 1
"""Largest value of an SQL ``INTEGER`` column: bounds for ids taken from the URL."""
RowId = Annotated[int, Path(ge=1, le=INTEGER_MAX)]
"""A row id from the URL: out of range is a 422 naming it, never a database error."""
BIGINT_MAX = 2**63 - 1
"""Largest value of an SQL ``BIGINT`` column (leaf indexes, tree sizes)."""


async def refuse_nul(request: Request) -> None:
    """No path or query parameter may hold NUL (no identifier does; PostgreSQL cannot store it)."""
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if "\x00" in str(value):
            raise ValidationFailed(
                f"{name}: expected text without NUL characters, got {str(value)!r}",
                field=name,
                found=str(value),
            )
